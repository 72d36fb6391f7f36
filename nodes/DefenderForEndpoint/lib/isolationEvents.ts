import { FINAL_ACTION_STATUSES } from './isolationState';

/**
 * The trigger's events, from Isolate/Unisolate machine actions, and the position it keeps between
 * polls. Pure: the trigger node reads Defender and stores the position; this decides what is new.
 */
export type IsolationEvent =
	| 'deviceIsolated'
	| 'deviceReleased'
	| 'isolationOrReleaseFailed'
	| 'isolationOrReleaseRequested';

export interface FeedAction {
	id: string;
	type: string;
	status: string;
	machineId?: string;
	computerDnsName?: string;
	requestor?: string;
	requestorComment?: string;
	scope?: string | null;
	creationDateTimeUtc?: string;
}

/**
 * The position, as stored in the workflow's static data (plain JSON):
 * - mark: the newest creationDateTimeUtc seen (Defender's clock, ms); the next poll lists actions
 *   created since mark − OVERLAP_MS;
 * - actions: by lower-case ID, [creation ms, final reported 0/1] of every action created inside the
 *   overlap, and of every older action still under way (its final event not reported yet).
 */
export interface FeedState {
	version: 1;
	mark: number;
	actions: Record<string, [number, 0 | 1]>;
}

/**
 * Actions created this long before the newest one seen are still listed again: Defender may list an
 * action late.
 */
export const OVERLAP_MS = 15 * 60_000;
/**
 * At most this many actions under way are followed; beyond it the oldest are dropped (their final
 * event is lost).
 */
export const MAX_UNDER_WAY = 5_000;
/**
 * At most this many finished actions are remembered inside the overlap; beyond it the oldest are
 * dropped.
 */
const MAX_RECENT_DONE = 10_000;
/**
 * An action under way that Defender no longer returns by ID, created this long before the mark, is
 * forgotten.
 */
export const FORGET_UNLISTED_MS = 30 * 86_400_000;

export interface EmittedEvent {
	event: IsolationEvent;
	action: FeedAction;
}

export const idKey = (id: string): string => id.toLowerCase();

export function createdMs(action: FeedAction): number {
	const ms = Date.parse(action.creationDateTimeUtc ?? '');
	return Number.isNaN(ms) ? 0 : ms;
}

/** The final event an action's status gives, if it is final. */
function finalEvent(action: FeedAction): IsolationEvent | undefined {
	if (!FINAL_ACTION_STATUSES.has(action.status)) return undefined;
	if (action.status !== 'Succeeded') return 'isolationOrReleaseFailed';
	return action.type === 'Isolate' ? 'deviceIsolated' : 'deviceReleased';
}

/** Reads a stored position; anything else (absent, another version, damaged) is undefined. */
export function readState(stored: unknown): FeedState | undefined {
	const state = stored as Partial<FeedState> | undefined;
	if (
		!state ||
		state.version !== 1 ||
		typeof state.mark !== 'number' ||
		typeof state.actions !== 'object' ||
		state.actions === null
	) {
		return undefined;
	}
	return { version: 1, mark: state.mark, actions: { ...state.actions } };
}

/** The lower bound (Defender's clock, ms) of the creation times the next poll lists. */
export function windowStart(state: FeedState): number {
	return state.mark - OVERLAP_MS;
}

/** Actions under way created before the window: Defender is asked for them by ID. */
export function underWayBeforeWindow(state: FeedState): string[] {
	const start = windowStart(state);
	return Object.entries(state.actions)
		.filter(([, [created, done]]) => done === 0 && created < start)
		.map(([id]) => id);
}

/** Oldest first; equal times by ID, so the order never depends on how Defender listed them. */
function byCreation(a: FeedAction, b: FeedAction): number {
	return (
		createdMs(a) - createdMs(b) ||
		(idKey(a.id) < idKey(b.id) ? -1 : idKey(a.id) > idKey(b.id) ? 1 : 0)
	);
}

/** Distinct isolation actions by ID (a listing may repeat one across pages). */
function distinct(actions: FeedAction[]): FeedAction[] {
	const byId = new Map<string, FeedAction>();
	for (const action of actions) {
		if ((action.type === 'Isolate' || action.type === 'Unisolate') && typeof action.id === 'string')
			byId.set(idKey(action.id), action);
	}
	return [...byId.values()].sort(byCreation);
}

/**
 * One poll: the events in what Defender answered (the window's listing and the older actions under
 * way read by ID), and the position after them. `initial` (no position yet) records every action as
 * already seen and emits nothing; the mark then starts at `defenderNow` (Defender's time when it
 * answered), so only later actions are new.
 */
export function advance(
	state: FeedState,
	answered: FeedAction[],
	askedById: string[],
	options: { initial?: boolean; defenderNow?: number } = {},
): { events: EmittedEvent[]; state: FeedState } {
	const next: FeedState = { version: 1, mark: state.mark, actions: { ...state.actions } };
	const events: EmittedEvent[] = [];
	for (const action of distinct(answered)) {
		const key = idKey(action.id);
		const known = next.actions[key];
		const final = finalEvent(action);
		if (!known && !options.initial) events.push({ event: 'isolationOrReleaseRequested', action });
		if (final && known?.[1] !== 1 && !options.initial) events.push({ event: final, action });
		next.actions[key] = [createdMs(action), final || known?.[1] === 1 ? 1 : 0];
		next.mark = Math.max(next.mark, createdMs(action));
	}
	if (options.initial && options.defenderNow !== undefined)
		next.mark = Math.max(next.mark, options.defenderNow);
	forgetUnlisted(next, answered, askedById);
	prune(next);
	return { events, state: next };
}

/**
 * Actions asked for by ID that Defender no longer returns, long before the mark, cannot be reported
 * any more.
 */
function forgetUnlisted(state: FeedState, answered: FeedAction[], askedById: string[]): void {
	const returned = new Set(answered.map((action) => idKey(action.id)));
	for (const id of askedById) {
		const entry = state.actions[id];
		if (entry && !returned.has(id) && entry[0] < state.mark - FORGET_UNLISTED_MS)
			delete state.actions[id];
	}
}

/** Drops what the window no longer lists and is finished, then bounds both sets, oldest first. */
function prune(state: FeedState): void {
	const start = windowStart(state);
	const done: Array<[string, number]> = [];
	const open: Array<[string, number]> = [];
	for (const [id, [created, final]] of Object.entries(state.actions)) {
		if (final === 1 && created < start) delete state.actions[id];
		else (final === 1 ? done : open).push([id, created]);
	}
	for (const [list, max] of [
		[done, MAX_RECENT_DONE],
		[open, MAX_UNDER_WAY],
	] as const) {
		if (list.length <= max) continue;
		list.sort((a, b) => a[1] - b[1]);
		for (const [id] of list.slice(0, list.length - max)) delete state.actions[id];
	}
}

export interface EventFilters {
	events: IsolationEvent[];
	/** Exact, case-insensitive; empty for any. */
	requestor?: string;
	/** Case-insensitive substring of the requestor's comment; empty for any. */
	commentContains?: string;
	/**
	 * Full, Selective or UnManagedDevice: Isolate actions of another type are left out (releases have
	 * none); empty for any.
	 */
	isolationType?: string;
}

export function matches(emitted: EmittedEvent, filters: EventFilters): boolean {
	const { action } = emitted;
	if (!filters.events.includes(emitted.event)) return false;
	const requestor = filters.requestor?.trim().toLowerCase();
	if (requestor && (action.requestor ?? '').toLowerCase() !== requestor) return false;
	const comment = filters.commentContains?.trim().toLowerCase();
	if (comment && !(action.requestorComment ?? '').toLowerCase().includes(comment)) return false;
	const isolationType = filters.isolationType?.trim().toLowerCase();
	if (
		isolationType &&
		action.type === 'Isolate' &&
		(action.scope ?? '').toLowerCase() !== isolationType
	)
		return false;
	return true;
}

/**
 * The newest matching event among the actions (the editor's test event): a final one before the
 * request.
 */
export function latestMatching(
	actions: FeedAction[],
	filters: EventFilters,
): EmittedEvent | undefined {
	for (const action of distinct(actions).reverse()) {
		const final = finalEvent(action);
		const candidates: EmittedEvent[] = final ? [{ event: final, action }] : [];
		candidates.push({ event: 'isolationOrReleaseRequested', action });
		const found = candidates.find((candidate) => matches(candidate, filters));
		if (found) return found;
	}
	return undefined;
}
