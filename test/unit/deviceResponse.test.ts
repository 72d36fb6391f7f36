import { machineActionFilter, machineFilter } from '../../nodes/DefenderForEndpoint/lib/filters';
import {
	deriveIsolationState,
	FINAL_ACTION_STATUSES,
} from '../../nodes/DefenderForEndpoint/lib/isolationState';
import { pollDelayMs } from '../../nodes/DefenderForEndpoint/lib/polling';
import { parseActionId, parseIpAddress } from '../../nodes/DefenderForEndpoint/lib/validation';

const at = (day: number) => `2026-11-${String(day).padStart(2, '0')}T00:00:00Z`;

describe('deriveIsolationState', () => {
	test.each([
		[[], 'unknown'],
		[[{ type: 'RunAntiVirusScan', status: 'Succeeded', creationDateTimeUtc: at(1) }], 'unknown'],
		[[{ type: 'Isolate', status: 'Succeeded', creationDateTimeUtc: at(1) }], 'isolated'],
		[[{ type: 'Isolate', status: 'Pending', creationDateTimeUtc: at(1) }], 'isolating'],
		[[{ type: 'Isolate', status: 'InProgress', creationDateTimeUtc: at(1) }], 'isolating'],
		[
			[
				{ type: 'Isolate', status: 'Succeeded', creationDateTimeUtc: at(1) },
				{ type: 'Unisolate', status: 'Succeeded', creationDateTimeUtc: at(2) },
			],
			'notIsolated',
		],
		[
			[
				{ type: 'Unisolate', status: 'InProgress', creationDateTimeUtc: at(3) },
				{ type: 'Isolate', status: 'Succeeded', creationDateTimeUtc: at(1) },
			],
			'releasing',
		],
		// Failed, timed-out and cancelled actions changed nothing: the older action decides.
		[
			[
				{ type: 'Isolate', status: 'Succeeded', creationDateTimeUtc: at(1) },
				{ type: 'Unisolate', status: 'Failed', creationDateTimeUtc: at(2) },
				{ type: 'Unisolate', status: 'TimeOut', creationDateTimeUtc: at(3) },
				{ type: 'Unisolate', status: 'Cancelled', creationDateTimeUtc: at(4) },
			],
			'isolated',
		],
		[[{ type: 'Isolate', status: 'Failed', creationDateTimeUtc: at(1) }], 'unknown'],
	])('%j → %s', (actions, state) => {
		expect(deriveIsolationState(actions).state).toBe(state);
	});

	test('names the deciding action', () => {
		const deciding = { type: 'Isolate', status: 'Succeeded', creationDateTimeUtc: at(5), id: 'x' };
		expect(
			deriveIsolationState([
				{ type: 'Unisolate', status: 'Succeeded', creationDateTimeUtc: at(4) },
				deciding,
			]).decidedBy,
		).toBe(deciding);
	});

	test('final statuses', () => {
		expect([...FINAL_ACTION_STATUSES].sort()).toEqual([
			'Cancelled',
			'Failed',
			'Succeeded',
			'TimeOut',
		]);
	});
});

describe('filters', () => {
	test('machine filter: only set fields, names lower-cased, quotes doubled, dates in UTC', () => {
		expect(machineFilter({}, 'UTC')).toBeUndefined();
		expect(machineFilter({ hostnamePrefix: '  ', tag: '' }, 'UTC')).toBeUndefined();
		expect(
			machineFilter(
				{ hostnamePrefix: "O'Brien", tag: "it's", lastSeenAfter: '2026-11-01T10:00:00' },
				'Europe/Berlin',
			),
		).toBe(
			"startswith(computerDnsName,'o''brien') and machineTags/any(tag: tag eq 'it''s') and lastSeen gt 2026-11-01T09:00:00Z",
		);
	});

	test('machine action filter', () => {
		expect(
			machineActionFilter(
				{ machineId: 'ABC', status: 'Pending', createdAfter: '2026-11-01T00:00:00Z' },
				'UTC',
			),
		).toBe(
			"machineId eq 'abc' and status eq 'Pending' and creationDateTimeUtc gt 2026-11-01T00:00:00Z",
		);
	});

	test('an unreadable date is an error', () => {
		expect(() => machineFilter({ lastSeenAfter: 'soon' }, 'UTC')).toThrow(/is not a date and time/);
	});
});

describe('pollDelayMs', () => {
	test('5 s, then half as long again each time, capped at a minute', () => {
		expect([1, 2, 3, 4, 5, 10, 50].map(pollDelayMs)).toEqual([
			5_000, 7_500, 11_250, 16_875, 25_313, 60_000, 60_000,
		]);
	});
});

describe('validation', () => {
	test('action IDs are GUIDs', () => {
		expect(parseActionId(' 5382F7EA-7557-4AB7-9782-D50480024A4E ')).toBe(
			'5382f7ea-7557-4ab7-9782-d50480024a4e',
		);
		for (const bad of [
			'',
			'5382f7ea',
			'../5382f7ea-7557-4ab7-9782-d50480024a4e',
			'5382f7ea-7557-4ab7-9782-d50480024a4e/cancel',
		]) {
			expect(() => parseActionId(bad)).toThrow(/is not a GUID/);
		}
	});

	test('IP addresses', () => {
		expect(parseIpAddress(' 10.1.2.3 ')).toBe('10.1.2.3');
		expect(parseIpAddress('FE80::1')).toBe('fe80::1');
		for (const bad of ['', '10.1.2', '256.1.1.1', "10.0.0.1')", '10.0.0.1 or 1', 'host.example']) {
			expect(() => parseIpAddress(bad)).toThrow(/is not an IPv4 or IPv6 address/);
		}
	});
});
