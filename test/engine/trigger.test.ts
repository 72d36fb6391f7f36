import type { IDataObject } from 'n8n-workflow';
import nock from 'nock';

import { MAX_UNDER_WAY, OVERLAP_MS } from '../../nodes/DefenderForEndpoint/lib/isolationEvents';
import { STATE_KEY } from '../../nodes/DefenderForEndpointTrigger/poll';
import { machineAction, machineId, mockTokens, saveCredential } from '../helpers/defenderMocks';
import {
	eventKeys,
	fakeDefender,
	itemsOf,
	newTriggerEngine,
	triggerWorkflow,
	type TriggerEngine,
} from '../helpers/trigger';

/** Issue #20: the trigger's polls through n8n-core's PollContext, with the static data n8n would store between them. */

const ALL_EVENTS = [
	'deviceIsolated',
	'deviceReleased',
	'isolationOrReleaseFailed',
	'isolationOrReleaseRequested',
];
const at = (minutesFromNow: number) => new Date(Date.now() + minutesFromNow * 60_000).toISOString();

let engine: TriggerEngine;
let defender: ReturnType<typeof fakeDefender>;
/** The static data as n8n stores it (JSON) between polls and restarts. */
let stored: IDataObject;

function setup(options: { pageSize?: number; parameters?: IDataObject } = {}) {
	engine = newTriggerEngine();
	const credential = saveCredential(engine);
	mockTokens(credential.clientId, ['t']);
	defender = fakeDefender(options);
	stored = {};
	return triggerWorkflow({ events: ALL_EVENTS, ...options.parameters });
}

/** One poll of the active workflow; the static data it leaves is what the next poll starts from. */
async function poll(workflow: object) {
	const outcome = await engine.poll(workflow, { staticData: stored });
	stored = JSON.parse(JSON.stringify(outcome.staticData)) as IDataObject;
	return outcome;
}

/** Adds an action as Defender lists it (newest first). */
function add(overrides: Record<string, unknown>) {
	const action = machineAction({ creationDateTimeUtc: at(0), ...overrides }) as IDataObject;
	defender.actions.unshift(action);
	return action;
}

const callsSince = (before: number) => defender.filters.slice(before);

afterEach(() => nock.cleanAll());

describe('first activation', () => {
	test('records the position and emits nothing, however much history there is; the next poll emits only what is new', async () => {
		const workflow = setup();
		add({ type: 'Isolate', status: 'Succeeded', creationDateTimeUtc: at(-5) });
		const old = add({ type: 'Unisolate', status: 'Pending', creationDateTimeUtc: at(-2) });
		const first = await poll(workflow);
		expect(first.result).toBeNull();
		expect(defender.filters).toHaveLength(1);
		expect((stored['node:Defender Trigger'] as IDataObject)[STATE_KEY]).toMatchObject({
			version: 1,
		});

		const fresh = add({
			type: 'Isolate',
			status: 'Pending',
			machineId: machineId(7),
			computerDnsName: 'ws-7.contoso.com',
		});
		const items = itemsOf(await poll(workflow));
		expect(eventKeys(items)).toEqual([`isolationOrReleaseRequested ${fresh.id}`]);
		expect(items[0]).toMatchObject({
			event: 'isolationOrReleaseRequested',
			deviceId: machineId(7),
			deviceName: 'ws-7.contoso.com',
		});
		expect((items[0].machineAction as IDataObject)['@odata.context']).toBeUndefined();

		// An action under way at activation still reports how it ends (it ends after activation).
		old.status = 'Succeeded';
		expect(eventKeys(itemsOf(await poll(workflow)))).toEqual([`deviceReleased ${old.id}`]);
	});
});

describe('each event exactly once', () => {
	test('ordering: oldest first, whatever the listing order; the request before the result of the same action', async () => {
		const workflow = setup();
		await poll(workflow);
		const b = add({ type: 'Unisolate', status: 'Succeeded', creationDateTimeUtc: at(1) });
		const a = add({ type: 'Isolate', status: 'Failed', creationDateTimeUtc: at(0.5) });
		defender.actions.reverse();
		const c = add({ type: 'Isolate', status: 'Succeeded', creationDateTimeUtc: at(2) });
		expect(eventKeys(itemsOf(await poll(workflow)))).toEqual([
			`isolationOrReleaseRequested ${a.id}`,
			`isolationOrReleaseFailed ${a.id}`,
			`isolationOrReleaseRequested ${b.id}`,
			`deviceReleased ${b.id}`,
			`isolationOrReleaseRequested ${c.id}`,
			`deviceIsolated ${c.id}`,
		]);
		expect(itemsOf(await poll(workflow))).toEqual([]);
	});

	test('paging: every page is read, every action reported once; steady state costs one call per poll', async () => {
		const workflow = setup({ pageSize: 2 });
		await poll(workflow);
		const actions = [1, 2, 3, 4, 5].map((n) =>
			add({
				type: 'Isolate',
				status: 'Pending',
				machineId: machineId(n),
				creationDateTimeUtc: at(n / 10),
			}),
		);
		const before = defender.filters.length;
		const items = itemsOf(await poll(workflow));
		expect(eventKeys(items)).toEqual(
			actions.map((action) => `isolationOrReleaseRequested ${action.id}`),
		);
		expect(callsSince(before)).toHaveLength(3);
		for (const action of actions) action.status = 'TimeOut';
		expect(eventKeys(itemsOf(await poll(workflow)))).toEqual(
			actions.map((action) => `isolationOrReleaseFailed ${action.id}`),
		);
		defender.pageSize = 10_000;
		const quiet = defender.filters.length;
		expect(itemsOf(await poll(workflow))).toEqual([]);
		expect(callsSince(quiet)).toHaveLength(1);
	});

	test('overlap: an action listed late, older than one already reported, is still reported, once', async () => {
		const workflow = setup();
		await poll(workflow);
		const late = add({ type: 'Isolate', status: 'Succeeded', creationDateTimeUtc: at(1) });
		defender.hidden.add(String(late.id));
		const newer = add({ type: 'Unisolate', status: 'Pending', creationDateTimeUtc: at(5) });
		expect(eventKeys(itemsOf(await poll(workflow)))).toEqual([
			`isolationOrReleaseRequested ${newer.id}`,
		]);
		defender.hidden.clear();
		expect(eventKeys(itemsOf(await poll(workflow)))).toEqual([
			`isolationOrReleaseRequested ${late.id}`,
			`deviceIsolated ${late.id}`,
		]);
		expect(itemsOf(await poll(workflow))).toEqual([]);
		// The window starts OVERLAP_MS before the newest action seen (Defender's clock, not ours).
		expect(defender.filters.at(-1)).toBe(
			`(type eq 'Isolate' or type eq 'Unisolate') and creationDateTimeUtc ge ${new Date(Date.parse(String(newer.creationDateTimeUtc)) - OVERLAP_MS).toISOString()}`,
		);
	});

	test('clock skew: Defender times far ahead of ours still move the position by Defender’s clock only', async () => {
		const workflow = setup();
		await poll(workflow);
		const ahead = add({ type: 'Isolate', status: 'Succeeded', creationDateTimeUtc: at(24 * 60) });
		expect(eventKeys(itemsOf(await poll(workflow)))).toEqual([
			`isolationOrReleaseRequested ${ahead.id}`,
			`deviceIsolated ${ahead.id}`,
		]);
		const next = add({
			type: 'Unisolate',
			status: 'Succeeded',
			creationDateTimeUtc: at(24 * 60 + 1),
		});
		expect(eventKeys(itemsOf(await poll(workflow)))).toEqual([
			`isolationOrReleaseRequested ${next.id}`,
			`deviceReleased ${next.id}`,
		]);
	});

	test('an action that becomes final long after it was created (outside the window) is read by ID and reported once', async () => {
		const workflow = setup();
		await poll(workflow);
		const slow = add({ type: 'Isolate', status: 'Pending', creationDateTimeUtc: at(0) });
		expect(eventKeys(itemsOf(await poll(workflow)))).toEqual([
			`isolationOrReleaseRequested ${slow.id}`,
		]);
		const later = add({
			type: 'Unisolate',
			status: 'Pending',
			machineId: machineId(2),
			creationDateTimeUtc: at(60),
		});
		expect(eventKeys(itemsOf(await poll(workflow)))).toEqual([
			`isolationOrReleaseRequested ${later.id}`,
		]);
		slow.status = 'Succeeded';
		slow.lastUpdateDateTimeUtc = at(61);
		const before = defender.filters.length;
		expect(eventKeys(itemsOf(await poll(workflow)))).toEqual([`deviceIsolated ${slow.id}`]);
		expect(callsSince(before)).toEqual([
			expect.stringContaining('creationDateTimeUtc ge'),
			`id eq '${String(slow.id)}'`,
		]);
		const after = defender.filters.length;
		expect(itemsOf(await poll(workflow))).toEqual([]);
		expect(callsSince(after)).toHaveLength(1);
	});

	test('many actions under way before the window are read in OR-batches of IDs', async () => {
		const workflow = setup();
		await poll(workflow);
		const pending = Array.from({ length: 45 }, (_, n) =>
			add({
				type: 'Isolate',
				status: 'Pending',
				machineId: machineId(n + 1),
				creationDateTimeUtc: at(n / 100),
			}),
		);
		expect(itemsOf(await poll(workflow))).toHaveLength(45);
		add({ type: 'Unisolate', status: 'Pending', creationDateTimeUtc: at(120) });
		await poll(workflow);
		for (const action of pending) action.status = 'Cancelled';
		const before = defender.filters.length;
		const items = itemsOf(await poll(workflow));
		expect(eventKeys(items)).toEqual(
			pending.map((action) => `isolationOrReleaseFailed ${action.id}`),
		);
		const batches = callsSince(before).filter((filter) => filter.startsWith('id eq'));
		expect(batches).toHaveLength(2);
		expect(batches.join(' or ').match(/id eq/g)).toHaveLength(45);
		expect(MAX_UNDER_WAY).toBe(5_000);
	});

	test('restarts: the stored state (JSON) is all a new process needs; nothing lost while it was down, nothing repeated', async () => {
		const workflow = setup();
		await poll(workflow);
		const before = add({ type: 'Isolate', status: 'Pending', creationDateTimeUtc: at(1) });
		expect(eventKeys(itemsOf(await poll(workflow)))).toEqual([
			`isolationOrReleaseRequested ${before.id}`,
		]);

		// "Restart": a new engine (new credential store, new token), the static data as read back from the database.
		const actions = defender.actions;
		nock.cleanAll();
		const saved = stored;
		setup();
		defender.actions.push(...actions);
		stored = saved;
		before.status = 'Succeeded';
		const during = add({ type: 'Unisolate', status: 'Succeeded', creationDateTimeUtc: at(2) });
		expect(eventKeys(itemsOf(await poll(workflow)))).toEqual([
			`deviceIsolated ${before.id}`,
			`isolationOrReleaseRequested ${during.id}`,
			`deviceReleased ${during.id}`,
		]);
		expect(itemsOf(await poll(workflow))).toEqual([]);
	});

	test('a poll that fails mid-way changes nothing: the next poll reports everything, once', async () => {
		const workflow = setup();
		await poll(workflow);
		const slow = add({ type: 'Isolate', status: 'Pending', creationDateTimeUtc: at(0) });
		await poll(workflow);
		add({
			type: 'Isolate',
			status: 'Pending',
			machineId: machineId(3),
			creationDateTimeUtc: at(60),
		});
		await poll(workflow);
		const fresh = add({ type: 'Unisolate', status: 'Succeeded', creationDateTimeUtc: at(61) });
		slow.status = 'Succeeded';
		const untouched = JSON.stringify(stored);
		// The window's call succeeds, the read of the older action under way is refused.
		defender.refuse = (filter) => filter.startsWith('id eq');
		const failed = await poll(workflow);
		expect(failed.error?.message).toMatch(/403|permission|Forbidden/i);
		expect(JSON.stringify(stored)).toBe(untouched);
		defender.refuse = undefined;
		expect(eventKeys(itemsOf(await poll(workflow)))).toEqual([
			`deviceIsolated ${slow.id}`,
			`isolationOrReleaseRequested ${fresh.id}`,
			`deviceReleased ${fresh.id}`,
		]);
		expect(itemsOf(await poll(workflow))).toEqual([]);
	});

	test('a tick that comes while a slow poll of the same workflow runs is skipped, not run twice', async () => {
		const workflow = setup();
		await poll(workflow);
		const action = add({ type: 'Isolate', status: 'Succeeded', creationDateTimeUtc: at(1) });
		const [one, two] = await Promise.all([
			engine.poll(workflow, { staticData: stored }),
			engine.poll(workflow, { staticData: stored }),
		]);
		const items = [...itemsOf(one), ...itemsOf(two)];
		expect(eventKeys(items)).toEqual([
			`isolationOrReleaseRequested ${action.id}`,
			`deviceIsolated ${action.id}`,
		]);
	});
});

describe('events and filters', () => {
	test('only the chosen events, by requestor, comment and isolation type; the position covers every action', async () => {
		const workflow = setup({
			parameters: {
				events: ['deviceIsolated'],
				filters: { requestor: 'SOC@contoso.com', commentContains: 'inc-', isolationType: 'Full' },
			},
		});
		await poll(workflow);
		const match = add({
			type: 'Isolate',
			status: 'Succeeded',
			requestor: 'soc@contoso.com',
			requestorComment: 'INC-42',
			scope: 'Full',
		});
		add({
			type: 'Isolate',
			status: 'Succeeded',
			requestor: 'other@contoso.com',
			requestorComment: 'INC-43',
			scope: 'Full',
		});
		add({
			type: 'Isolate',
			status: 'Succeeded',
			requestor: 'soc@contoso.com',
			requestorComment: 'drill',
			scope: 'Full',
		});
		add({
			type: 'Isolate',
			status: 'Succeeded',
			requestor: 'soc@contoso.com',
			requestorComment: 'INC-44',
			scope: 'Selective',
		});
		add({
			type: 'Unisolate',
			status: 'Succeeded',
			requestor: 'soc@contoso.com',
			requestorComment: 'INC-45',
		});
		expect(eventKeys(itemsOf(await poll(workflow)))).toEqual([`deviceIsolated ${match.id}`]);
	});

	test('Fetch Test Event (manual mode) returns the newest matching event, or nothing, and leaves the position alone', async () => {
		const workflow = setup({ parameters: { events: ['deviceReleased'] } });
		expect((await engine.poll(workflow, { mode: 'manual' })).result).toBeNull();
		add({ type: 'Unisolate', status: 'Succeeded', creationDateTimeUtc: at(-60) });
		const newest = add({ type: 'Unisolate', status: 'Succeeded', creationDateTimeUtc: at(-30) });
		add({ type: 'Isolate', status: 'Succeeded', creationDateTimeUtc: at(-10) });
		const outcome = await engine.poll(workflow, { mode: 'manual' });
		expect(eventKeys(itemsOf(outcome))).toEqual([`deviceReleased ${newest.id}`]);
		expect(outcome.staticData).toEqual({});
	});
});
