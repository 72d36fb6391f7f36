/** What a device's latest decisive Isolate/Unisolate action says about its network isolation. */
export type IsolationState = 'isolated' | 'notIsolated' | 'isolating' | 'releasing' | 'unknown';

export interface IsolationAction {
	id?: string;
	type: string;
	status: string;
	creationDateTimeUtc?: string;
	lastUpdateDateTimeUtc?: string;
	/** The older name some Defender answers use (get-machineactions-collection.md examples). */
	lastUpdateTimeUtc?: string;
}

const UNDER_WAY = new Set(['Pending', 'InProgress']);

/** Statuses after which a machine action never changes again. */
export const FINAL_ACTION_STATUSES = new Set(['Succeeded', 'Failed', 'TimeOut', 'Cancelled']);

export function isActionUnderWay(action: { status: string }): boolean {
	return UNDER_WAY.has(action.status);
}

/** When a succeeded action took effect: its last update (completion), else its creation. */
function tookEffectAt(action: IsolationAction): number {
	const updated = Date.parse(action.lastUpdateDateTimeUtc ?? action.lastUpdateTimeUtc ?? '');
	return Number.isNaN(updated) ? Date.parse(action.creationDateTimeUtc ?? '') || 0 : updated;
}

/**
 * The device's isolation state from its Isolate/Unisolate actions.
 * - An action still under way decides first (the newest one created): the device is isolating or
 *   releasing.
 * - Otherwise the succeeded action that took effect last decides: duplicate isolate/unisolate calls
 *   can complete out of order (MS docs), so an Isolate created first but finished last leaves the
 *   device isolated.
 * - Failed, timed-out and cancelled actions changed nothing.
 * Defender has no isolation property on the machine, so without such an action the state is
 * unknown.
 */
export function deriveIsolationState<T extends IsolationAction>(
	actions: T[],
): { state: IsolationState; decidedBy: T | null } {
	const isolation = actions.filter(
		(action) => action.type === 'Isolate' || action.type === 'Unisolate',
	);
	const newest = (candidates: T[], time: (action: T) => number) =>
		candidates.reduce<T | null>(
			(best, action) => (best === null || decidesOver(action, best, time) ? action : best),
			null,
		);
	const underWay = newest(
		isolation.filter(isActionUnderWay),
		(action) => Date.parse(action.creationDateTimeUtc ?? '') || 0,
	);
	if (underWay)
		return { state: underWay.type === 'Isolate' ? 'isolating' : 'releasing', decidedBy: underWay };
	const effective = newest(
		isolation.filter((action) => action.status === 'Succeeded'),
		tookEffectAt,
	);
	if (effective)
		return {
			state: effective.type === 'Isolate' ? 'isolated' : 'notIsolated',
			decidedBy: effective,
		};
	return { state: 'unknown', decidedBy: null };
}

/**
 * Whether `a` decides the state over `b`: the later one; at the same time the Isolate (the state
 * never says released while an equally recent Isolate exists: it errs towards isolated), then the
 * larger ID, so that the order in which Defender lists the actions never changes the answer.
 */
function decidesOver<T extends IsolationAction>(a: T, b: T, time: (action: T) => number): boolean {
	if (time(a) !== time(b)) return time(a) > time(b);
	if (a.type !== b.type) return a.type === 'Isolate';
	return String(a.id ?? '') > String(b.id ?? '');
}

export interface IsolatedDeviceAction extends IsolationAction {
	machineId?: string;
	computerDnsName?: string;
	requestor?: string;
	requestorComment?: string;
	scope?: string | null;
}

export interface IsolatedDeviceCriteria {
	/** States to keep; empty keeps isolated, isolating and releasing. */
	states: IsolationState[];
	/**
	 * Keep devices whose isolation took effect (or was requested, while under way) before / after
	 * these times (ms).
	 */
	before?: number;
	after?: number;
	/** Requestor of the deciding action, compared case-insensitively. */
	requestor?: string;
	/** Text the deciding action's comment contains, case-insensitively. */
	commentContains?: string;
	/** Isolation types (the Isolate action's scope: Full, Selective, UnManagedDevice). */
	isolationTypes: string[];
}

export interface IsolatedDevice<T> {
	machineId: string;
	computerDnsName: string | null;
	isolationState: IsolationState;
	/** When the deciding action took effect, or was requested while it is under way (ISO 8601). */
	since: string | null;
	requestor: string | null;
	comment: string | null;
	isolationType: string | null;
	decidedBy: T;
}

const NOT_RELEASED: IsolationState[] = ['isolated', 'isolating', 'releasing'];

/**
 * Every device whose isolation actions say it is isolated, isolating or releasing — the same rule
 * as Get Isolation State, applied per device to the tenant's actions — narrowed by the criteria,
 * oldest isolation first.
 */
export function isolatedDevices<T extends IsolatedDeviceAction>(
	actions: T[],
	criteria: IsolatedDeviceCriteria,
): Array<IsolatedDevice<T>> {
	const byDevice = new Map<string, T[]>();
	for (const action of actions) {
		if (typeof action.machineId !== 'string') continue;
		const id = action.machineId.toLowerCase();
		byDevice.set(id, [...(byDevice.get(id) ?? []), action]);
	}
	const states = criteria.states.length ? criteria.states : NOT_RELEASED;
	const lower = (value: string | null | undefined) => (value ?? '').toLowerCase();
	const devices: Array<{ device: IsolatedDevice<T>; sinceMs: number }> = [];
	for (const [machineId, deviceActions] of byDevice) {
		const { state, decidedBy } = deriveIsolationState(deviceActions);
		if (!decidedBy || !NOT_RELEASED.includes(state) || !states.includes(state)) continue;
		const sinceMs =
			decidedBy.status === 'Succeeded'
				? tookEffectAt(decidedBy)
				: Date.parse(decidedBy.creationDateTimeUtc ?? '') || 0;
		if (criteria.before !== undefined && !(sinceMs < criteria.before)) continue;
		if (criteria.after !== undefined && !(sinceMs > criteria.after)) continue;
		if (criteria.requestor && lower(decidedBy.requestor) !== criteria.requestor.toLowerCase())
			continue;
		if (
			criteria.commentContains &&
			!lower(decidedBy.requestorComment).includes(criteria.commentContains.toLowerCase())
		)
			continue;
		// The isolation type is the Isolate's scope; for a release under way it is the isolation being
		// lifted, unknown here.
		const isolationType = decidedBy.type === 'Isolate' ? (decidedBy.scope ?? null) : null;
		if (criteria.isolationTypes.length && !criteria.isolationTypes.includes(isolationType ?? ''))
			continue;
		const device = {
			machineId,
			computerDnsName: decidedBy.computerDnsName ?? null,
			isolationState: state,
			since: sinceMs ? new Date(sinceMs).toISOString() : null,
			requestor: decidedBy.requestor ?? null,
			comment: decidedBy.requestorComment ?? null,
			isolationType,
			decidedBy,
		};
		devices.push({ device, sinceMs });
	}
	return devices.sort((a, b) => a.sinceMs - b.sinceMs).map(({ device }) => device);
}
