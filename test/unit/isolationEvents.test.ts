import {
	advance,
	FORGET_UNLISTED_MS,
	MAX_UNDER_WAY,
	OVERLAP_MS,
	readState,
	underWayBeforeWindow,
	type FeedAction,
	type FeedState,
} from '../../nodes/DefenderForEndpoint/lib/isolationEvents';

const T0 = Date.parse('2026-11-20T10:00:00Z');
const action = (id: string, minutes: number, status = 'Pending', type = 'Isolate'): FeedAction => ({
	id,
	type,
	status,
	creationDateTimeUtc: new Date(T0 + minutes * 60_000).toISOString(),
});
const empty: FeedState = { version: 1, mark: T0, actions: {} };

describe('the trigger position (lib/isolationEvents)', () => {
	test('a damaged or foreign stored value is no position (the trigger starts again from now)', () => {
		expect(readState(undefined)).toBeUndefined();
		expect(readState({ version: 2, mark: 1, actions: {} })).toBeUndefined();
		expect(readState({ version: 1, mark: 'x', actions: {} })).toBeUndefined();
		expect(readState({ version: 1, mark: 5, actions: { a: [1, 0] } })).toEqual({
			version: 1,
			mark: 5,
			actions: { a: [1, 0] },
		});
	});

	test('IDs are compared case-insensitively; other action types are ignored', () => {
		const first = advance(empty, [action('ABC', 1)], []);
		expect(first.events.map((event) => event.event)).toEqual(['isolationOrReleaseRequested']);
		const again = advance(
			first.state,
			[action('abc', 1, 'Succeeded'), action('x', 2, 'Succeeded', 'RunAntiVirusScan')],
			[],
		);
		expect(again.events.map((event) => `${event.event} ${event.action.id}`)).toEqual([
			'deviceIsolated abc',
		]);
	});

	test('finished actions leave the state once the window has passed them; those under way stay until they finish', () => {
		let { state } = advance(empty, [action('old', 0), action('done', 0, 'Succeeded')], []);
		({ state } = advance(state, [action('new', 60)], []));
		expect(Object.keys(state.actions).sort()).toEqual(['new', 'old']);
		expect(underWayBeforeWindow(state)).toEqual(['old']);
		expect(state.mark - OVERLAP_MS).toBeGreaterThan(T0);
	});

	test('bounded: beyond MAX_UNDER_WAY actions under way, the oldest are dropped', () => {
		const many = Array.from({ length: MAX_UNDER_WAY + 3 }, (_, n) => action(`a${n}`, n / 1000));
		const { state } = advance(empty, many, []);
		expect(Object.keys(state.actions)).toHaveLength(MAX_UNDER_WAY);
		expect(state.actions.a0).toBeUndefined();
		expect(state.actions[`a${MAX_UNDER_WAY + 2}`]).toBeDefined();
	});

	test('an action under way that Defender no longer returns by ID is forgotten only when far older than the mark', () => {
		let { state } = advance(empty, [action('gone', 0)], []);
		({ state } = advance(state, [action('late', 60)], ['gone']));
		expect(state.actions.gone).toBeDefined();
		({ state } = advance(state, [action('much-later', FORGET_UNLISTED_MS / 60_000 + 1)], ['gone']));
		expect(state.actions.gone).toBeUndefined();
	});
});
