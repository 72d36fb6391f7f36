import { FINAL_ACTION_STATUSES } from '../../lib/isolationState';
import { pollDelayMs } from '../../lib/polling';
import type { DeviceTarget } from '../defender/devices';
import {
	describeAction,
	readAction,
	type MachineAction,
	type MachineActionType,
} from '../defender/machineActions';
import type { CallContext, RetryBudget } from '../transport';
import { operationError } from '../transport/errors';
import { itemBudget, type RunState } from './runState';

/**
 * The watch stage: reads an action until it is final (Succeeded, Failed, TimeOut, Cancelled) or
 * maxWaitMs has passed; returns the last status Defender reported, never a guess. Each read goes
 * through the rate limiter like any call. The time waited also counts against `budget` when given
 * (an item waiting out another action).
 */
export async function followAction(
	run: RunState,
	start: MachineAction,
	itemIndex: number,
	maxWaitMs: number,
	budget?: RetryBudget,
): Promise<{ action: MachineAction; final: boolean }> {
	let action = start;
	let waitedMs = 0;
	for (let poll = 1; !FINAL_ACTION_STATUSES.has(action.status); poll++) {
		if (waitedMs >= maxWaitMs) return { action, final: false };
		const delay = Math.min(pollDelayMs(poll), maxWaitMs - waitedMs);
		await run.client.sleep(delay);
		waitedMs += delay;
		if (budget) budget.waitedMs += delay;
		action = await readAction(run.client, action.id, {
			itemIndex,
			budget: itemBudget(run),
			permission: 'Machine.Read.All',
			what: `check the status of machine action ${action.id}`,
		});
	}
	return { action, final: true };
}

/**
 * Waits for an opposite action under way on the device (from the run's snapshot) to finish, by
 * reading it, within what is left of the item's Max Wait; fails the item naming the action if it
 * does not finish in time.
 */
export async function waitOutBlocker(
	run: RunState,
	device: DeviceTarget,
	blockingType: MachineActionType,
	context: CallContext,
): Promise<void> {
	const { itemIndex, budget } = context;
	for (;;) {
		const blocker = (await run.actionsUnderWay.underWayOn(device.id, itemIndex)).find(
			(action) => action.type === blockingType,
		);
		if (!blocker) return;
		const { action, final } = await followAction(
			run,
			blocker,
			itemIndex,
			budget.remainingMs,
			budget,
		);
		run.actionsUnderWay.note(action);
		if (!final) {
			throw operationError(
				run.client.node,
				itemIndex,
				`Device ${device.named} has an action under way that must finish first: ${describeAction(action)}`,
				`Isolate and release calls that overlap can complete out of order and leave the device isolated, so nothing was sent for this item. The action did not finish within the Max Wait of ${Math.round(run.options.retryPolicy.maxTotalWaitMs / 1000)} s: wait for it, or cancel it (Action Center → Cancel), then run the item again.`,
			);
		}
	}
}
