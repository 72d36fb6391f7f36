import type { IDataObject } from 'n8n-workflow';

import { odataString } from '../../lib/odata';
import type { CallContext, DefenderClient, RetryBudget } from '../transport';
import type { DeviceTarget } from './devices';

export type MachineActionType = 'Isolate' | 'Unisolate';

export interface MachineAction extends IDataObject {
	id: string;
	type: string;
	status: string;
	machineId?: string;
	requestorComment?: string;
	creationDateTimeUtc?: string;
}

/** How the returned action came to be: our request created it, or one of the same type was already under way. */
export type Outcome = 'created' | 'alreadyInProgress';

export interface SubmittedAction {
	action: MachineAction;
	outcome: Outcome;
}

/** Our clock and Defender's may differ; an action created this long before our POST may still be ours. */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Submits a device action at most once. When Defender says another action is running, or the POST's answer was
 * lost, the device's actions are looked up before anything is sent again: a pending action of the same type is the
 * result, not a reason to post twice.
 */
export async function submitMachineAction(
	client: DefenderClient,
	device: DeviceTarget,
	request: { type: MachineActionType; verb: string; body: IDataObject & { Comment: string } },
	itemIndex: number,
	budget: RetryBudget,
): Promise<SubmittedAction> {
	const context: CallContext = {
		itemIndex,
		budget,
		permission: 'Machine.Isolate',
		what: `${request.verb} device ${device.named}`,
	};
	for (;;) {
		const postedAt = client.clock.now();
		const answer = await client.request<MachineAction>(
			{ method: 'POST', path: `/api/machines/${encodeURIComponent(device.id)}/${request.verb}`, body: request.body },
			context,
		);
		if (answer.kind === 'ok') return { action: answer.body, outcome: 'created' };

		const answerLost = answer.kind === 'ambiguous';
		// A request whose answer was lost may still be in Defender's hands: give it as long again as we waited for
		// the answer before looking for the action it created.
		if (answerLost) await client.backoff(context, client.timeoutMs, `Defender's answer was lost (${answer.reason})`);
		const since = answerLost ? postedAt - CLOCK_SKEW_MS : undefined;
		const actions = await findActions(client, device.id, since, itemIndex, budget);
		const sameType = actions?.filter((action) => action.type === request.type) ?? [];
		const ours = sameType.find(
			(action) =>
				since !== undefined &&
				action.requestorComment === request.body.Comment &&
				Date.parse(action.creationDateTimeUtc ?? '') >= since,
		);
		if (ours) return { action: ours, outcome: 'created' };
		const underWay = sameType.find(isActive);
		if (underWay) return { action: underWay, outcome: 'alreadyInProgress' };

		const blocking = actions?.filter(isActive).map((action) => `${action.type} ${action.status} (${action.id})`);
		const reason =
			answer.kind === 'ambiguous'
				? `Defender's answer was lost (${answer.reason}) and no matching action was found`
				: `Another action is in progress on device ${device.named}${blocking?.length ? `: ${blocking.join(', ')}` : ''}`;
		await client.backoff(context, undefined, reason);
	}
}

function isActive(action: MachineAction): boolean {
	return action.status === 'Pending' || action.status === 'InProgress';
}

/**
 * The device's active actions, plus (given `since`) every action created after it. Undefined when the app may not
 * read machine actions (403: no Machine.Read.All): the caller then falls back to waiting and retrying.
 */
async function findActions(
	client: DefenderClient,
	machineId: string,
	since: number | undefined,
	itemIndex: number,
	budget: RetryBudget,
): Promise<MachineAction[] | undefined> {
	const createdSince = since === undefined ? '' : ` or creationDateTimeUtc gt ${new Date(since).toISOString()}`;
	const filter = `machineId eq ${odataString(machineId)} and (status eq 'Pending' or status eq 'InProgress'${createdSince})`;
	const answer = await client.request<{ value?: MachineAction[] }>(
		{ method: 'GET', path: '/api/machineactions', qs: { $filter: filter }, tolerate: [403] },
		{ itemIndex, budget, permission: 'Machine.Read.All', what: `list the actions of device ${machineId}` },
	);
	return answer.kind === 'ok' ? (answer.body.value ?? []) : undefined;
}
