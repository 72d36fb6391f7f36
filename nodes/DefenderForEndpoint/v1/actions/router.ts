import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { readRunOptions } from '../descriptions/options';
import { planRun } from '../run/plan';
import { createRun, Settling, type RunState, type SentRecord } from '../run/runState';
import type { Runtime } from '../transport';
import { CUSTOM_API_CALL, customApiCallError } from './customApiCall';
import * as device from './device/Device.resource';
import * as machineAction from './machineAction/MachineAction.resource';
import type { OperationExecute } from './node.type';

const operations: Record<string, Record<string, { execute: OperationExecute }>> = {
	device: {
		get: device.get,
		getIsolatedDevices: device.getIsolatedDevices,
		getIsolationState: device.getIsolationState,
		getMany: device.getMany,
		isolate: device.isolate,
		releaseFromIsolation: device.releaseFromIsolation,
	},
	machineAction: { cancel: machineAction.cancel, get: machineAction.get, getMany: machineAction.getMany },
};

/**
 * Runs the operation for every input item: N items in, N results out, each paired with its input.
 * A failed item becomes an error item when "On Error" continues; otherwise the node stops after the items in flight.
 */
export async function router(this: IExecuteFunctions, runtime: Runtime): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const { handler, resource, operation } = chosenOperation(this);
	const { run, setupFailure } = await startRun(this, runtime, { resource, operation }, items.length);
	const results: Array<INodeExecutionData[] | undefined> = new Array(items.length).fill(undefined);
	let firstFailure: NodeApiError | NodeOperationError | undefined;
	const cancelled = () => this.getExecutionCancelSignal()?.aborted === true;

	const fail = async (itemIndex: number, error: unknown) => {
		const failure = await shown(this, run, error, itemIndex);
		if (!this.continueOnFail() || cancelled()) {
			firstFailure ??= failure;
			// The node stops: actions still watched are not waited for (the stop report names every action sent).
			run?.watcher.stop(new Error('The node stopped'));
		} else results[itemIndex] = [{ json: errorJson(failure), pairedItem: { item: itemIndex } }];
	};
	const succeed = (itemIndex: number, result: IDataObject | IDataObject[]) => void (results[itemIndex] = paired(result, itemIndex));
	// Results that come later (Wait for Completion): the worker moved on once the item's action was sent.
	const settling: Array<Promise<void>> = [];
	const processItem = async (itemIndex: number) => {
		try {
			if (!run) throw setupFailure;
			const result = await handler.execute.call(this, itemIndex, run);
			if (result instanceof Settling) {
				settling.push(result.result.then((json) => succeed(itemIndex, json), async (error: unknown) => await fail(itemIndex, error)));
			} else succeed(itemIndex, result);
		} catch (error) {
			await fail(itemIndex, error);
		}
	};

	// The first item runs alone: it fetches the OAuth2 token, which n8n would otherwise fetch once per parallel request.
	let next = 0;
	const worker = async () => {
		while (next < items.length && firstFailure === undefined && !cancelled()) await processItem(next++);
	};
	if (items.length > 0) await processItem(next++);
	await Promise.all(Array.from({ length: Math.min(run?.options.parallelRequests ?? 1, items.length) }, worker));
	if (firstFailure !== undefined || cancelled()) run?.watcher.stop(new Error('The node stopped'));
	await Promise.all(settling);

	if (cancelled()) throw withSubmitted(new NodeOperationError(this.getNode(), 'The execution was cancelled'), run?.sent.all);
	// The invariant: every item has its result. One without is an error, never a silently shorter output.
	for (let itemIndex = 0; itemIndex < items.length && firstFailure === undefined; itemIndex++) {
		if (results[itemIndex] === undefined) await fail(itemIndex, unprocessed(this, itemIndex));
	}
	if (firstFailure !== undefined) throw withSubmitted(firstFailure, run?.sent.all);
	return [results.flatMap((result) => result ?? [])];
}

function chosenOperation(context: IExecuteFunctions): { handler: { execute: OperationExecute }; resource: string; operation: string } {
	const resource = context.getNodeParameter('resource', 0) as string;
	if (resource === CUSTOM_API_CALL) throw customApiCallError(context);
	const operation = context.getNodeParameter('operation', 0) as string;
	if (operation === CUSTOM_API_CALL) throw customApiCallError(context);
	const handler = operations[resource]?.[operation];
	if (!handler) {
		throw new NodeOperationError(context.getNode(), `The operation "${operation}" of "${resource}" is not supported`);
	}
	return { handler, resource, operation };
}

/** The run's shared state, or why there is none: then every item fails with that reason, and nothing is sent. */
async function startRun(
	context: IExecuteFunctions,
	runtime: Runtime,
	{ resource, operation }: { resource: string; operation: string },
	itemCount: number,
): Promise<{ run?: RunState; setupFailure?: unknown }> {
	try {
		const run = await createRun(context, readRunOptions(context), runtime);
		await planRun(context, run, resource, operation, itemCount);
		return { run };
	} catch (error) {
		return { setupFailure: error };
	}
}

function unprocessed(context: IExecuteFunctions, itemIndex: number): NodeOperationError {
	return new NodeOperationError(context.getNode(), `Item ${itemIndex} was not processed: the node produced no result for it`, {
		itemIndex,
		description: 'Nothing was sent for this item. This is a fault of the node: please report it, then run the item again.',
	});
}

/**
 * When the node stops, every action this execution already sent is named in the error: a release that happened must
 * never be hidden behind another item's failure.
 */
function withSubmitted<E extends NodeApiError | NodeOperationError>(error: E, submitted: SentRecord[] = []): E {
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
	return (Array.isArray(result) ? result : [result]).map((json) => ({ json, pairedItem: { item: itemIndex } }));
}

/** n8n's shape for an error item: only `error` and `details`, so "On Error: Continue (using error output)" routes it. */
function errorJson(error: NodeApiError | NodeOperationError): IDataObject {
	return { error: error.message, ...(error.description ? { details: error.description } : {}) };
}

/** The error as the user sees it: an n8n error for the item, with every credential value redacted from every field. */
async function shown(
	context: IExecuteFunctions,
	run: RunState | undefined,
	error: unknown,
	itemIndex: number,
): Promise<NodeApiError | NodeOperationError> {
	const failure =
		error instanceof NodeOperationError || error instanceof NodeApiError
			? error
			: new NodeOperationError(context.getNode(), error instanceof Error ? error : new Error(String(error)), { itemIndex });
	if (run) {
		await run.client.refreshSecrets();
		run.client.redactAll(failure);
	}
	return failure;
}
