import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { commentField, machineActionIdField } from '../../descriptions/device';
import { requestOptions } from '../../descriptions/options';
import { requiredActionId } from '../../helpers/actionIds';
import { actionOutput, requiredComment } from '../../helpers/deviceActions';
import type { MachineAction } from '../../helpers/machineActions';
import { RetryBudget, type CallContext } from '../../transport';
import { operationError } from '../../transport/errors';
import type { RunState } from '../node.type';

const properties: INodeProperties[] = [
	machineActionIdField,
	commentField('Cancelled: INC-1234 was closed as a false positive'),
	requestOptions,
];

export const description = updateDisplayOptions(
	{ show: { resource: ['machineAction'], operation: ['cancel'] } },
	properties,
);

export async function execute(this: IExecuteFunctions, itemIndex: number, run: RunState): Promise<IDataObject> {
	const id = requiredActionId(this, itemIndex);
	const comment = requiredComment(this, itemIndex);
	const context: CallContext = {
		itemIndex,
		budget: new RetryBudget(run.options.retryPolicy),
		permission: 'Machine.Isolate',
		what: `cancel machine action ${id}`,
	};
	const answer = await run.client.request<MachineAction>(
		{ method: 'POST', path: `/api/machineactions/${id}/cancel`, body: { Comment: comment }, tolerate: [400] },
		context,
	);
	if (answer.kind === 'ok') return actionOutput(answer.body);

	// Defender refuses to cancel a finished action; say which state it is in rather than a bare 400.
	const action = await run.client.call<MachineAction>(
		{ method: 'GET', path: `/api/machineactions/${id}` },
		{ ...context, permission: 'Machine.Read.All', what: `get machine action ${id}` },
	);
	const detail = answer.kind === 'tolerated' ? `it is ${action.status}` : `Defender did not confirm the cancellation; it is ${action.status}`;
	throw operationError(
		this.getNode(),
		itemIndex,
		`Machine action ${id} (${action.type}) cannot be cancelled: ${detail}`,
		'Only Pending or InProgress actions can be cancelled.',
	);
}
