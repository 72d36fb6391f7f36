import { odataString } from '../../lib/odata';
import { isActionUnderWay } from '../../lib/isolationState';
import type { RetryPolicy } from '../../lib/retryPolicy';
import { RetryBudget, type DefenderClient } from '../transport';
import type { MachineAction } from './machineActions';

/**
 * How long one snapshot of the tenant's running isolation actions is trusted in a long run. Five minutes costs 12
 * calls an hour (under 1 % of the hourly quota); what changes in between, Defender's answer to the POST still shows.
 */
export const SNAPSHOT_REFRESH_MS = 5 * 60_000;

/** Isolate and Unisolate actions that have not finished, across the tenant: one paged call answers every device. */
const RUNNING_ISOLATION_ACTIONS =
	"(type eq 'Isolate' or type eq 'Unisolate') and (status eq 'Pending' or status eq 'InProgress')";

/** Action IDs Defender answered to this process's POSTs, newest last: a later echo of one is not a new action. */
const answeredIds = new Set<string>();
const MAX_ANSWERED_IDS = 50_000;

export function rememberAnswered(actionId: string): void {
	answeredIds.delete(actionId);
	answeredIds.add(actionId);
	if (answeredIds.size > MAX_ANSWERED_IDS) answeredIds.delete(answeredIds.values().next().value as string);
}

/**
 * What one execution knows of the tenant's isolation actions: a snapshot of those under way (taken once, refreshed
 * in long runs) plus every action the run has seen since (created, echoed, or read while waiting).
 */
export class ActiveActions {
	private snapshot: { takenAtMs: number; actions: Promise<MachineAction[]> } | undefined;

	/** The last known state of each action this run saw, by ID. */
	private readonly seen = new Map<string, MachineAction>();

	constructor(
		private readonly client: DefenderClient,
		private readonly policy: RetryPolicy,
	) {}

	/** The device's Isolate/Unisolate actions still under way, as far as the run knows. */
	async underWayOn(machineId: string, itemIndex: number): Promise<MachineAction[]> {
		const snapshot = await this.current(itemIndex);
		for (const action of snapshot) if (!this.seen.has(action.id)) this.seen.set(action.id, action);
		return [...this.seen.values()].filter((action) => action.machineId === machineId && isActionUnderWay(action));
	}

	/** Records what the run learned of an action (its latest status wins). */
	note(action: MachineAction): void {
		this.seen.set(action.id, action);
	}

	/** Whether the action existed before: in the snapshot, seen by this run, or answered to another POST of this process. */
	knows(actionId: string): boolean {
		return this.seen.has(actionId) || answeredIds.has(actionId);
	}

	private async current(itemIndex: number): Promise<MachineAction[]> {
		const now = this.client.clock.now();
		if (!this.snapshot || now - this.snapshot.takenAtMs > SNAPSHOT_REFRESH_MS) {
			const actions = this.client.list<MachineAction>(
				'/api/machineactions',
				{ $filter: RUNNING_ISOLATION_ACTIONS },
				{
					itemIndex,
					budget: new RetryBudget(this.policy),
					permission: 'Machine.Read.All',
					what: 'check the tenant for isolation actions still under way (needed before any isolate or release)',
				},
			);
			const snapshot = { takenAtMs: now, actions };
			this.snapshot = snapshot;
			// A failed snapshot is not kept: the next item asks again.
			actions.catch(() => {
				if (this.snapshot === snapshot) this.snapshot = undefined;
			});
		}
		return await this.snapshot.actions;
	}
}

/** The device's actions under way, plus every action created on it since `sinceServerMs` (Defender's clock). */
export function deviceActionsFilter(machineId: string, sinceServerMs?: number): string {
	const createdSince = sinceServerMs === undefined ? '' : ` or creationDateTimeUtc ge ${new Date(sinceServerMs).toISOString()}`;
	return `machineId eq ${odataString(machineId)} and (status eq 'Pending' or status eq 'InProgress'${createdSince})`;
}
