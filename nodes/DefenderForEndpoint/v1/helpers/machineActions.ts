import type { IDataObject } from 'n8n-workflow';

import { FINAL_ACTION_STATUSES, isActionUnderWay } from '../../lib/isolationState';
import { pollDelayMs } from '../../lib/polling';
import type { RunState } from '../actions/node.type';
import { RetryBudget, type Answer, type CallContext, type DefenderClient } from '../transport';
import { operationError } from '../transport/errors';
import { deviceActionsFilter, rememberAnswered } from './activeActions';
import type { DeviceTarget } from './devices';

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

/** How the returned action came to be: our request created it, or one of the same type was already under way. */
export type Outcome = 'created' | 'alreadyInProgress';

export interface SubmittedAction {
	action: MachineAction;
	outcome: Outcome;
}

/** What one execution sent: an accepted action, or a request whose outcome could not be learned. */
export interface SubmittedRecord {
	itemIndex: number;
	machineId: string;
	type: string;
	actionId?: string;
	outcome: Outcome | 'unknown';
}

export interface ActionRequest {
	type: MachineActionType;
	verb: string;
	body: IDataObject & { Comment: string };
}

const OPPOSITE: Record<MachineActionType, MachineActionType> = { Isolate: 'Unisolate', Unisolate: 'Isolate' };

/** "Unisolate 5382f7ea-… (InProgress, requested by soc@contoso.com on 2026-11-20T10:00:00Z)". */
export function describeAction(action: MachineAction): string {
	return `${action.type} ${action.id} (${action.status}, requested by ${action.requestor ?? 'unknown'} on ${action.creationDateTimeUtc ?? 'an unknown date'})`;
}

/**
 * Submits a device action at most once and reports only what Defender provably did:
 * - before posting, an opposite action under way on the device (from the run's snapshot) is waited out by reading it:
 *   isolate and release calls that overlap can complete out of order and leave the device isolated;
 * - every 2xx answer is checked: an action of another device, another type or no action at all is never reported as
 *   ours, and an action that existed before our POST is "alreadyInProgress", never "created";
 * - a lost answer adopts only an action that provably belongs to that POST.
 */
export async function submitMachineAction(
	run: RunState,
	device: DeviceTarget,
	request: ActionRequest,
	itemIndex: number,
	budget: RetryBudget,
): Promise<SubmittedAction> {
	const { client, activeActions } = run;
	const context: CallContext = { itemIndex, budget, permission: 'Machine.Isolate', what: `${request.verb} device ${device.named}` };
	const opposite = OPPOSITE[request.type];
	for (;;) {
		const blocker = (await activeActions.underWayOn(device.id, itemIndex)).find((action) => action.type === opposite);
		if (blocker) {
			await waitOutBlocker(run, blocker, device, itemIndex, budget);
			continue;
		}

		const postedAtMs = client.clock.now();
		// Once the POST has left the process its outcome is unknown; if the execution is cancelled now, it stays so.
		// A request still waiting for its rate-limit slot was never sent and is not recorded.
		const inFlight: SubmittedRecord = { itemIndex, machineId: device.id, type: request.type, outcome: 'unknown' };
		let answer: Answer<unknown>;
		try {
			answer = await client.request<unknown>(
				{
					method: 'POST',
					path: `/api/machines/${encodeURIComponent(device.id)}/${request.verb}`,
					body: request.body,
					onSent: () => remember(run, inFlight),
					onAnswered: () => forget(run, inFlight),
				},
				context,
			);
		} finally {
			if (!client.cancelled) forget(run, inFlight);
		}
		if (answer.kind === 'ok') {
			const action = checkedAnswer(client, answer.body, answer.status, device, request, itemIndex);
			const existed = activeActions.knows(action.id) || createdBefore(client, action, postedAtMs);
			rememberAnswered(action.id);
			activeActions.note(action);
			// Defender echoed the opposite action under way instead of taking ours: nothing of ours exists yet.
			if (action.type === opposite) continue;
			return record(run, device, itemIndex, { action, outcome: existed ? 'alreadyInProgress' : 'created' });
		}
		if (answer.kind === 'tolerated') {
			throw operationError(client.node, itemIndex, `Defender answered HTTP ${answer.status} while trying to ${context.what}`);
		}

		const lostReason = answer.kind === 'ambiguous' ? answer.reason : undefined;
		let actions: MachineAction[];
		if (lostReason !== undefined) {
			// Until the lookup finds what became of it, the request counts as sent with an unknown outcome.
			remember(run, inFlight);
			const found = await afterLostAnswer(run, device, request, context, postedAtMs, lostReason);
			forget(run, inFlight);
			if (found.ours) return record(run, device, itemIndex, { action: found.ours, outcome: 'created' });
			actions = found.actions;
		} else {
			// Without Machine.Read.All the actions cannot be read: the POST is retried after a backoff.
			actions = (await findDeviceActions(client, device.id, undefined, itemIndex, budget)) ?? [];
		}
		for (const action of actions) activeActions.note(action);
		const underWay = actions.filter(isActionUnderWay);
		const sameType = underWay.find((action) => action.type === request.type);
		if (sameType) return record(run, device, itemIndex, { action: sameType, outcome: 'alreadyInProgress' });
		if (underWay.some((action) => action.type === opposite)) continue;

		const blocking = underWay.map(describeAction);
		const reason =
			lostReason !== undefined
				? `Defender's answer was lost (${lostReason}) and no action of this request was found`
				: `Another action is in progress on device ${device.named}${blocking.length ? `: ${blocking.join(', ')}` : ''}`;
		await client.backoff(context, undefined, reason);
	}
}

/**
 * After a POST whose answer was lost: waits as long again as the answer was waited for (the request may still be in
 * Defender's hands), then reads the device's actions. The action the POST created is the one of the requested type
 * and comment, unknown before, created between the earliest moment the POST could have arrived and now (Defender's
 * clock, bounded by its Date headers). When the lookup fails, or several actions fit, the outcome is unknown.
 */
async function afterLostAnswer(
	run: RunState,
	device: DeviceTarget,
	request: ActionRequest,
	context: CallContext,
	postedAtMs: number,
	reason: string,
): Promise<{ ours?: MachineAction; actions: MachineAction[] }> {
	const { client, activeActions } = run;
	const unknown = (candidates: MachineAction[] = []) => outcomeUnknown(client, device, request, context.itemIndex, reason, candidates);
	let actions: MachineAction[] | undefined;
	const since = client.serverClock.earliest(postedAtMs);
	try {
		await client.backoff(context, client.timeoutMs, `Defender's answer was lost (${reason})`);
		actions = await findDeviceActions(client, device.id, since, context.itemIndex, context.budget);
	} catch {
		throw unknown();
	}
	if (actions === undefined) throw unknown();
	const until = client.serverClock.latest(client.clock.now());
	const ours = actions.filter(
		(action) =>
			action.type === request.type &&
			action.requestorComment === request.body.Comment &&
			!activeActions.knows(action.id) &&
			withinWindow(action, since, until),
	);
	if (ours.length > 1) throw unknown(ours);
	if (ours.length === 1) {
		rememberAnswered(ours[0].id);
		activeActions.note(ours[0]);
	}
	return { ours: ours[0], actions };
}

/** A 2xx answer must be a machine action for the device we named, of the type we asked for or of its opposite. */
function checkedAnswer(
	client: DefenderClient,
	body: unknown,
	status: number,
	device: DeviceTarget,
	request: ActionRequest,
	itemIndex: number,
): MachineAction {
	const action = body as Partial<MachineAction>;
	const fail = (problem: string) =>
		operationError(
			client.node,
			itemIndex,
			`Defender answered HTTP ${status} to the ${request.type} request for device ${device.id} with ${problem}`,
			'Nothing more was sent for this item. Whether Defender accepted the request is unknown: check the device’s actions in the Defender portal (Action center) before retrying.',
		);
	if (typeof action.id !== 'string' || !action.id || typeof action.type !== 'string') throw fail('no machine action in its body');
	const machineId = typeof action.machineId === 'string' ? action.machineId.toLowerCase() : undefined;
	if (machineId !== device.id) {
		throw fail(`machine action ${action.id} for device ${action.machineId ?? '(none named)'}, not for device ${device.id}`);
	}
	if (action.type !== request.type && action.type !== OPPOSITE[request.type]) {
		throw fail(`a machine action of type ${action.type} (${action.id})`);
	}
	return action as MachineAction;
}

/** Proof that an action existed before our POST reached Defender: created before the earliest time it could arrive. */
function createdBefore(client: DefenderClient, action: MachineAction, postedAtMs: number): boolean {
	const created = Date.parse(action.creationDateTimeUtc ?? '');
	return !Number.isNaN(created) && created < client.serverClock.earliest(postedAtMs);
}

function withinWindow(action: MachineAction, fromMs: number, untilMs: number): boolean {
	const created = Date.parse(action.creationDateTimeUtc ?? '');
	return !Number.isNaN(created) && created >= fromMs && created <= untilMs;
}

function record(run: RunState, device: DeviceTarget, itemIndex: number, submitted: SubmittedAction): SubmittedAction {
	run.submitted.push({
		itemIndex,
		machineId: device.id,
		type: submitted.action.type,
		actionId: submitted.action.id,
		outcome: submitted.outcome,
	});
	return submitted;
}

function remember(run: RunState, entry: SubmittedRecord): void {
	if (!run.submitted.includes(entry)) run.submitted.push(entry);
}

function forget(run: RunState, entry: SubmittedRecord): void {
	const index = run.submitted.indexOf(entry);
	if (index !== -1) run.submitted.splice(index, 1);
}

function outcomeUnknown(
	client: DefenderClient,
	device: DeviceTarget,
	request: ActionRequest,
	itemIndex: number,
	reason: string,
	candidates: MachineAction[] = [],
) {
	const found = candidates.length
		? ` Several actions could be it: ${candidates.map(describeAction).join('; ')}.`
		: ' The follow-up lookup of the device’s actions failed.';
	return operationError(
		client.node,
		itemIndex,
		`The outcome of the ${request.type} request for device ${device.named} is unknown: Defender's answer was lost (${reason}) and the request may have landed`,
		`${found} Nothing more was sent for this item. Check the device’s actions in the Defender portal (Action center) before retrying.`,
	);
}

/**
 * Waits for an action that blocks ours (an opposite action under way on the device) to finish, by reading it,
 * within what is left of the item's Max Wait; fails the item naming the action if it does not finish in time.
 */
async function waitOutBlocker(run: RunState, blocker: MachineAction, device: DeviceTarget, itemIndex: number, budget: RetryBudget) {
	const { action, final } = await followAction(run.client, blocker, itemIndex, budget.remainingMs, run.options.retryPolicy, budget);
	run.activeActions.note(action);
	if (!final) {
		throw operationError(
			run.client.node,
			itemIndex,
			`Device ${device.named} has an action under way that must finish first: ${describeAction(action)}`,
			`Isolate and release calls that overlap can complete out of order and leave the device isolated, so nothing was sent for this item. The action did not finish within the Max Wait of ${Math.round(run.options.retryPolicy.maxTotalWaitMs / 1000)} s: wait for it, or cancel it (Action Center → Cancel), then run the item again.`,
		);
	}
}

/**
 * Reads an action until it is final (Succeeded, Failed, TimeOut, Cancelled) or maxWaitMs has passed; returns the
 * last status Defender reported, never a guess. Each read goes through the rate limiter like any call; the first
 * read is immediate when the action's status may be stale.
 */
export async function followAction(
	client: DefenderClient,
	start: MachineAction,
	itemIndex: number,
	maxWaitMs: number,
	policy: RunState['options']['retryPolicy'],
	budget?: RetryBudget,
): Promise<{ action: MachineAction; final: boolean }> {
	let action = start;
	let waitedMs = 0;
	for (let poll = 1; !FINAL_ACTION_STATUSES.has(action.status); poll++) {
		if (waitedMs >= maxWaitMs) return { action, final: false };
		const delay = Math.min(pollDelayMs(poll), maxWaitMs - waitedMs);
		await client.sleep(delay);
		waitedMs += delay;
		if (budget) budget.waitedMs += delay;
		action = await client.call<MachineAction>(
			{ method: 'GET', path: `/api/machineactions/${encodeURIComponent(action.id)}` },
			{
				itemIndex,
				budget: new RetryBudget(policy),
				permission: 'Machine.Read.All',
				what: `check the status of machine action ${action.id}`,
			},
		);
	}
	return { action, final: true };
}

/**
 * The device's actions under way, plus (given `since`, Defender's clock) every action created since. Undefined when
 * they cannot be read (403 without Machine.Read.All, or 404).
 */
async function findDeviceActions(
	client: DefenderClient,
	machineId: string,
	since: number | undefined,
	itemIndex: number,
	budget: RetryBudget,
): Promise<MachineAction[] | undefined> {
	const answer = await client.request<{ value: MachineAction[] }>(
		{ method: 'GET', path: '/api/machineactions', qs: { $filter: deviceActionsFilter(machineId, since) }, tolerate: [403, 404], page: true },
		{ itemIndex, budget, permission: 'Machine.Read.All', what: `list the actions of device ${machineId}` },
	);
	return answer.kind === 'ok' ? answer.body.value : undefined;
}
