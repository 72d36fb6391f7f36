import {
	MAX_ENCODED_FILTER_LENGTH,
	MAX_NAMES_PER_BATCH,
	distinctIgnoringCase,
	hostnameClause,
	hostnameMatches,
	orBatches,
} from '../../nodes/DefenderForEndpoint/lib/batching';
import { isolatedDevices } from '../../nodes/DefenderForEndpoint/lib/isolationState';

describe('orBatches', () => {
	test('every clause lands in exactly one batch, in order, within the count bound', () => {
		const clauses = Array.from({ length: 95 }, (_, n) => `computerDnsName eq 'ws-${n}'`);
		const batches = orBatches(clauses);
		expect(batches.flat()).toEqual(clauses);
		expect(batches.map((batch) => batch.length)).toEqual([
			MAX_NAMES_PER_BATCH,
			MAX_NAMES_PER_BATCH,
			15,
		]);
	});

	test('long names are bounded by the encoded URL length', () => {
		const clauses = Array.from(
			{ length: 30 },
			(_, n) => `computerDnsName eq '${'é'.repeat(60)}-${n}'`,
		);
		const batches = orBatches(clauses);
		expect(batches.flat()).toEqual(clauses);
		for (const batch of batches)
			expect(encodeURIComponent(batch.join(' or ')).length).toBeLessThanOrEqual(
				MAX_ENCODED_FILTER_LENGTH,
			);
		expect(batches.length).toBeGreaterThan(1);
	});

	test('no clauses, no batches; one clause longer than the bound still goes, alone', () => {
		expect(orBatches([])).toEqual([]);
		const huge = `computerDnsName eq '${'x'.repeat(MAX_ENCODED_FILTER_LENGTH)}'`;
		expect(orBatches([huge, "computerDnsName eq 'a'"])).toEqual([
			[huge],
			["computerDnsName eq 'a'"],
		]);
	});
});

describe('hostname matching', () => {
	test.each([
		['ws-0042.contoso.com', 'ws-0042.contoso.com', 'exact', true],
		['WS-0042.Contoso.com', 'ws-0042.contoso.com', 'exact', true],
		['ws-0042.contoso.com', 'ws-0042', 'exact', false],
		['ws-0042.contoso.com', 'ws-0042', 'exactOrShortName', true],
		['ws-0042', 'ws-0042', 'exactOrShortName', true],
		['ws-00421.contoso.com', 'ws-0042', 'exactOrShortName', false],
		['ws-0042.contoso.com', 'ws-0042.contoso', 'exactOrShortName', false],
	] as const)('%p named %p (%s): %p', (computerDnsName, typed, matching, expected) => {
		expect(hostnameMatches(computerDnsName, typed, matching)).toBe(expected);
	});

	test('a short name asks for the name itself and for names under it; a dotted name only for itself', () => {
		expect(hostnameClause("o'ws", 'exactOrShortName')).toBe(
			"(computerDnsName eq 'o''ws' or startswith(computerDnsName,'o''ws.'))",
		);
		expect(hostnameClause('ws-1.contoso.com', 'exactOrShortName')).toBe(
			"computerDnsName eq 'ws-1.contoso.com'",
		);
		expect(hostnameClause('WS-1', 'exact')).toBe("computerDnsName eq 'WS-1'");
	});

	test('distinct names ignore case and keep the first spelling', () => {
		expect(distinctIgnoringCase(['A.b', 'a.B', 'c'])).toEqual(['A.b', 'c']);
	});
});

describe('isolatedDevices', () => {
	const at = (hours: number) =>
		new Date(Date.parse('2026-11-20T12:00:00Z') + hours * 3_600_000).toISOString();
	const action = (
		machineId: string,
		type: string,
		status: string,
		createdHours: number,
		extra: Record<string, unknown> = {},
	) => ({
		machineId,
		type,
		status,
		creationDateTimeUtc: at(createdHours),
		lastUpdateDateTimeUtc: at(createdHours + 0.1),
		requestor: 'soc@contoso.com',
		requestorComment: `INC-${machineId}`,
		scope: type === 'Isolate' ? 'Full' : null,
		...extra,
	});
	const actions = [
		action('a', 'Isolate', 'Succeeded', 0),
		action('b', 'Isolate', 'Succeeded', 1),
		action('b', 'Unisolate', 'Succeeded', 2),
		action('c', 'Isolate', 'Pending', 3, { requestor: 'n8n app' }),
		action('d', 'Isolate', 'Succeeded', 4, { scope: 'Selective' }),
		action('d', 'Unisolate', 'InProgress', 5),
		action('e', 'Isolate', 'Failed', 6),
	];
	const none = { states: [], isolationTypes: [] };

	test('isolated, isolating and releasing devices, oldest first; released and never isolated ones are left out', () => {
		expect(
			isolatedDevices(actions, none).map((device) => [device.machineId, device.isolationState]),
		).toEqual([
			['a', 'isolated'],
			['c', 'isolating'],
			['d', 'releasing'],
		]);
	});

	test('filters: state, isolated before/after, requestor, comment, isolation type', () => {
		const ids = (criteria: object) =>
			isolatedDevices(actions, { ...none, ...criteria }).map((device) => device.machineId);
		expect(ids({ states: ['isolated'] })).toEqual(['a']);
		expect(ids({ before: Date.parse(at(2)) })).toEqual(['a']);
		expect(ids({ after: Date.parse(at(2)) })).toEqual(['c', 'd']);
		expect(ids({ requestor: 'N8N APP' })).toEqual(['c']);
		expect(ids({ commentContains: 'inc-a' })).toEqual(['a']);
		expect(ids({ isolationTypes: ['Full'] })).toEqual(['a', 'c']);
	});

	test('each device says since when, by whom, why, and the deciding action', () => {
		const [device] = isolatedDevices(actions, { ...none, states: ['isolated'] });
		expect(device).toMatchObject({
			machineId: 'a',
			since: at(0.1),
			requestor: 'soc@contoso.com',
			comment: 'INC-a',
			isolationType: 'Full',
		});
		expect(device.decidedBy).toBe(actions[0]);
	});
});
