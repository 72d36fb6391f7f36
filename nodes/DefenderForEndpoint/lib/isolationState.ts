/** What a device's latest decisive Isolate/Unisolate action says about its network isolation. */
export type IsolationState = 'isolated' | 'notIsolated' | 'isolating' | 'releasing' | 'unknown';

export interface IsolationAction {
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
 * - An action still under way decides first (the newest one created): the device is isolating or releasing.
 * - Otherwise the succeeded action that took effect last decides: duplicate isolate/unisolate calls can complete out
 *   of order (MS docs), so an Isolate created first but finished last leaves the device isolated.
 * - Failed, timed-out and cancelled actions changed nothing.
 * Defender has no isolation property on the machine, so without such an action the state is unknown.
 */
export function deriveIsolationState<T extends IsolationAction>(
	actions: T[],
): { state: IsolationState; decidedBy: T | null } {
	const isolation = actions.filter((action) => action.type === 'Isolate' || action.type === 'Unisolate');
	const newest = (candidates: T[], time: (action: T) => number) =>
		candidates.reduce<T | null>((best, action) => (best === null || time(action) > time(best) ? action : best), null);
	const underWay = newest(isolation.filter(isActionUnderWay), (action) => Date.parse(action.creationDateTimeUtc ?? '') || 0);
	if (underWay) return { state: underWay.type === 'Isolate' ? 'isolating' : 'releasing', decidedBy: underWay };
	const effective = newest(isolation.filter((action) => action.status === 'Succeeded'), tookEffectAt);
	if (effective) return { state: effective.type === 'Isolate' ? 'isolated' : 'notIsolated', decidedBy: effective };
	return { state: 'unknown', decidedBy: null };
}
