import { RUNNING_ISOLATION_ACTIONS } from '../../lib/filters';
import { isActionUnderWay } from '../../lib/isolationState';
import type { RetryPolicy } from '../../lib/retryPolicy';
import { RetryBudget, type DefenderClient } from '../transport';
import { endpoints } from '../transport/endpoints';
import type { MachineAction } from './machineActions';

/**
 * How long a snapshot of the tenant's running isolation actions is trusted while a run goes on.
 * Five minutes costs 12 calls an hour (under 1 % of the hourly quota); what changes in between,
 * Defender's answer to the POST still shows.
 */
const SNAPSHOT_REFRESH_MS = 5 * 60_000;

/**
 * How old a snapshot taken by another execution of this process may be for a new run to start with
 * it. Webhook executions of one device each would otherwise spend half of Defender's quota on
 * snapshots.
 */
const SNAPSHOT_REUSE_MS = 60_000;

/**
 * Action IDs Defender answered to this process's POSTs, newest last: a later echo of one is not a
 * new action.
 */
const answeredIds = new Set<string>();
const MAX_ANSWERED_IDS = 50_000;

export function rememberAnswered(actionId: string): void {
	answeredIds.delete(idKey(actionId));
	answeredIds.add(idKey(actionId));
	if (answeredIds.size > MAX_ANSWERED_IDS)
		answeredIds.delete(answeredIds.values().next().value as string);
}

interface Snapshot {
	takenAtMs: number;
	actions: Promise<MachineAction[]>;
}

/**
 * What this process knows of one tenant's isolation actions (per DefenderClient.identity), shared
 * by its executions.
 */
interface TenantView {
	snapshot?: Snapshot;
	/**
	 * Actions under way that an execution of this process created or saw (its latest status wins),
	 * and when.
	 */
	underWay: Map<string, { action: MachineAction; notedAtMs: number }>;
}

const tenantViews = new Map<string, TenantView>();

function tenantView(identity: string): TenantView {
	let view = tenantViews.get(identity);
	if (!view) {
		view = { underWay: new Map() };
		tenantViews.set(identity, view);
	}
	return view;
}

/**
 * What one execution knows of the tenant's isolation actions: the process's snapshot of those under
 * way (taken by this run or, when fresh, by another execution; refreshed in long runs), the actions
 * any execution of the process saw under way since, and every action this run has seen.
 */
export class ActionsUnderWay {
	private readonly view: TenantView;

	/**
	 * Whether this run has used a snapshot yet: a run starts with one at most SNAPSHOT_REUSE_MS old.
	 */
	private started = false;

	/** The last known state of each action this run saw, by ID. */
	private readonly seen = new Map<string, MachineAction>();

	/** Snapshots this run asked for: their failures are this run's own. */
	private readonly taken = new Set<Snapshot>();

	constructor(
		private readonly client: DefenderClient,
		private readonly policy: RetryPolicy,
	) {
		this.view = tenantView(client.identity);
	}

	/** The device's Isolate/Unisolate actions still under way, as far as the process knows. */
	async underWayOn(machineId: string, itemIndex: number): Promise<MachineAction[]> {
		const known = new Map<string, MachineAction>();
		for (const action of await this.current(itemIndex)) known.set(idKey(action.id), action);
		for (const { action } of this.view.underWay.values()) known.set(idKey(action.id), action);
		for (const [id, action] of known) if (!this.seen.has(id)) this.seen.set(id, action);
		return [...this.seen.values()].filter(
			(action) => sameId(action.machineId, machineId) && isActionUnderWay(action),
		);
	}

	/**
	 * Records what the run learned of an action (its latest status wins), for the process's other
	 * executions too.
	 */
	note(action: MachineAction): void {
		const id = idKey(action.id);
		this.seen.set(id, action);
		if (isActionUnderWay(action))
			this.view.underWay.set(id, { action, notedAtMs: this.client.clock.now() });
		else this.view.underWay.delete(id);
	}

	/**
	 * Whether the action existed before: in the snapshot, seen by this run, or answered to another
	 * POST of this process.
	 */
	knows(actionId: string): boolean {
		return this.seen.has(idKey(actionId)) || answeredIds.has(idKey(actionId));
	}

	private async current(itemIndex: number): Promise<MachineAction[]> {
		const now = this.client.clock.now();
		const maxAgeMs = this.started ? SNAPSHOT_REFRESH_MS : SNAPSHOT_REUSE_MS;
		this.started = true;
		const shared = this.view.snapshot;
		if (shared && now - shared.takenAtMs <= maxAgeMs) {
			if (this.taken.has(shared)) return await shared.actions;
			// Another execution's call may fail or be cancelled: then this item asks with its own.
			const actions = await shared.actions.catch(() => undefined);
			if (actions) return actions;
		}
		return await this.take(itemIndex);
	}

	private async take(itemIndex: number): Promise<MachineAction[]> {
		const actions = this.client.list<MachineAction>(
			endpoints.machineActions.path,
			{ $filter: RUNNING_ISOLATION_ACTIONS },
			{
				itemIndex,
				budget: new RetryBudget(this.policy),
				permission: 'Machine.Read.All',
				what: 'check the tenant for isolation actions still under way (needed before any isolate or release)',
			},
		);
		const takenAtMs = this.client.clock.now();
		const snapshot = {
			takenAtMs,
			actions: actions.then((taken) => this.forgetFinished(taken, takenAtMs)),
		};
		this.view.snapshot = snapshot;
		this.taken.add(snapshot);
		// A failed snapshot is not kept: the next item asks again.
		actions.catch(() => {
			if (this.view.snapshot === snapshot) this.view.snapshot = undefined;
		});
		return await snapshot.actions;
	}

	/**
	 * Drops what was noted well before the snapshot (a new action may take a moment to be listed) and
	 * is not in it.
	 */
	private forgetFinished(taken: MachineAction[], takenAtMs: number): MachineAction[] {
		const listed = new Set(taken.map((action) => idKey(action.id)));
		for (const [id, { notedAtMs }] of this.view.underWay) {
			if (!listed.has(id) && notedAtMs < takenAtMs - SNAPSHOT_REUSE_MS)
				this.view.underWay.delete(id);
		}
		return taken;
	}
}

/**
 * Defender's IDs (40-hex machine IDs, GUIDs) are compared case-insensitively: a listing may spell
 * them in upper case.
 */
function sameId(a: unknown, b: string): boolean {
	return typeof a === 'string' && a.toLowerCase() === b.toLowerCase();
}

function idKey(id: unknown): string {
	return String(id).toLowerCase();
}
