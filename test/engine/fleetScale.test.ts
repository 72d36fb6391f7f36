import nock from 'nock';

import {
	API,
	apiErrorBody,
	machine,
	machineAction,
	machineId,
	mockTenantActions,
	mockTokens,
	saveCredential,
	unusedMocks,
} from '../helpers/defenderMocks';
import { simulatorFor, unisolatesPerDevice, type Simulator } from '../helpers/simulator';
import { defenderWorkflow, jsonOf, newEngine, type Engine } from '../helpers/workflow';

/** Issue "Fleet-scale bulk": spend the quota on releases, not lookups. */

const byHostnameFromInput = { __rl: true, mode: 'hostname', value: '={{ $json.hostname }}' };

function setup() {
	const engine = newEngine();
	mockTokens(saveCredential(engine).clientId, ['t']);
	mockTenantActions();
	return engine;
}

function releaseByHostname(hostnames: string[], options: object = {}) {
	return defenderWorkflow(
		hostnames.map((hostname) => ({ hostname })),
		{
			parameters: { device: byHostnameFromInput, comment: 'c', options },
			onError: 'continueErrorOutput',
		},
	);
}

const isBatch = (query: Record<string, unknown>) => String(query.$filter).includes(' or ');

describe('hostnames are resolved in batches before acting', () => {
	test('three hostnames: one lookup call, exact names only, each item its own device', async () => {
		const engine = setup();
		const devices = [1, 2, 3].map((n) => machine(machineId(200 + n), `ws-${n}.contoso.com`));
		const lookup = nock(API)
			.get('/api/machines')
			.query(
				(query) =>
					query.$filter ===
					"computerDnsName eq 'ws-1.contoso.com' or computerDnsName eq 'WS-2.contoso.com' or computerDnsName eq 'ws-3.contoso.com'",
			)
			// A lenient server may also return a device of another name: it is never used.
			.reply(200, {
				value: [...devices.reverse(), machine(machineId(299), 'ws-1.contoso.com.evil')],
			});
		for (const device of devices)
			nock(API)
				.post(`/api/machines/${device.id}/unisolate`)
				.reply(201, machineAction({ machineId: device.id }));
		const run = await engine.run(
			releaseByHostname(['ws-1.contoso.com', 'WS-2.contoso.com', 'ws-3.contoso.com']),
		);
		expect(jsonOf(run, 'Defender').map((item) => item.machineId)).toEqual([
			machineId(201),
			machineId(202),
			machineId(203),
		]);
		expect(lookup.isDone()).toBe(true);
		expect(unusedMocks()).toEqual([]);
	});

	test('the per-item errors stay as clear as before: unknown and ambiguous names fail alone, nothing sent for them', async () => {
		const engine = setup();
		nock(API)
			.get('/api/machines')
			.query((query) => isBatch(query))
			.reply(200, {
				value: [
					machine(machineId(211), 'ok.contoso.com'),
					machine(machineId(212), 'dup.contoso.com'),
					machine(machineId(213), 'DUP.contoso.com'),
				],
			});
		nock(API)
			.post(`/api/machines/${machineId(211)}/unisolate`)
			.reply(201, machineAction({ machineId: machineId(211) }));
		const run = await engine.run(
			releaseByHostname(['ok.contoso.com', 'dup.contoso.com', 'ghost.contoso.com']),
		);
		expect(jsonOf(run, 'Defender', 0).map((item) => item.machineId)).toEqual([machineId(211)]);
		const errors = jsonOf(run, 'Defender', 1).map((item) => item.error);
		expect(errors[0]).toMatch(
			/^Device \(By Hostname\): 2 Defender devices are named "dup.contoso.com"/,
		);
		expect(errors[1]).toBe('Device (By Hostname): no Defender device is named "ghost.contoso.com"');
	});

	test.each([
		[
			'400 ODataError',
			400,
			apiErrorBody('ODataError', 'The node count limit of 100 has been exceeded'),
		],
		['414 URI Too Long', 414, '<html>414 Request-URI Too Long</html>'],
	])(
		'a batch refused with %s falls back to per-item lookups, for the rest of the run too',
		async (_label, status, body) => {
			const engine = setup();
			const names = Array.from({ length: 45 }, (_, n) => `ws-${n}.contoso.com`);
			const refused = nock(API)
				.get('/api/machines')
				.query((query) => isBatch(query))
				.reply(status, body);
			const single = nock(API)
				.get('/api/machines')
				.query((query) => !isBatch(query))
				.times(45)
				.reply(200, (uri) => {
					const name = /eq '([^']+)'/.exec(decodeURIComponent(uri))?.[1] as string;
					return { value: [machine(machineId(300 + Number(name.split(/[-.]/)[1])), name)] };
				});
			nock(API)
				.post(/\/api\/machines\/[0-9a-f]{40}\/unisolate/)
				.times(45)
				.reply(201, (uri) => machineAction({ machineId: uri.split('/')[3] }));
			const run = await engine.run(releaseByHostname(names));
			const released = jsonOf(run, 'Defender');
			expect(released).toHaveLength(45);
			expect(released.map((item) => item.machineId)).toEqual(
				names.map((_, n) => machineId(300 + n)),
			);
			// One refused batch (the second is never asked), then one lookup per item.
			expect(refused.isDone() && single.isDone()).toBe(true);
			expect(unusedMocks()).toEqual([]);
		},
	);

	describe('Hostname Matching: Exact or Short Name', () => {
		test('a short name matches the one device whose first DNS label it is', async () => {
			const engine = setup();
			const lookup = nock(API)
				.get('/api/machines')
				.query(
					(query) =>
						query.$filter ===
						"(computerDnsName eq 'ws-0042' or startswith(computerDnsName,'ws-0042.'))",
				)
				.reply(200, { value: [machine(machineId(401), 'ws-0042.contoso.com')] });
			nock(API)
				.post(`/api/machines/${machineId(401)}/unisolate`)
				.reply(201, machineAction({ machineId: machineId(401) }));
			const run = await engine.run(
				releaseByHostname(['ws-0042'], { hostnameMatching: 'exactOrShortName' }),
			);
			expect(jsonOf(run, 'Defender')[0].machineId).toBe(machineId(401));
			expect(lookup.isDone()).toBe(true);
		});

		test('a short name two devices share is an error listing both; nothing is sent', async () => {
			const engine = setup();
			nock(API)
				.get('/api/machines')
				.query(true)
				.reply(200, {
					value: [
						machine(machineId(402), 'ws-0042.contoso.com'),
						machine(machineId(403), 'ws-0042.fabrikam.com'),
					],
				});
			const run = await engine.run(
				releaseByHostname(['ws-0042'], { hostnameMatching: 'exactOrShortName' }),
			);
			const [failure] = jsonOf(run, 'Defender', 1);
			expect(failure.error).toMatch(
				/^Device \(By Hostname\): 2 Defender devices are named "ws-0042" or "ws-0042\.…": /,
			);
			expect(failure.error).toContain(machineId(402));
			expect(failure.error).toContain(machineId(403));
		});

		test('with Exact (the default) a short name matches nothing', async () => {
			const engine = setup();
			nock(API)
				.get('/api/machines')
				.query({ $filter: "computerDnsName eq 'ws-0042'", $top: 10000 })
				.reply(200, { value: [machine(machineId(404), 'ws-0042.contoso.com')] });
			const run = await engine.run(releaseByHostname(['ws-0042']));
			expect(jsonOf(run, 'Defender', 1)[0].error).toBe(
				'Device (By Hostname): no Defender device is named "ws-0042"',
			);
		});
	});
});

describe('Get Isolation State for many items reads the actions of many devices per call', () => {
	test('five devices: one call for all their isolation actions', async () => {
		const engine = newEngine();
		mockTokens(saveCredential(engine).clientId, ['t']);
		const ids = [1, 2, 3, 4, 5].map((n) => machineId(500 + n));
		const read = nock(API)
			.get('/api/machineactions')
			.query(
				(query) =>
					query.$filter ===
					`(${ids.map((id) => `machineId eq '${id}'`).join(' or ')}) and (type eq 'Isolate' or type eq 'Unisolate')`,
			)
			.reply(200, {
				value: [
					machineAction({ machineId: ids[0], type: 'Isolate', status: 'Succeeded' }),
					machineAction({ machineId: ids[1], type: 'Isolate', status: 'Pending' }),
				],
			});
		const run = await engine.run(
			defenderWorkflow(
				ids.map((id) => ({ id })),
				{
					parameters: {
						operation: 'getIsolationState',
						device: { __rl: true, mode: 'id', value: '={{ $json.id }}' },
					},
				},
			),
		);
		expect(jsonOf(run, 'Defender').map((item) => item.isolationState)).toEqual([
			'isolated',
			'isolating',
			'unknown',
			'unknown',
			'unknown',
		]);
		expect(read.isDone()).toBe(true);
		expect(unusedMocks()).toEqual([]);
	});
});

describe('Get Isolated Devices (simulator)', () => {
	let engine: Engine;
	let sim: Simulator;
	let stop: () => Promise<void>;
	afterEach(async () => await stop());

	const getIsolated = (parameters: object = {}) => ({
		...defenderWorkflow([{}], {
			parameters: { operation: 'getIsolatedDevices', returnAll: true, ...parameters },
		}),
	});

	test('over 10,000 actions in two calls: every device still isolated, oldest first, with since, by whom and why', async () => {
		engine = newEngine();
		// 1,003 devices with ten rounds of finished isolate/release history each, plus the seeded incidents: over 10,000 actions.
		({ sim, stop } = await simulatorFor(engine, {
			deviceCount: 1000,
			historyActions: 10_030,
			timeScale: 60,
		}));
		const run = await engine.run(getIsolated());
		const devices = jsonOf(run, 'Defender');
		expect(sim.stats().byRoute['GET /api/machineactions']).toBe(2);
		// The simulator's seeded incidents: every third device isolated two days ago, every tenth with an isolation pending.
		const isolated = sim.devices.filter((_, n) => (n + 1) % 3 === 0 && (n + 1) % 10 !== 0);
		const isolating = sim.devices.filter((_, n) => (n + 1) % 10 === 0);
		expect(
			devices
				.filter((device) => device.isolationState === 'isolated')
				.map((device) => device.machineId)
				.sort(),
		).toEqual(isolated.map((device) => device.id).sort());
		expect(devices.filter((device) => device.isolationState === 'isolating')).toHaveLength(
			isolating.length,
		);
		expect(devices[0]).toMatchObject({
			requestor: 'soc@contoso.com',
			comment: 'Seeded: isolated during an incident',
			isolationType: 'Full',
		});
		expect(Date.parse(String(devices[0].since))).toBeLessThanOrEqual(
			Date.parse(String(devices.at(-1)?.since)),
		);
	}, 60_000);

	test('filters, then Release From Isolation releases exactly the devices listed', async () => {
		engine = newEngine();
		({ sim, stop } = await simulatorFor(engine, { deviceCount: 30, pageSize: 7, timeScale: 60 }));
		const workflow = getIsolated({
			filters: {
				states: ['isolated'],
				isolatedBefore: new Date(sim.now() - 86_400_000).toISOString(),
			},
		});
		const listed = jsonOf(await engine.run(workflow), 'Defender');
		// Paged by 7: every page was followed.
		expect(sim.stats().byRoute['GET /api/machineactions']).toBeGreaterThan(1);
		expect(listed.map((device) => device.machineId).sort()).toEqual(
			sim.devices
				.filter((_, n) => (n + 1) % 3 === 0 && (n + 1) % 10 !== 0)
				.map((device) => device.id)
				.sort(),
		);
		const release = await engine.run(
			defenderWorkflow(listed, {
				parameters: {
					device: { __rl: true, mode: 'id', value: '={{ $json.machineId }}' },
					comment: '=Released: isolated since {{ $json.since }}',
				},
			}),
		);
		expect(jsonOf(release, 'Defender').every((item) => item.outcome === 'created')).toBe(true);
		expect([...unisolatesPerDevice(sim).keys()].sort()).toEqual(
			listed.map((device) => device.machineId).sort(),
		);
	}, 60_000);
});
