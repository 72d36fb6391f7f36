import type { IDataObject } from 'n8n-workflow';

import type { DeviceLocator } from '../../lib/deviceLocator';
import { isActionUnderWay } from '../../lib/isolationState';
import { rememberAnswered } from '../defender/actionsUnderWay';
import type { DeviceTarget } from '../defender/devices';
import {
	actionOutput,
	checkedAnswer,
	createdAtMs,
	describeAction,
	OPPOSITE,
	readActionsOfDevice,
	type ActionRequest,
	type MachineAction,
} from '../defender/machineActions';
import type { Answer, CallContext, RetryBudget } from '../transport';
import { endpoints } from '../transport/endpoints';
import { operationError } from '../transport/errors';
import { afterLostAnswer } from './lostAnswer';
import { resolveItemDevice } from './plan';
import { deviceHealth, timedOut } from './deviceHealth';
import { dryRun } from './dryRun';
import {
	itemBudget,
	Settling,
	type DeviceWork,
	type RunState,
	type SentRecord,
	type SubmitOutcome,
} from './runState';
import { waitOutBlocker } from './watch';

/**
 * What one item asks for: the device, the action, and how long to wait for it to finish (undefined:
 * do not wait).
 */
export interface DeviceActionOrder {
	locator: DeviceLocator;
	request: ActionRequest;
	completionWaitMs?: number;
}

/**
 * Isolate or release the item's device: resolve it, submit the action once per run (a device named
 * by several items is acted on once, and every such item reports that action), and optionally have
 * the run's watcher follow it until it is final: then the result is Settling, and the item's worker
 * moves on to the next item. A dry run sends nothing.
 */
export async function actOnDevice(
	run: RunState,
	itemIndex: number,
	order: DeviceActionOrder,
): Promise<IDataObject | Settling> {
	const budget = itemBudget(run);
	const device = await resolveItemDevice(run, order.locator, itemIndex, budget);
	if (run.options.dryRun) return await dryRun(run, device, order.request, itemIndex, budget);
	const key = `${order.request.type}:${device.id}`;
	const earlier = run.actionsByDevice.get(key);
	if (earlier) {
		const { output, completion } = await earlier;
		const duplicate = (result: IDataObject) => ({ ...result, outcome: 'duplicateInRun' });
		return completion ? new Settling(completion.then(duplicate)) : duplicate(output);
	}
	const work = submitAndWatch(run, device, order, itemIndex, budget);
	run.actionsByDevice.set(key, work);
	const { output, completion } = await work;
	return completion ? new Settling(completion) : output;
}

async function submitAndWatch(
	run: RunState,
	device: DeviceTarget,
	order: DeviceActionOrder,
	itemIndex: number,
	budget: RetryBudget,
): Promise<DeviceWork> {
	const submitted = await submitAction(run, device, order.request, itemIndex, budget);
	const output = actionOutput(submitted.action, {
		outcome: submitted.outcome,
		...deviceHealth(device.machine),
	});
	if (order.completionWaitMs === undefined) return { output };
	const waitMs = order.completionWaitMs;
	const completion = run.watcher
		.watch(submitted.action, itemIndex, waitMs)
		.then(async ({ action, final }) => {
			if (final && action.status !== 'Succeeded') {
				throw operationError(
					run.client.node,
					itemIndex,
					`The ${action.type} action for device ${device.named} ended ${action.status}: Defender did not carry it out`,
					`Action: ${JSON.stringify(actionOutput(action))}`,
				);
			}
			if (final)
				return actionOutput(action, {
					outcome: submitted.outcome,
					completion: 'completed',
					...deviceHealth(device.machine),
				});
			return await timedOut(run, device, action, { outcome: submitted.outcome, itemIndex, waitMs });
		});
	// The item's router attaches to it; a duplicate item of the run may too.
	completion.catch(() => undefined);
	return { output, completion };
}

export interface Submitted {
	action: MachineAction;
	outcome: SubmitOutcome;
}

/** One submission's facts, shared by its steps. */
interface Submission {
	run: RunState;
	device: DeviceTarget;
	request: ActionRequest;
	context: CallContext;
}

/**
 * After a step: the action is known, or the device must be looked at again (now, or after a
 * backoff).
 */
type Next =
	| { kind: 'submitted'; submitted: Submitted }
	| { kind: 'again' }
	| { kind: 'retry'; reason: string };

/**
 * The submit stage, in explicit steps, repeated until Defender provably holds the action: wait out
 * an opposite action under way on the device (overlapping isolate and release calls can complete
 * out of order and leave the device isolated) → post → reconcile the answer. Every 2xx answer is
 * checked; an action that existed before our POST is "alreadyInProgress", never "created"; a lost
 * answer adopts only an action that provably belongs to that POST.
 */
async function submitAction(
	run: RunState,
	device: DeviceTarget,
	request: ActionRequest,
	itemIndex: number,
	budget: RetryBudget,
): Promise<Submitted> {
	const submission: Submission = {
		run,
		device,
		request,
		context: {
			itemIndex,
			budget,
			permission: 'Machine.Isolate',
			what: `${request.verb} device ${device.named}`,
		},
	};
	for (;;) {
		await waitOutBlocker(run, device, OPPOSITE[request.type], submission.context);
		const postedAtMs = run.client.clock.now();
		const answer = await post(submission);
		const next = await reconcile(submission, answer, postedAtMs);
		if (next.kind === 'submitted') return accepted(submission, next.submitted);
		if (next.kind === 'retry') await run.client.backoff(submission.context, undefined, next.reason);
	}
}

/**
 * Posts the action once. A POST counts as sent from the moment it leaves the process until its
 * answer arrives.
 */
async function post({ run, device, request, context }: Submission): Promise<Answer<unknown>> {
	const inFlight: SentRecord = {
		itemIndex: context.itemIndex,
		machineId: device.id,
		type: request.type,
		outcome: 'unknown',
	};
	try {
		return await run.client.request<unknown>(
			{
				...endpoints.machineAction(device.id, request.verb),
				body: request.body,
				onSent: () => run.sent.inFlight(inFlight),
				onAnswered: () => run.sent.settled(inFlight),
			},
			context,
		);
	} finally {
		// Cancelled while the POST was under way: its outcome stays unknown, and the stop report says
		// so.
		if (!run.client.cancelled) run.sent.settled(inFlight);
	}
}

/**
 * Reads what the answer means for the device: our action, an action of the same type already under
 * way, or neither.
 */
async function reconcile(
	submission: Submission,
	answer: Answer<unknown>,
	postedAtMs: number,
): Promise<Next> {
	const { run, device, request, context } = submission;
	if (answer.kind === 'ok') return checkedSubmission(submission, answer, postedAtMs);
	if (answer.kind === 'tolerated') {
		throw operationError(
			run.client.node,
			context.itemIndex,
			`Defender answered HTTP ${answer.status} while trying to ${context.what}`,
		);
	}
	if (answer.kind === 'ambiguous') {
		// Until the lookup finds what became of it, the request counts as sent with an unknown outcome.
		const inFlight: SentRecord = {
			itemIndex: context.itemIndex,
			machineId: device.id,
			type: request.type,
			outcome: 'unknown',
		};
		run.sent.inFlight(inFlight);
		const found = await afterLostAnswer(run, device, request, context, {
			postedAtMs,
			reason: answer.reason,
		});
		run.sent.settled(inFlight);
		if (found.ours)
			return { kind: 'submitted', submitted: { action: found.ours, outcome: 'created' } };
		return underWayOnDevice(
			submission,
			found.actions,
			`Defender's answer was lost (${answer.reason}) and no action of this request was found`,
		);
	}
	// "Action is already in progress": without Machine.Read.All the actions cannot be read, and the
	// POST is retried.
	const actions = (await readActionsOfDevice(run.client, device.id, undefined, context)) ?? [];
	return underWayOnDevice(submission, actions, undefined);
}

/**
 * A 2xx answer: checked, then ours, one already under way, or the opposite action echoed back (wait
 * it out).
 */
function checkedSubmission(
	submission: Submission,
	answer: { body: unknown; status: number },
	postedAtMs: number,
): Next {
	const { run, device, request, context } = submission;
	const action = checkedAnswer(run.client.node, answer, device.id, request, context.itemIndex);
	const existed =
		run.actionsUnderWay.knows(action.id) ||
		createdAtMs(action) < run.client.serverClock.earliest(postedAtMs);
	rememberAnswered(action.id);
	run.actionsUnderWay.note(action);
	// Defender echoed the opposite action under way instead of taking ours: nothing of ours exists
	// yet.
	if (action.type === OPPOSITE[request.type]) return { kind: 'again' };
	return {
		kind: 'submitted',
		submitted: { action, outcome: existed ? 'alreadyInProgress' : 'created' },
	};
}

/**
 * The device's actions decide: one of our type under way is the result; an opposite one is waited
 * out; else retry.
 */
function underWayOnDevice(
	{ run, device, request }: Submission,
	actions: MachineAction[],
	lostReason: string | undefined,
): Next {
	for (const action of actions) run.actionsUnderWay.note(action);
	const underWay = actions.filter(isActionUnderWay);
	const sameType = underWay.find((action) => action.type === request.type);
	if (sameType)
		return { kind: 'submitted', submitted: { action: sameType, outcome: 'alreadyInProgress' } };
	if (underWay.some((action) => action.type === OPPOSITE[request.type])) return { kind: 'again' };
	const blocking = underWay.map(describeAction);
	const reason =
		lostReason ??
		`Another action is in progress on device ${device.named}${blocking.length ? `: ${blocking.join(', ')}` : ''}`;
	return { kind: 'retry', reason };
}

function accepted({ run, device, context }: Submission, submitted: Submitted): Submitted {
	const { action, outcome } = submitted;
	run.sent.accepted({
		itemIndex: context.itemIndex,
		machineId: device.id,
		type: action.type,
		actionId: action.id,
		outcome,
	});
	return submitted;
}
