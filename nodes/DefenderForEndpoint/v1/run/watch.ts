import { FINAL_ACTION_STATUSES } from '../../lib/isolationState';
import { pollDelayMs } from '../../lib/polling';
import { readAction, type MachineAction } from '../defender/machineActions';
import { RetryBudget } from '../transport';
import { itemBudget, type RunState } from './runState';

/**
 * The watch stage: reads an action until it is final (Succeeded, Failed, TimeOut, Cancelled) or maxWaitMs has passed;
 * returns the last status Defender reported, never a guess. Each read goes through the rate limiter like any call.
 * The time waited also counts against `budget` when given (an item waiting out another action).
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
