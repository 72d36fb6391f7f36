import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { Settling, type RunState, type SentRecord } from '../run/runState';

/**
 * The items' results, in input order: a result, an error item (On Error continues), or the failure
 * that stops the node. Results of actions still watched (Wait for Completion) come later: the
 * worker moved on once the item's action was sent.
 */
export class ItemResults {
	private readonly results: Array<INodeExecutionData[] | undefined>;

	private firstFailure: NodeApiError | NodeOperationError | undefined;

	private readonly settling: Array<Promise<void>> = [];

	constructor(
		private readonly context: IExecuteFunctions,
		private readonly run: RunState | undefined,
		count: number,
	) {
		this.results = new Array(count).fill(undefined);
	}

	/**
	 * Whether no further item may start: the node stops after a failure, or the execution was
	 * cancelled.
	 */
	get stopping(): boolean {
		return this.firstFailure !== undefined || this.cancelled;
	}

	record(itemIndex: number, result: IDataObject | IDataObject[] | Settling): void {
		if (!(result instanceof Settling)) {
			this.results[itemIndex] = paired(result, itemIndex);
			return;
		}
		this.settling.push(
			result.result.then(
				(json) => void (this.results[itemIndex] = paired(json, itemIndex)),
				async (error: unknown) => await this.fail(itemIndex, error),
			),
		);
	}

	async fail(itemIndex: number, error: unknown): Promise<void> {
		const failure = await shown(this.context, this.run, error, itemIndex);
		if (!this.context.continueOnFail() || this.cancelled) {
			this.firstFailure ??= failure;
			// The node stops: actions still watched are not waited for (the stop report names every
			// action sent).
			this.run?.watcher.stop(new Error('The node stopped'));
		} else
			this.results[itemIndex] = [{ json: errorJson(failure), pairedItem: { item: itemIndex } }];
	}

	/**
	 * Every item's results once all are in; throws what stops the node, naming every action this
	 * execution sent.
	 */
	async all(): Promise<INodeExecutionData[]> {
		if (this.stopping) this.run?.watcher.stop(new Error('The node stopped'));
		await Promise.all(this.settling);
		const sent = this.run?.sent.all;
		if (this.cancelled) {
			throw withSubmitted(
				new NodeOperationError(this.context.getNode(), 'The execution was cancelled'),
				sent,
			);
		}
		// The invariant: every item has its result. One without is an error, never a silently shorter
		// output.
		for (let itemIndex = 0; itemIndex < this.results.length && !this.firstFailure; itemIndex++) {
			if (this.results[itemIndex] === undefined)
				await this.fail(itemIndex, unprocessed(this.context, itemIndex));
		}
		if (this.firstFailure !== undefined) throw withSubmitted(this.firstFailure, sent);
		return this.results.flatMap((result) => result ?? []);
	}

	private get cancelled(): boolean {
		return this.context.getExecutionCancelSignal()?.aborted === true;
	}
}

function unprocessed(context: IExecuteFunctions, itemIndex: number): NodeOperationError {
	return new NodeOperationError(
		context.getNode(),
		`Item ${itemIndex} was not processed: the node produced no result for it`,
		{
			itemIndex,
			description:
				'Nothing was sent for this item. This is a fault of the node: please report it, then run the item again.',
		},
	);
}

/**
 * When the node stops, every action this execution already sent is named in the error: a release
 * that happened must never be hidden behind another item's failure.
 */
function withSubmitted<E extends NodeApiError | NodeOperationError>(
	error: E,
	submitted: SentRecord[] = [],
): E {
	if (submitted.length === 0) return error;
	const lines = submitted.map(({ itemIndex, machineId, type, actionId, outcome }) =>
		outcome === 'unknown'
			? `item ${itemIndex}: ${type} device ${machineId}: outcome unknown (the request may have landed)`
			: `item ${itemIndex}: ${type} device ${machineId}: action ${actionId}${outcome === 'alreadyInProgress' ? ' (already in progress)' : ''}`,
	);
	const summary = `Actions this execution already sent to Defender (${submitted.length}): ${lines.join('; ')}.`;
	error.description = error.description ? `${error.description}\n${summary}` : summary;
	return error;
}

/** An item's result objects, each paired with its input item. */
function paired(result: IDataObject | IDataObject[], itemIndex: number): INodeExecutionData[] {
	return (Array.isArray(result) ? result : [result]).map((json) => ({
		json,
		pairedItem: { item: itemIndex },
	}));
}

/**
 * n8n's shape for an error item: only `error` and `details`, so "On Error: Continue (using error
 * output)" routes it.
 */
function errorJson(error: NodeApiError | NodeOperationError): IDataObject {
	return { error: error.message, ...(error.description ? { details: error.description } : {}) };
}

/**
 * The error as the user sees it: an n8n error for the item, with every credential value redacted
 * from every field.
 */
async function shown(
	context: IExecuteFunctions,
	run: RunState | undefined,
	error: unknown,
	itemIndex: number,
): Promise<NodeApiError | NodeOperationError> {
	const failure =
		error instanceof NodeOperationError || error instanceof NodeApiError
			? error
			: new NodeOperationError(
					context.getNode(),
					error instanceof Error ? error : new Error(String(error)),
					{ itemIndex },
				);
	if (run) {
		await run.client.refreshSecrets();
		run.client.redactAll(failure);
	}
	return failure;
}
