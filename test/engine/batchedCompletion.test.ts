import type { IDataObject } from 'n8n-workflow';
import { sleep } from 'n8n-workflow';
import nock from 'nock';

import { useClock } from '../helpers/clock';
import {
	API,
	apiErrorBody,
	machine,
	machineAction,
	machineId,
	mockTenantActions,
	mockTokens,
	saveCredential,
} from '../helpers/defenderMocks';
import { defenderWorkflow, jsonOf, newEngine, outputOf, runError } from '../helpers/workflow';

/** Issue #19 "Know how every release ended, at quota speed": Wait for Completion for many items, watched together. */

/* eslint-disable @typescript-eslint/no-require-imports */
const { simulatedClock } = require('../../tooling/simulatedTime') as {
	simulatedClock: (
		simulator: { now(): number },
		timeScale: number,
	) => Parameters<typeof useClock>[0];
};
/* eslint-enable @typescript-eslint/no-require-imports */

const SCALE = 50;
let epoch = 0;
/** Defender's (and the node's) time: SCALE simulated seconds per real second. */
const now = () => epoch + (Date.now() - epoch) * SCALE;

beforeEach(() => {
	epoch = Date.now();
	useClock(simulatedClock({ now }, SCALE));
});
afterEach(() => useClock(undefined));

interface Plan {
	/** Simulated seconds after its creation when the action becomes final; undefined: never. */
	doneAfterS?: number;
	final?: string;
}

/**
 * A small Defender behind nock: POSTs create actions that become final on the plan's schedule; status reads by ID and
 * batched lists (`id eq … or …`) answer from the same state, and every status call is recorded.
 */
function fakeDefender(plans: Record<string, Plan>, list: 'ok' | 'refused' | 'brokenPage' = 'ok') {
	const actions = new Map<string, IDataObject & { createdMs: number; plan: Plan }>();
	const calls: Array<{ kind: 'list' | 'get'; atMs: number; ids: string[] }> = [];
	const render = (id: string) => {
		const action = actions.get(id) as IDataObject & { createdMs: number; plan: Plan };
		const { doneAfterS, final = 'Succeeded' } = action.plan;
		const ageS = (now() - action.createdMs) / 1000;
		const status =
			doneAfterS !== undefined && ageS >= doneAfterS ? final : ageS >= 2 ? 'InProgress' : 'Pending';
		const rest: IDataObject = { ...action };
		delete rest.createdMs;
		delete rest.plan;
		return { ...rest, status };
	};
	nock(API)
		.persist()
		.post(/\/api\/machines\/[0-9a-f]{40}\/(un)?isolate/)
		.reply(201, (uri) => {
			const [, , , device, verb] = uri.split('/');
			const type = verb === 'isolate' ? 'Isolate' : 'Unisolate';
			const action = machineAction({
				machineId: device,
				type,
				creationDateTimeUtc: new Date(now()).toISOString(),
			});
			actions.set(action.id, { ...action, createdMs: now(), plan: plans[device] ?? {} });
			return action;
		});
	nock(API)
		.persist()
		.get(/\/api\/machineactions\/[0-9a-f-]{36}$/)
		.reply((uri) => {
			const id = uri.split('/').pop() as string;
			calls.push({ kind: 'get', atMs: now(), ids: [id] });
			return actions.has(id)
				? [200, render(id)]
				: [404, apiErrorBody('ResourceNotFound', 'not found')];
		});
	nock(API)
		.persist()
		.get('/api/machineactions')
		.query((query) => String(query.$filter).startsWith('id eq'))
		.reply((uri) => {
			const filter = new URL(uri, API).searchParams.get('$filter') as string;
			const ids = [...filter.matchAll(/id eq '([^']+)'/g)].map((match) => match[1]);
			calls.push({ kind: 'list', atMs: now(), ids });
			if (list === 'refused')
				return [400, apiErrorBody('ODataError', 'The query specified in the URI is not valid')];
			const value = ids.filter((id) => actions.has(id)).map(render);
			if (list === 'brokenPage')
				return [
					200,
					{
						value: value.slice(0, 1),
						'@odata.nextLink': 'https://elsewhere.example.com/api/machineactions?$skip=1',
					},
				];
			return [200, { value }];
		});
	return { actions, calls };
}

function setup() {
	const engine = newEngine();
	mockTokens(saveCredential(engine).clientId, ['t']);
	mockTenantActions();
	return engine;
}

const ids = (count: number, from = 500) =>
	Array.from({ length: count }, (_, n) => machineId(from + n));
const byIdFromItem = { __rl: true, mode: 'id', value: '={{ $json.id }}' };

function releaseAndWait(
	devices: string[],
	extra: {
		parameters?: IDataObject;
		onError?: 'stopWorkflow' | 'continueErrorOutput';
		items?: IDataObject[];
	} = {},
) {
	return defenderWorkflow(extra.items ?? devices.map((id) => ({ id })), {
		parameters: {
			device: byIdFromItem,
			comment: 'Released after INC-19',
			waitForCompletion: true,
			maxCompletionWaitSeconds: 600,
			...extra.parameters,
		},
		onError: extra.onError ?? 'continueErrorOutput',
	});
}

/** Releases the devices with Wait for Completion, every action done 8 s after it was sent, the list call as given. */
async function watchedWith(devices: string[], list: 'refused' | 'brokenPage') {
	const engine = setup();
	const { calls } = fakeDefender(
		Object.fromEntries(devices.map((id) => [id, { doneAfterS: 8 }])),
		list,
	);
	return { run: await engine.run(releaseAndWait(devices)), calls };
}

describe('1. Wait for Completion for many items: every action watched together', () => {
	test('twelve items: each submitted at once, then one list call per poll for all of them; every item completed, in order', async () => {
		const engine = setup();
		const devices = ids(12);
		const { calls } = fakeDefender(
			Object.fromEntries(devices.map((id, n) => [id, { doneAfterS: 6 + ((n * 7) % 25) }])),
		);
		const run = await engine.run(releaseAndWait(devices));
		const output = jsonOf(run, 'Defender');
		expect(output.map((item) => [item.machineId, item.status, item.completion])).toEqual(
			devices.map((id) => [id, 'Succeeded', 'completed']),
		);
		// Polled per item, each action would take 3 or 4 reads (48 calls in all); watched together, a handful of lists.
		expect(calls.filter((call) => call.kind === 'get')).toEqual([]);
		expect(calls.length).toBeLessThanOrEqual(6);
		expect(calls[0].ids.length).toBeGreaterThan(1);
	}, 30_000);

	test('Isolate gets the same: two isolations watched with one list call per poll', async () => {
		const engine = setup();
		const devices = ids(2, 680);
		const { calls } = fakeDefender(
			Object.fromEntries(devices.map((id) => [id, { doneAfterS: 8 }])),
		);
		const run = await engine.run(
			releaseAndWait(devices, { parameters: { operation: 'isolate', isolationType: 'Full' } }),
		);
		expect(
			jsonOf(run, 'Defender').map((item) => [item.machineId, item.type, item.completion]),
		).toEqual(devices.map((id) => [id, 'Isolate', 'completed']));
		expect(calls.map((call) => [call.kind, call.ids.length])).toEqual([
			['list', 2],
			['list', 2],
		]);
	}, 30_000);

	test('actions finishing in any order: each item gets its own action, paired with its input', async () => {
		const engine = setup();
		const [a, b, c] = ids(3, 600);
		fakeDefender({ [a]: { doneAfterS: 20 }, [b]: { doneAfterS: 40 }, [c]: { doneAfterS: 3 } });
		const run = await engine.run(releaseAndWait([a, b, c]));
		const items = outputOf(run, 'Defender') ?? [];
		expect(
			items.map((item) => [item.json.machineId, item.json.completion, item.pairedItem]),
		).toEqual([
			[a, 'completed', { item: 0 }],
			[b, 'completed', { item: 1 }],
			[c, 'completed', { item: 2 }],
		]);
	}, 30_000);

	test('a single item keeps its own timeline: its reads come 5 s and 12.5 s after it was sent, by ID', async () => {
		const engine = setup();
		const [only] = ids(1, 650);
		const { calls, actions } = fakeDefender({ [only]: { doneAfterS: 10 } });
		const run = await engine.run(releaseAndWait([only]));
		expect(jsonOf(run, 'Defender')[0]).toMatchObject({
			completion: 'completed',
			status: 'Succeeded',
		});
		const createdMs = [...actions.values()][0].createdMs;
		expect(calls.map((call) => call.kind)).toEqual(['get', 'get']);
		const offsets = calls.map((call) => (call.atMs - createdMs) / 1000);
		expect(offsets[0]).toBeGreaterThanOrEqual(5);
		expect(offsets[0]).toBeLessThan(7);
		expect(offsets[1]).toBeGreaterThanOrEqual(12.5);
		expect(offsets[1]).toBeLessThan(15);
	}, 30_000);

	test('a refused list filter (400) falls back to reads by ID, once refused never asked again', async () => {
		const { run, calls } = await watchedWith(ids(4, 700), 'refused');
		expect(jsonOf(run, 'Defender').map((item) => item.completion)).toEqual([
			'completed',
			'completed',
			'completed',
			'completed',
		]);
		expect(calls.filter((call) => call.kind === 'list')).toHaveLength(1);
		expect(
			new Set(calls.filter((call) => call.kind === 'get').flatMap((call) => call.ids)).size,
		).toBe(4);
	}, 30_000);

	test('a page that breaks mid-watch (a next-page link to another host): that poll reads by ID, nothing is lost', async () => {
		const { run, calls } = await watchedWith(ids(3, 750), 'brokenPage');
		expect(jsonOf(run, 'Defender').map((item) => item.completion)).toEqual([
			'completed',
			'completed',
			'completed',
		]);
		expect(jsonOf(run, 'Defender', 1)).toEqual([]);
		expect(calls.some((call) => call.kind === 'list')).toBe(true);
		expect(calls.some((call) => call.kind === 'get')).toBe(true);
	}, 30_000);

	test.each(['Failed', 'TimeOut', 'Cancelled'])(
		'an action that ends %s is an error for its item only, with the action in the details',
		async (status) => {
			const engine = setup();
			const [good, bad] = ids(2, 800);
			fakeDefender({ [good]: { doneAfterS: 6 }, [bad]: { doneAfterS: 6, final: status } });
			const run = await engine.run(releaseAndWait([good, bad]));
			expect(jsonOf(run, 'Defender').map((item) => item.machineId)).toEqual([good]);
			const [failure] = jsonOf(run, 'Defender', 1);
			expect(failure.error).toBe(
				`The Unisolate action for device ${bad} ended ${status}: Defender did not carry it out`,
			);
			expect(failure.details).toContain(`"status":"${status}"`);
		},
		30_000,
	);

	test('Max Completion Wait reached for some items only: those are timedOut with their last status, an inactive device named with its last seen', async () => {
		const engine = setup();
		const [waiting, done] = ids(2, 850);
		fakeDefender({ [done]: { doneAfterS: 15 } });
		nock(API)
			.get(`/api/machines/${waiting}`)
			.reply(
				200,
				machine(waiting, 'ws-850.contoso.com', {
					healthStatus: 'Inactive',
					lastSeen: '2026-11-01T08:00:00Z',
				}),
			);
		const run = await engine.run(
			releaseAndWait([], {
				items: [
					{ id: waiting, wait: 10 },
					{ id: done, wait: 300 },
				],
				parameters: { maxCompletionWaitSeconds: '={{ $json.wait }}' },
			}),
		);
		const [first, second] = jsonOf(run, 'Defender');
		expect(first).toMatchObject({
			machineId: waiting,
			completion: 'timedOut',
			status: 'InProgress',
			healthStatus: 'Inactive',
			lastSeen: '2026-11-01T08:00:00Z',
		});
		expect(first.reason).toContain('last seen 2026-11-01T08:00:00Z');
		expect(second).toMatchObject({ machineId: done, completion: 'completed', status: 'Succeeded' });
	}, 30_000);

	test('On Error: Stop: a failed action stops the node at once, and the stop report lists every action sent', async () => {
		const engine = setup();
		const devices = ids(3, 900);
		const { actions } = fakeDefender({ [devices[1]]: { doneAfterS: 6, final: 'Failed' } });
		const started = Date.now();
		const run = await engine.run(releaseAndWait(devices, { onError: 'stopWorkflow' }));
		// The other two never finish: the node does not wait out their 600 s.
		expect(Date.now() - started).toBeLessThan(5_000);
		const error = runError(run);
		expect(error?.message).toBe(
			`The Unisolate action for device ${devices[1]} ended Failed: Defender did not carry it out`,
		);
		for (const id of actions.keys()) expect(error?.description).toContain(id);
		expect(error?.description).toContain('Actions this execution already sent to Defender (3)');
	}, 30_000);

	test('cancellation during the watch ends it at once: no status call after it', async () => {
		const engine = setup();
		const devices = ids(3, 950);
		const { calls, actions } = fakeDefender({});
		const execution = engine.start(releaseAndWait(devices));
		while (calls.length === 0 || actions.size < 3) await sleep(5);
		const started = Date.now();
		execution.cancel();
		await execution.catch(() => undefined);
		expect(Date.now() - started).toBeLessThan(2_000);
		const callsAtCancel = calls.length;
		await sleep(500);
		expect(calls.length).toBe(callsAtCancel);
	}, 30_000);
});
