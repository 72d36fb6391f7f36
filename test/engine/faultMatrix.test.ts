import { sleep } from 'n8n-workflow';

import { defenderWorkflow, newEngine, outputOf, type Engine } from '../helpers/workflow';
import { simulatorFor, unisolatesPerDevice, type Simulator } from '../helpers/simulator';

const DEVICES = 30;
let engine: Engine;
let sim: Simulator;
let stop: () => Promise<void>;

async function start(options: Record<string, unknown> = {}) {
	engine = newEngine();
	({ sim, stop } = await simulatorFor(engine, { timeScale: 60, deviceCount: DEVICES, ...options }));
}
afterEach(async () => await stop());

/** The first `count` ordinary devices (ws-0001…), named by hostname or ID alternately. */
function tickets(count = 20) {
	return sim.devices
		.slice(0, count)
		.map((device, n) =>
			n % 2
				? { mode: 'id', value: device.id, hostname: device.computerDnsName }
				: { mode: 'hostname', value: device.computerDnsName, hostname: device.computerDnsName },
		);
}

async function releaseAll(
	items: ReturnType<typeof tickets>,
	options: Record<string, unknown> = {},
) {
	return await engine.run(
		defenderWorkflow(items, {
			parameters: {
				device: { __rl: true, mode: '={{ $json.mode }}', value: '={{ $json.value }}' },
				comment: '=Released after review of {{ $json.hostname }}',
				options: { maxRetries: 10, maxWaitSeconds: 3600, ...options },
			},
			onError: 'continueErrorOutput',
		}),
	);
}

/** N in = N out; every success is one Unisolate the simulator created once; every item accounted for. */
function expectNothingLostOrDoubled(
	run: Awaited<ReturnType<typeof releaseAll>>,
	items: ReturnType<typeof tickets>,
) {
	const ok = outputOf(run, 'Defender', 0) ?? [];
	const failed = outputOf(run, 'Defender', 1) ?? [];
	expect(ok.length + failed.length).toBe(items.length);
	const paired = [...ok, ...failed]
		.map((item) => (item.pairedItem as { item: number }).item)
		.sort((a, b) => a - b);
	expect(paired).toEqual(items.map((_, n) => n));
	const perDevice = unisolatesPerDevice(sim);
	for (const item of ok) expect(perDevice.get(String(item.json.machineId))).toBe(1);
	expect([...perDevice.values()].every((count) => count === 1)).toBe(true);
	expect(JSON.stringify(run)).not.toContain(sim.credentials.clientSecret);
	return { ok, failed };
}

/** POSTs for the device after the one the simulator answered 201 (or processed before dropping the connection). */
function postsAfterSuccess(machineId: string) {
	const posts = sim.requests.filter(
		(request) =>
			request.method === 'POST' && request.path === `/api/machines/${machineId}/unisolate`,
	);
	const firstSuccess = posts.findIndex((request) =>
		/^(dropped after )?201$/.test(String(request.status)),
	);
	return firstSuccess === -1 ? 0 : posts.length - firstSuccess - 1;
}

describe('fault matrix (simulator, time scale 60): N items in, N results out, one release per device', () => {
	test('429 storm (30 % of calls, Retry-After 2 s)', async () => {
		await start({ faults: { rate429: 0.3, retryAfterSeconds: 2 } });
		const items = tickets();
		const run = await releaseAll(items);
		const { ok } = expectNothingLostOrDoubled(run, items);
		expect(ok).toHaveLength(items.length);
		expect(sim.stats().status[429]).toBeGreaterThan(0);
		for (const item of ok) expect(postsAfterSuccess(String(item.json.machineId))).toBe(0);
	});

	test('5xx burst', async () => {
		await start({ faults: { burst5xx: { count: 8, status: 503 } } });
		const items = tickets();
		const { ok } = expectNothingLostOrDoubled(await releaseAll(items), items);
		expect(ok).toHaveLength(items.length);
	});

	test('dropped connections, before and after the POST was processed', async () => {
		await start({
			faults: {
				dropRate: 0.2,
				dropAfterProcessing: true,
				only: ['POST /api/machines/:id/unisolate'],
			},
		});
		const items = tickets();
		const { ok } = expectNothingLostOrDoubled(await releaseAll(items), items);
		expect(ok).toHaveLength(items.length);
		expect(
			sim.requests.some((request) => String(request.status).startsWith('dropped after 201')),
		).toBe(true);
		// A lost 201 is resolved by looking the action up, never by posting again.
		for (const item of ok) expect(postsAfterSuccess(String(item.json.machineId))).toBe(0);
	});

	test('slow responses past the timeout (real time: the timeout and the delay are wall-clock)', async () => {
		await start({
			timeScale: 1,
			faults: { slowMs: 1500, slowRate: 0.3, only: ['POST /api/machines/:id/unisolate'] },
		});
		const items = tickets(8);
		const { ok } = expectNothingLostOrDoubled(
			await releaseAll(items, { timeoutSeconds: 1 }),
			items,
		);
		expect(ok).toHaveLength(items.length);
	}, 60_000);

	test('a 401 in the middle of the run: the token is refreshed and the run continues', async () => {
		await start({ faults: { tokenExpireAfterCalls: 12 } });
		const items = tickets();
		const { ok } = expectNothingLostOrDoubled(await releaseAll(items), items);
		expect(ok).toHaveLength(items.length);
		const stats = sim.stats();
		expect(stats.status[401]).toBeGreaterThan(0);
		// One token to start, then one per expiry (n8n refreshes once for all requests that hit the same 401).
		const admitted = stats.apiRequests - stats.status[401];
		expect(stats.tokenRequests).toBeGreaterThan(1);
		expect(stats.tokenRequests).toBeLessThanOrEqual(1 + Math.ceil(admitted / 12));
	});

	test('malformed JSON in a 201', async () => {
		await start({ faults: { malformedRate: 0.3, only: ['POST /api/machines/:id/unisolate'] } });
		const items = tickets();
		const { ok } = expectNothingLostOrDoubled(await releaseAll(items), items);
		expect(ok).toHaveLength(items.length);
		for (const item of ok) expect(postsAfterSuccess(String(item.json.machineId))).toBe(0);
	});

	test('over 100 calls in a minute: the client-side limiter queues, Defender never answers 429', async () => {
		await start({ deviceCount: 120 });
		const items = sim.devices.slice(0, 120).map((device) => ({
			mode: 'hostname',
			value: device.computerDnsName,
			hostname: device.computerDnsName,
		}));
		// 120 releases, 3 batched lookups of 40 names, the snapshot, and reads of the seeded pending isolations: over 124
		// calls, more than Defender allows in a minute.
		const run = await releaseAll(items);
		const { ok } = expectNothingLostOrDoubled(run, items);
		expect(ok).toHaveLength(120);
		const { byRoute, apiRequests } = sim.stats();
		expect(byRoute['GET /api/machines']).toBe(3);
		expect(byRoute['POST /api/machines/:id/unisolate']).toBe(120);
		expect(apiRequests).toBeGreaterThanOrEqual(124);
		expect(sim.stats().status[429] ?? 0).toBe(0);
	});

	test('a response after the execution was cancelled changes nothing', async () => {
		await start({ faults: { slowMs: 300 } });
		const items = tickets(20);
		const execution = engine.start(
			defenderWorkflow(items, {
				parameters: {
					device: { __rl: true, mode: '={{ $json.mode }}', value: '={{ $json.value }}' },
					comment: 'c',
					options: { parallelRequests: 2 },
				},
			}),
		);
		while (!sim.requests.some((request) => request.status === 201)) await sleep(20);
		execution.cancel();
		await execution.catch(() => undefined);
		const requestsAtCancel = sim.requests.length;
		await sleep(1000);
		// At most the requests already in flight complete; nothing new is sent after the cancellation.
		expect(sim.requests.length - requestsAtCancel).toBeLessThanOrEqual(2);
		expect([...unisolatesPerDevice(sim).values()].every((count) => count === 1)).toBe(true);
	});
});

describe('Defender’s documented quirks (simulator, time scale 60)', () => {
	/** Every seeded pending Isolate (every tenth device) finished before the release of its device was created. */
	function expectNoReleaseRacedAnIsolation() {
		for (const device of sim.devices) {
			const actions = sim.actionsOf(device.id);
			const release = actions.find((action) => action.type === 'Unisolate');
			for (const isolate of actions.filter((action) => action.type === 'Isolate')) {
				if (release)
					expect(Date.parse(String(isolate.lastUpdateDateTimeUtc))).toBeLessThanOrEqual(
						Date.parse(String(release.creationDateTimeUtc)),
					);
			}
		}
	}

	test.each([
		['a duplicate echoes the pending action (201)', { echoPendingAction: true }],
		[
			'a release during a pending Isolate would be accepted and overtaken',
			{ acceptWhilePending: true },
		],
	])(
		'%s: the node waits for each pending Isolate, then releases once; every device ends released',
		async (_label, quirks) => {
			await start({ quirks });
			const items = tickets(30);
			const { ok } = expectNothingLostOrDoubled(await releaseAll(items), items);
			expect(ok).toHaveLength(items.length);
			expect(ok.every((item) => item.json.outcome === 'created')).toBe(true);
			expectNoReleaseRacedAnIsolation();
			// The pending Isolates were waited out by reading them, and the tenant was asked once what is pending.
			expect(sim.stats().byRoute['GET /api/machineactions/:id']).toBeGreaterThan(0);
			expect(
				sim.requests.filter(
					(request) =>
						request.path === '/api/machineactions' && request.query.$filter?.startsWith('(type eq'),
				).length,
			).toBe(1);
		},
		60_000,
	);

	test('the token endpoint throttles, fails and drops the connection at first: the run still releases every device once', async () => {
		await start({ quirks: { token: { burst429: 1, burst5xx: 1, burstDrop: 1 } } });
		const items = tickets(6);
		const { ok } = expectNothingLostOrDoubled(await releaseAll(items), items);
		expect(ok).toHaveLength(items.length);
		expect(sim.stats().tokenRequests).toBe(4);
		// A token failure never leaves an action behind: no lookup of a "lost" POST.
		expect(
			sim.requests.filter(
				(request) =>
					request.path === '/api/machineactions' && request.query.$filter?.startsWith('machineId'),
			),
		).toEqual([]);
	});

	test('merged device records: the hostname resolves to the record it was merged into', async () => {
		await start({ quirks: { mergedRecords: true } });
		const items = [
			{
				mode: 'hostname',
				value: 'merged-host.contoso.local',
				hostname: 'merged-host.contoso.local',
			},
		];
		const { ok } = expectNothingLostOrDoubled(await releaseAll(items), items);
		const current = sim.devices.find(
			(device) =>
				device.computerDnsName === 'merged-host.contoso.local' &&
				!('mergedIntoMachineId' in device),
		);
		expect(ok[0].json.machineId).toBe(current?.id);
	});
});
