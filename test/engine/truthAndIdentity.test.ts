import type { IRun } from 'n8n-workflow';
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
import { delegatedSimulatorFor } from '../helpers/simulator';
import { defenderWorkflow, jsonOf, newEngine, runError } from '../helpers/workflow';

/** Issue "Hostile inputs, round 3", points 6–11: each describe block is one point. */

const ID = machineId(81);
const ACTION_ID = '5382f7ea-7557-4ab7-9782-d50480024a4e';
const byId = (id: string) => ({ __rl: true, mode: 'id', value: id });
const byHostname = { __rl: true, mode: 'hostname', value: '={{ $json.name }}' };

function setup(running: object[] = []) {
	const engine = newEngine();
	mockTokens(saveCredential(engine).clientId, ['t']);
	mockTenantActions(running);
	return engine;
}

const cancelWorkflow = () =>
	defenderWorkflow([{}], {
		parameters: {
			resource: 'machineAction',
			operation: 'cancel',
			machineActionId: ACTION_ID,
			comment: 'stop it',
			options: { timeoutSeconds: 1 },
		},
		onError: 'continueRegularOutput',
	});

describe('6. Cancel tells the truth', () => {
	test.each([
		[
			'a dropped connection',
			(scope: nock.Interceptor) =>
				scope.replyWithError({ code: 'ECONNRESET', message: 'socket hang up' }),
		],
		['a 200 that is not JSON', (scope: nock.Interceptor) => scope.reply(200, 'OK')],
	])(
		'after %s, an action now Cancelled is the cancellation having happened',
		async (_label, answer) => {
			const engine = setup();
			answer(nock(API).post(`/api/machineactions/${ACTION_ID}/cancel`));
			nock(API)
				.get(`/api/machineactions/${ACTION_ID}`)
				.reply(
					200,
					machineAction({ id: ACTION_ID, status: 'Cancelled', cancellationComment: 'stop it' }),
				);
			const [item] = jsonOf(await engine.run(cancelWorkflow()), 'Defender');
			expect(item.error).toBeUndefined();
			expect(item).toMatchObject({ id: ACTION_ID, status: 'Cancelled', answerLost: true });
		},
	);

	test('a 2xx carrying another action is an error naming it', async () => {
		const engine = setup();
		const other = '11111111-7557-4ab7-9782-d50480024a4e';
		nock(API)
			.post(`/api/machineactions/${ACTION_ID}/cancel`)
			.reply(200, machineAction({ id: other, status: 'Cancelled' }));
		const [item] = jsonOf(await engine.run(cancelWorkflow()), 'Defender');
		expect(item.error).toBe(
			`Defender answered HTTP 200 to the cancellation of machine action ${ACTION_ID} with machine action ${other}`,
		);
	});

	test('a 2xx with an empty body is an error, never a success item', async () => {
		const engine = setup();
		nock(API).post(`/api/machineactions/${ACTION_ID}/cancel`).reply(200, {});
		const [item] = jsonOf(await engine.run(cancelWorkflow()), 'Defender');
		expect(item.error).toBe(
			`Defender answered HTTP 200 to the cancellation of machine action ${ACTION_ID} with no machine action in its body`,
		);
	});

	test('an answer in upper case for our action is ours', async () => {
		const engine = setup();
		nock(API)
			.post(`/api/machineactions/${ACTION_ID}/cancel`)
			.reply(200, machineAction({ id: ACTION_ID.toUpperCase(), status: 'Cancelled' }));
		const [item] = jsonOf(await engine.run(cancelWorkflow()), 'Defender');
		expect(item).toMatchObject({ status: 'Cancelled' });
		expect(item.error).toBeUndefined();
	});
});

describe('7. the stop report lists only what left the process', () => {
	test('110 items cancelled while most wait for a rate-limit slot: the report counts exactly the POSTs Defender received', async () => {
		const engine = setup();
		let received = 0;
		nock(API)
			.persist()
			.post(/\/api\/machines\/[0-9a-f]{40}\/unisolate$/)
			.reply(201, (uri) => (received++, machineAction({ machineId: uri.split('/')[3] })));
		const items = Array.from({ length: 110 }, (_, n) => ({ id: machineId(5000 + n) }));
		const execution = engine.start(
			defenderWorkflow(items, {
				parameters: {
					device: { __rl: true, mode: 'id', value: '={{ $json.id }}' },
					comment: 'c',
					options: { parallelRequests: 10 },
				},
			}),
		);
		// 100 calls a minute: the snapshot and 99 releases go at once, the rest wait for the minute to pass.
		while (received < 99) await sleep(5);
		await sleep(200);
		execution.cancel();
		const run = (await execution) as IRun;
		const description = String(run.data.resultData.runData.Defender[0].error?.description);
		expect(description).toContain(`Actions this execution already sent to Defender (${received}):`);
		expect(description).not.toContain('outcome unknown');
		expect(received).toBe(99);
	});

	test('a POST answered 429, cancelled during its Retry-After wait, is not reported as sent', async () => {
		const engine = setup();
		const throttled = nock(API)
			.post(`/api/machines/${ID}/unisolate`)
			.reply(429, apiErrorBody('TooManyRequests', 'slow down'), { 'Retry-After': '30' });
		const execution = engine.start(
			defenderWorkflow([{}], { parameters: { device: byId(ID), comment: 'c' } }),
		);
		while (!throttled.isDone()) await sleep(1);
		await sleep(50);
		execution.cancel();
		const run = (await execution) as IRun;
		const error = run.data.resultData.runData.Defender[0].error;
		expect(error?.message).toBe('The execution was cancelled');
		expect(String(error?.description ?? '')).not.toContain('Actions this execution already sent');
	});
});

describe('8. machine IDs are compared case-insensitively everywhere', () => {
	let nowMs = Date.now();
	beforeEach(() => {
		nowMs = Date.now();
		useClock({ now: () => nowMs, sleep: async (ms) => void (nowMs += ms) });
	});
	afterEach(() => useClock(undefined));

	test('a pending Isolate listed with an upper-case machineId is waited out before the release', async () => {
		const blocker = machineAction({
			type: 'Isolate',
			status: 'Pending',
			machineId: ID.toUpperCase(),
			creationDateTimeUtc: new Date(nowMs - 60_000).toISOString(),
		});
		const engine = setup([blocker]);
		const order: string[] = [];
		nock(API)
			.get(`/api/machineactions/${blocker.id}`)
			.reply(200, () => (order.push('read blocker'), { ...blocker, status: 'Succeeded' }));
		nock(API)
			.post(`/api/machines/${ID}/unisolate`)
			.reply(
				201,
				() => (
					order.push('release'),
					machineAction({ machineId: ID, creationDateTimeUtc: new Date(nowMs).toISOString() })
				),
			);
		const run = await engine.run(
			defenderWorkflow([{}], { parameters: { device: byId(ID), comment: 'c' } }),
		);
		expect(runError(run)).toBeUndefined();
		expect(order).toEqual(['read blocker', 'release']);
	});
});

describe('9. hostnames: a non-ASCII look-alike never matches an ASCII name', () => {
	const ascii = machineId(91);
	const kelvin = machineId(92);
	const devices = [machine(ascii, 'ws-k1.contoso.com'), machine(kelvin, 'ws-\u212a1.contoso.com')];

	test('a ticket naming the ASCII name releases the ASCII device only, even when Defender’s filter returns both', async () => {
		const engine = setup();
		nock(API).get('/api/machines').query(true).reply(200, { value: devices });
		const post = nock(API)
			.post(`/api/machines/${ascii}/unisolate`)
			.reply(201, machineAction({ machineId: ascii }));
		const run = await engine.run(
			defenderWorkflow([{ name: 'WS-K1.contoso.com' }], {
				parameters: { device: byHostname, comment: 'c' },
			}),
		);
		expect(jsonOf(run, 'Released')[0]).toMatchObject({ machineId: ascii, outcome: 'created' });
		expect(post.isDone()).toBe(true);
	});

	test('two items, the ASCII name and its look-alike: each gets its own device from one batch answer', async () => {
		const engine = setup();
		nock(API).get('/api/machines').query(true).reply(200, { value: devices });
		nock(API)
			.post(`/api/machines/${ascii}/unisolate`)
			.reply(201, machineAction({ machineId: ascii }));
		nock(API)
			.post(`/api/machines/${kelvin}/unisolate`)
			.reply(201, machineAction({ machineId: kelvin }));
		const run = await engine.run(
			defenderWorkflow([{ name: 'ws-k1.contoso.com' }, { name: 'ws-\u212a1.contoso.com' }], {
				parameters: { device: byHostname, comment: 'c' },
			}),
		);
		expect(jsonOf(run, 'Released').map((item) => item.machineId)).toEqual([ascii, kelvin]);
	});

	test('a look-alike ticket for a device that only has the ASCII name finds no device', async () => {
		const engine = setup();
		nock(API)
			.get('/api/machines')
			.query(true)
			.reply(200, { value: [devices[0]] });
		const run = await engine.run(
			defenderWorkflow([{ name: 'ws-\u212a1.contoso.com' }], {
				parameters: { device: byHostname, comment: 'c' },
				onError: 'continueRegularOutput',
			}),
		);
		expect(jsonOf(run, 'Defender')[0].error).toMatch(
			/^Device \(By Hostname\): no Defender device is named/,
		);
	});
});

describe('10. an Isolate and an Unisolate with the same timestamp: an order-independent rule', () => {
	const at = '2026-11-20T10:00:00Z';
	const isolate = machineAction({
		machineId: ID,
		type: 'Isolate',
		status: 'Succeeded',
		creationDateTimeUtc: at,
		lastUpdateDateTimeUtc: at,
	});
	const release = machineAction({
		machineId: ID,
		type: 'Unisolate',
		status: 'Succeeded',
		creationDateTimeUtc: at,
		lastUpdateDateTimeUtc: at,
	});

	test.each([
		['Isolate listed first', [isolate, release]],
		['Unisolate listed first', [release, isolate]],
	])(
		'%s: the device is isolated (the safe side), decided by the Isolate',
		async (_label, actions) => {
			const engine = setup();
			nock(API).get('/api/machineactions').query(true).reply(200, { value: actions });
			const run = await engine.run(
				defenderWorkflow([{}], {
					parameters: { operation: 'getIsolationState', device: byId(ID) },
				}),
			);
			expect(jsonOf(run, 'Defender')[0]).toMatchObject({
				isolationState: 'isolated',
				decidedBy: expect.objectContaining({ id: isolate.id }),
			});
		},
	);
});

describe('11. a delegated 403 for one device says that nothing was sent for it', () => {
	test('the refused item’s details say so; the other item is released', async () => {
		const engine = newEngine();
		const { sim, stop } = await delegatedSimulatorFor(engine, { seedActions: false });
		try {
			const inside = sim.devices.find((device) => device.rbacGroupName === 'SOC devices');
			const outside = sim.devices.find((device) => device.rbacGroupName === 'Finance servers');
			const run = await engine.run(
				defenderWorkflow([{ id: inside?.id }, { id: outside?.id }], {
					signIn: 'delegated',
					onError: 'continueRegularOutput',
					parameters: {
						device: { __rl: true, mode: 'id', value: '={{ $json.id }}' },
						comment: 'c',
					},
				}),
			);
			const [released, refused] = jsonOf(run, 'Released');
			expect(released).toMatchObject({ outcome: 'created' });
			expect(refused.details).toMatch(
				/^Defender refused the request: nothing was sent to the device and no action was created for this item\./,
			);
		} finally {
			await stop();
		}
	});
});
