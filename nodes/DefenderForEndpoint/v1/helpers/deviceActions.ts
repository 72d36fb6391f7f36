import type { IDataObject, IExecuteFunctions, INodeParameterResourceLocator } from 'n8n-workflow';

import { FINAL_ACTION_STATUSES } from '../../lib/isolationState';
import { pollDelayMs } from '../../lib/polling';
import type { RunState } from '../actions/node.type';
import { RetryBudget } from '../transport';
import { operationError } from '../transport/errors';
import { resolveDevice } from './devices';
import { submitMachineAction, type MachineAction, type MachineActionType } from './machineActions';

/** A required Comment parameter, trimmed: an empty one fails the item before anything is sent. */
export function requiredComment(context: IExecuteFunctions, itemIndex: number): string {
	const raw = context.getNodeParameter('comment', itemIndex, '') as unknown;
	const comment = typeof raw === 'string' ? raw.trim() : '';
	if (!comment) {
		throw operationError(
			context.getNode(),
			itemIndex,
			'Comment: a comment is required',
			'Defender records the comment with the action. Nothing was sent for this item.',
		);
	}
	return comment;
}

/**
 * Isolate or release the item's device: resolve it, submit the action once per run (a device named by several items
 * is acted on once, and every such item reports that action), and optionally wait for the action to finish.
 */
export async function actOnDevice(
	context: IExecuteFunctions,
	run: RunState,
	itemIndex: number,
	request: { type: MachineActionType; verb: string; body: IDataObject },
): Promise<IDataObject> {
	const comment = requiredComment(context, itemIndex);
	const wait = context.getNodeParameter('waitForCompletion', itemIndex, false) as boolean;
	const maxWaitMs = wait ? (context.getNodeParameter('maxCompletionWaitSeconds', itemIndex, 600) as number) * 1000 : 0;
	const locator = context.getNodeParameter('device', itemIndex) as INodeParameterResourceLocator;
	const budget = new RetryBudget(run.options.retryPolicy);
	const device = await resolveDevice(run.client, locator, itemIndex, budget);

	const key = `${request.type}:${device.id}`;
	const earlier = run.deviceActions.get(key);
	if (earlier) return { ...(await earlier), outcome: 'duplicateInRun' };

	const work = (async () => {
		const submitted = await submitMachineAction(run.client, device, { ...request, body: { ...request.body, Comment: comment } }, itemIndex, budget);
		if (!wait) return actionOutput(submitted.action, { outcome: submitted.outcome });
		const { action, completed } = await waitForCompletion(run, submitted.action, itemIndex, maxWaitMs);
		return actionOutput(action, { outcome: submitted.outcome, completion: completed ? 'completed' : 'timedOut' });
	})();
	run.deviceActions.set(key, work);
	return await work;
}

/**
 * Polls the action until it is final (Succeeded, Failed, TimeOut, Cancelled) or maxWaitMs has passed; then returns
 * the last status Defender reported, never a guess. Each poll goes through the rate limiter like any call.
 */
async function waitForCompletion(
	run: RunState,
	submitted: MachineAction,
	itemIndex: number,
	maxWaitMs: number,
): Promise<{ action: MachineAction; completed: boolean }> {
	let action = submitted;
	let waitedMs = 0;
	for (let poll = 1; !FINAL_ACTION_STATUSES.has(action.status); poll++) {
		if (waitedMs >= maxWaitMs) return { action, completed: false };
		const delay = Math.min(pollDelayMs(poll), maxWaitMs - waitedMs);
		await run.client.sleep(delay);
		waitedMs += delay;
		action = await run.client.call<MachineAction>(
			{ method: 'GET', path: `/api/machineactions/${encodeURIComponent(action.id)}` },
			{
				itemIndex,
				budget: new RetryBudget(run.options.retryPolicy),
				permission: 'Machine.Read.All',
				what: `check the status of machine action ${action.id}`,
			},
		);
	}
	return { action, completed: true };
}

/** A MachineAction as Defender returned it, without OData metadata, plus what the node adds. */
export function actionOutput(action: IDataObject, extra: IDataObject = {}): IDataObject {
	const fields: IDataObject = { ...action, ...extra };
	delete fields['@odata.context'];
	return fields;
}
