import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { RunState } from '../actions/node.type';
import type { RetryBudget } from '../transport';
import { operationError } from '../transport/errors';
import type { DeviceTarget } from './devices';
import { submitMachineAction, type MachineAction, type MachineActionType } from './machineActions';

/** The Comment parameter, trimmed; Defender requires one, so an empty comment fails the item before anything is sent. */
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
 * Submits the action for a device once per run: a device named by several items (e.g. by ID and by hostname)
 * is acted on once, and every such item reports the same action.
 */
export async function submitOncePerRun(
	run: RunState,
	device: DeviceTarget,
	request: { type: MachineActionType; verb: string; body: IDataObject & { Comment: string } },
	itemIndex: number,
	budget: RetryBudget,
): Promise<IDataObject> {
	const key = `${request.type}:${device.id}`;
	const earlier = run.submitted.get(key);
	if (earlier) {
		const { action } = await earlier;
		return actionOutput(action, 'duplicateInRun');
	}
	const submission = submitMachineAction(run.client, device, request, itemIndex, budget);
	run.submitted.set(key, submission);
	const { action, outcome } = await submission;
	return actionOutput(action, outcome);
}

/** The MachineAction as Defender returned it, without OData metadata, plus how it came to be. */
function actionOutput(action: MachineAction, outcome: string): IDataObject {
	const fields: IDataObject = { ...action, outcome };
	delete fields['@odata.context'];
	return fields;
}
