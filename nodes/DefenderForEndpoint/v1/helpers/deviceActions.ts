import type { IDataObject, IExecuteFunctions, INodeParameterResourceLocator } from 'n8n-workflow';

import type { RunState } from '../actions/node.type';
import { RetryBudget } from '../transport';
import { operationError } from '../transport/errors';
import { resolveDevice } from './devices';
import { numberParameter } from './parameters';
import { followAction, submitMachineAction, type MachineActionType } from './machineActions';

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
	const maxWaitMs = wait ? numberParameter(context, 'maxCompletionWaitSeconds', itemIndex, 600) * 1000 : 0;
	const locator = context.getNodeParameter('device', itemIndex) as INodeParameterResourceLocator;
	const budget = new RetryBudget(run.options.retryPolicy);
	const device = await resolveDevice(run, locator, itemIndex, budget);

	const key = `${request.type}:${device.id}`;
	const earlier = run.deviceActions.get(key);
	if (earlier) return { ...(await earlier), outcome: 'duplicateInRun' };

	const work = (async () => {
		const body = { ...request.body, Comment: comment };
		const submitted = await submitMachineAction(run, device, { ...request, body }, itemIndex, budget);
		if (!wait) return actionOutput(submitted.action, { outcome: submitted.outcome });
		const { action, final } = await followAction(run.client, submitted.action, itemIndex, maxWaitMs, run.options.retryPolicy);
		if (final && action.status !== 'Succeeded') {
			throw operationError(
				context.getNode(),
				itemIndex,
				`The ${action.type} action for device ${device.named} ended ${action.status}: Defender did not carry it out`,
				`Action: ${JSON.stringify(actionOutput(action))}`,
			);
		}
		return actionOutput(action, { outcome: submitted.outcome, completion: final ? 'completed' : 'timedOut' });
	})();
	run.deviceActions.set(key, work);
	return await work;
}

/** A MachineAction as Defender returned it, without OData metadata, plus what the node adds. */
export function actionOutput(action: IDataObject, extra: IDataObject = {}): IDataObject {
	const fields: IDataObject = { ...action, ...extra };
	delete fields['@odata.context'];
	return fields;
}
