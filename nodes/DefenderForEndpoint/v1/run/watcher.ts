import { FINAL_ACTION_STATUSES } from '../../lib/isolationState';
import { idClause } from '../../lib/filters';
import { pollDelayMs } from '../../lib/polling';
import type { RetryPolicy } from '../../lib/retryPolicy';
import { readAction, type MachineAction } from '../defender/machineActions';
import { RetryBudget, type DefenderClient } from '../transport';
import { endpoints } from '../transport/endpoints';
import { listInBatches, type BatchingState } from './batchRead';

/**
 * How a watched action ended for its item: final (Succeeded, Failed, TimeOut, Cancelled), or not by
 * its deadline.
 */
export interface Watched {
	action: MachineAction;
	final: boolean;
}

interface Entry {
	action: MachineAction;
	itemIndex: number;
	deadlineMs: number;
	resolve(watched: Watched): void;
	reject(error: unknown): void;
}

/**
 * The run's watch of its submitted actions: items register their action and await its end, and one
 * poll loop reads every registered action that is not final yet — one batched list call (`id eq …
 * or …`) per 40 actions, a read by ID for a single action or whatever a batch did not answer — on
 * the schedule of lib/polling.ts (5 s, growing by half, at most a minute), counted from when the
 * loop starts. Each item also gets a last read at its own Max Completion Wait. A lone item's
 * timeline is the one it had when it polled alone. Cancelling the execution ends the watch at once.
 */
export class Watcher {
	/**
	 * One entry per waiting item (two items could wait for the same action: each gets its result).
	 */
	private readonly entries = new Set<Entry>();

	/**
	 * Whether the poll loop runs: it ends when no action is left to watch, and the next one starts it
	 * again.
	 */
	private looping = false;

	/**
	 * Wakes the loop's sleep early: a newly registered action may be due before the loop's next wake.
	 */
	private wake = new AbortController();

	private stoppedWith: Error | undefined;

	constructor(
		private readonly client: DefenderClient,
		private readonly policy: RetryPolicy,
		private readonly batching: BatchingState,
		private readonly cancelSignal: AbortSignal | undefined,
	) {}

	/**
	 * Watches the action until it is final or maxWaitMs has passed; resolves with the last status
	 * Defender reported.
	 */
	async watch(action: MachineAction, itemIndex: number, maxWaitMs: number): Promise<Watched> {
		if (FINAL_ACTION_STATUSES.has(action.status)) return { action, final: true };
		if (this.stoppedWith) throw this.stoppedWith;
		return await new Promise<Watched>((resolve, reject) => {
			this.entries.add({
				action,
				itemIndex,
				deadlineMs: this.client.clock.now() + maxWaitMs,
				resolve,
				reject,
			});
			this.wake.abort();
			this.startLoop();
		});
	}

	/**
	 * Ends the watch: every action still watched fails its item with `error` (the node stops, or was
	 * cancelled).
	 */
	stop(error: Error): void {
		this.stoppedWith = error;
		this.wake.abort();
		for (const entry of this.entries) entry.reject(error);
		this.entries.clear();
	}

	/**
	 * The poll loop; anything it cannot handle (the execution cancelled mid-call) ends the watch of
	 * every action.
	 */
	private async run(): Promise<void> {
		try {
			await this.poll();
		} catch (error) {
			this.stop(error instanceof Error ? error : new Error(String(error)));
		} finally {
			this.looping = false;
		}
		// An action registered while the loop was ending.
		if (this.entries.size > 0) this.startLoop();
	}

	private startLoop(): void {
		if (this.looping) return;
		this.looping = true;
		void this.run();
	}

	private async poll(): Promise<void> {
		let poll = 1;
		let nextPollAtMs = this.client.clock.now() + pollDelayMs(poll);
		while (this.entries.size > 0) {
			const deadline = Math.min(...[...this.entries].map((entry) => entry.deadlineMs));
			if (!(await this.sleepUntil(Math.min(nextPollAtMs, deadline)))) continue;
			const now = this.client.clock.now();
			const polling = now >= nextPollAtMs;
			if (polling) nextPollAtMs = now + pollDelayMs(++poll);
			const due = [...this.entries].filter((entry) => polling || entry.deadlineMs <= now);
			if (due.length > 0) await this.read(due);
			if (this.client.cancelled) this.stop(new Error('The execution was cancelled'));
		}
	}

	/**
	 * Sleeps until the time; false when woken early (a new action) or stopped, to look at the entries
	 * again.
	 */
	private async sleepUntil(atMs: number): Promise<boolean> {
		this.wake = new AbortController();
		const signals = [this.wake.signal, ...(this.cancelSignal ? [this.cancelSignal] : [])];
		try {
			await this.client.clock.sleep(
				Math.max(0, atMs - this.client.clock.now()),
				AbortSignal.any(signals),
			);
			return true;
		} catch (error) {
			if (this.cancelSignal?.aborted)
				this.stop(error instanceof Error ? error : new Error('The execution was cancelled'));
			return false;
		}
	}

	/**
	 * Reads the due actions (batched when several), then settles those that are final or past their
	 * deadline.
	 */
	private async read(due: Entry[]): Promise<void> {
		const listed = new Map<string, MachineAction>();
		if (due.length > 1 && !this.batching.batchingRefused) {
			await listInBatches<MachineAction>(
				{
					client: this.client,
					policy: this.policy,
					state: this.batching,
					path: endpoints.machineActions.path,
					clauses: [
						...new Map(due.map((entry) => [key(entry.action.id), entry.action.id])).values(),
					].map(idClause),
					itemIndex: () => Math.min(...due.map((entry) => entry.itemIndex)),
					what: (batch) => `check the status of ${batch.length} machine actions`,
				},
				(_batch, actions) => actions.forEach((action) => listed.set(key(action.id), action)),
			);
		}
		for (const entry of due) {
			if (!this.entries.has(entry)) continue;
			try {
				entry.action = listed.get(key(entry.action.id)) ?? (await this.readOne(entry));
			} catch (error) {
				this.settle(entry, () => entry.reject(error));
				continue;
			}
			const final = FINAL_ACTION_STATUSES.has(entry.action.status);
			if (final || entry.deadlineMs <= this.client.clock.now())
				this.settle(entry, () => entry.resolve({ action: entry.action, final }));
		}
	}

	private async readOne(entry: Entry): Promise<MachineAction> {
		return await readAction(this.client, entry.action.id, {
			itemIndex: entry.itemIndex,
			budget: new RetryBudget(this.policy),
			permission: 'Machine.Read.All',
			what: `check the status of machine action ${entry.action.id}`,
		});
	}

	private settle(entry: Entry, settle: () => void): void {
		this.entries.delete(entry);
		settle();
	}
}

function key(id: string): string {
	return id.toLowerCase();
}
