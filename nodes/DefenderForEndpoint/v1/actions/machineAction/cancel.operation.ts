import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { commentField, machineActionIdField } from '../../descriptions/device';
import { requestOptions } from '../../descriptions/options';
import { printable } from '../../../lib/machineId';
import { actionOutput, readAction, type MachineAction } from '../../defender/machineActions';
import { itemBudget, type RunState } from '../../run/runState';
import type { CallContext } from '../../transport';
import { endpoints } from '../../transport/endpoints';
import { operationError } from '../../transport/errors';
import { requiredActionId, requiredComment } from '../parameters';

const properties: INodeProperties[] = [
	machineActionIdField,
	commentField('Cancelled: INC-1234 was closed as a false positive'),
	requestOptions,
];

export const description = updateDisplayOptions(
	{ show: { resource: ['machineAction'], operation: ['cancel'] } },
	properties,
);

/**
 * Cancels a pending machine action. Only what Defender provably did is reported: a 2xx must carry
 * the action asked for; when the answer was lost or refused, the action is read, and a Cancelled
 * action after a lost answer is the cancellation having happened.
 */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	run: RunState,
): Promise<IDataObject> {
	const id = requiredActionId(this, itemIndex);
	const comment = requiredComment(this, itemIndex);
	const context: CallContext = {
		itemIndex,
		budget: itemBudget(run),
		permission: 'Machine.Isolate',
		what: `cancel machine action ${id}`,
	};
	const answer = await run.client.request<Partial<MachineAction>>(
		{ ...endpoints.cancelMachineAction(id), body: { Comment: comment }, tolerate: [400] },
		context,
	);
	if (answer.kind === 'ok')
		return checkedCancellation(this, itemIndex, id, answer.body, answer.status);
	if (answer.kind === 'ambiguous') {
		// The request may still be in Defender's hands: wait as long again as the answer was waited
		// for, then read.
		await run.client.backoff(
			context,
			run.client.timeoutMs,
			`Defender's answer was lost (${answer.reason})`,
		);
	}

	// Defender refuses to cancel a finished action; say which state it is in rather than a bare 400.
	const action = await readAction(run.client, id, {
		...context,
		permission: 'Machine.Read.All',
		what: `get machine action ${id}`,
	});
	if (answer.kind === 'ambiguous' && action.status === 'Cancelled')
		return actionOutput(action, { answerLost: true });
	const detail =
		answer.kind === 'tolerated'
			? `it is ${action.status}`
			: `Defender did not confirm the cancellation; it is ${action.status}`;
	throw operationError(
		this.getNode(),
		itemIndex,
		`Machine action ${id} (${action.type}) cannot be cancelled: ${detail}`,
		'Only Pending or InProgress actions can be cancelled.',
	);
}

/**
 * A 2xx answer to a cancellation must be the action asked for; anything else is an error naming
 * what came back.
 */
function checkedCancellation(
	context: IExecuteFunctions,
	itemIndex: number,
	id: string,
	body: Partial<MachineAction>,
	status: number,
) {
	if (typeof body.id === 'string' && body.id.toLowerCase() === id) return actionOutput(body);
	const cameBack =
		typeof body.id === 'string'
			? `machine action ${printable(body.id)}`
			: 'no machine action in its body';
	throw operationError(
		context.getNode(),
		itemIndex,
		`Defender answered HTTP ${status} to the cancellation of machine action ${id} with ${cameBack}`,
		'Whether the action was cancelled is unknown: check it in the Defender portal (Action center), or read it with Action Center → Get.',
	);
}
