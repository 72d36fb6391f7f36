import type { IDataObject, INode } from 'n8n-workflow';

import { actionsOfDeviceFilter } from '../../lib/filters';
import type { CallContext, DefenderClient } from '../transport';
import { endpoints } from '../transport/endpoints';
import { operationError } from '../transport/errors';

export type MachineActionType = 'Isolate' | 'Unisolate';

export interface MachineAction extends IDataObject {
	id: string;
	type: string;
	status: string;
	machineId?: string;
	requestor?: string;
	requestorComment?: string;
	creationDateTimeUtc?: string;
	lastUpdateDateTimeUtc?: string;
}

/**
 * An Isolate or Unisolate to send: its type, the URL's verb, and the body with the required
 * Comment.
 */
export interface ActionRequest {
	type: MachineActionType;
	verb: 'isolate' | 'unisolate';
	body: IDataObject & { Comment: string };
}

export const OPPOSITE: Record<MachineActionType, MachineActionType> = {
	Isolate: 'Unisolate',
	Unisolate: 'Isolate',
};

/** "Unisolate 5382f7ea-… (InProgress, requested by soc@contoso.com on 2026-11-20T10:00:00Z)". */
export function describeAction(action: MachineAction): string {
	return `${action.type} ${action.id} (${action.status}, requested by ${action.requestor ?? 'unknown'} on ${action.creationDateTimeUtc ?? 'an unknown date'})`;
}

/** A MachineAction as Defender returned it, without OData metadata, plus what the node adds. */
export function actionOutput(action: IDataObject, extra: IDataObject = {}): IDataObject {
	const fields: IDataObject = { ...action, ...extra };
	delete fields['@odata.context'];
	return fields;
}

/**
 * A 2xx answer to an Isolate/Unisolate must be a machine action for the device we named, of the
 * type we asked for or of its opposite (Defender echoes an opposite action under way instead of
 * taking ours).
 */
export function checkedAnswer(
	node: INode,
	answer: { body: unknown; status: number },
	machineId: string,
	request: ActionRequest,
	itemIndex: number,
): MachineAction {
	const action = answer.body as Partial<MachineAction>;
	const fail = (problem: string) =>
		operationError(
			node,
			itemIndex,
			`Defender answered HTTP ${answer.status} to the ${request.type} request for device ${machineId} with ${problem}`,
			'Nothing more was sent for this item. Whether Defender accepted the request is unknown: check the device’s actions in the Defender portal (Action center) before retrying.',
		);
	if (typeof action.id !== 'string' || !action.id || typeof action.type !== 'string')
		throw fail('no machine action in its body');
	const answeredFor =
		typeof action.machineId === 'string' ? action.machineId.toLowerCase() : undefined;
	if (answeredFor !== machineId) {
		throw fail(
			`machine action ${action.id} for device ${action.machineId ?? '(none named)'}, not for device ${machineId}`,
		);
	}
	if (action.type !== request.type && action.type !== OPPOSITE[request.type]) {
		throw fail(`a machine action of type ${action.type} (${action.id})`);
	}
	return action as MachineAction;
}

/** When the action was created, in ms; NaN when Defender did not say. */
export function createdAtMs(action: MachineAction): number {
	return Date.parse(action.creationDateTimeUtc ?? '');
}

/** One machine action, read by ID. */
export async function readAction(
	client: DefenderClient,
	actionId: string,
	context: CallContext,
): Promise<MachineAction> {
	return await client.call<MachineAction>(endpoints.machineActionById(actionId), context);
}

/**
 * The device's actions under way, plus (given `since`, Defender's clock) every action created
 * since. Undefined when they cannot be read (403 without Machine.Read.All, or 404).
 */
export async function readActionsOfDevice(
	client: DefenderClient,
	machineId: string,
	since: number | undefined,
	context: CallContext,
): Promise<MachineAction[] | undefined> {
	const answer = await client.request<{ value: MachineAction[] }>(
		{
			...endpoints.machineActions,
			qs: { $filter: actionsOfDeviceFilter(machineId, since) },
			tolerate: [403, 404],
			page: true,
		},
		{ ...context, permission: 'Machine.Read.All', what: `list the actions of device ${machineId}` },
	);
	return answer.kind === 'ok' ? answer.body.value : undefined;
}
