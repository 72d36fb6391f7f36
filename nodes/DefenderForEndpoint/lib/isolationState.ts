/** What a device's latest decisive Isolate/Unisolate action says about its network isolation. */
export type IsolationState = 'isolated' | 'notIsolated' | 'isolating' | 'releasing' | 'unknown';

export interface IsolationAction {
	type: string;
	status: string;
	creationDateTimeUtc?: string;
}

const UNDER_WAY = new Set(['Pending', 'InProgress']);

/**
 * Walks the device's Isolate/Unisolate actions from the newest: a succeeded or running action decides the state;
 * a failed, timed-out or cancelled one changed nothing, so the next older action decides.
 * Defender has no isolation property on the machine, so without such an action the state is unknown.
 */
export function deriveIsolationState<T extends IsolationAction>(
	actions: T[],
): { state: IsolationState; decidedBy: T | null } {
	const newestFirst = actions
		.filter((action) => action.type === 'Isolate' || action.type === 'Unisolate')
		.sort((a, b) => Date.parse(b.creationDateTimeUtc ?? '') - Date.parse(a.creationDateTimeUtc ?? ''));
	for (const action of newestFirst) {
		const isolate = action.type === 'Isolate';
		if (action.status === 'Succeeded') return { state: isolate ? 'isolated' : 'notIsolated', decidedBy: action };
		if (UNDER_WAY.has(action.status)) return { state: isolate ? 'isolating' : 'releasing', decidedBy: action };
	}
	return { state: 'unknown', decidedBy: null };
}

/** Statuses after which a machine action never changes again. */
export const FINAL_ACTION_STATUSES = new Set(['Succeeded', 'Failed', 'TimeOut', 'Cancelled']);
