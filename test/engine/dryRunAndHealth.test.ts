import type { IDataObject } from 'n8n-workflow';
import nock from 'nock';

import {
	API,
	apiErrorBody,
	machineAction,
	mockTenantActions,
	mockTokens,
	saveCredential,
	unusedMocks,
} from '../helpers/defenderMocks';
import { simulatorFor, type Simulator } from '../helpers/simulator';
import { defenderWorkflow, jsonOf, newEngine, runError, type Engine } from '../helpers/workflow';

/** Issue #19: Dry Run, device health, and Action Center › Get for many items in batches. */

let engine: Engine;
let sim: Simulator;
let stop: () => Promise<void>;

afterEach(async () => await stop?.());

const byHostnameFromItem = { __rl: true, mode: 'hostname', value: '={{ $json.hostname }}' };
const byIdFromItem = { __rl: true, mode: 'id', value: '={{ $json.id }}' };
const host = (n: number) => `ws-${String(n).padStart(4, '0')}.contoso.local`;
const deviceNamed = (name: string) =>
	sim.devices.find((device) => device.computerDnsName === name) as Simulator['devices'][number] &
		IDataObject;
const posts = () =>
	sim.requests.filter((request) => request.method === 'POST' && request.path.startsWith('/api/'));
const apiCalls = () => sim.requests.filter((request) => request.path.startsWith('/api/'));

function run(items: IDataObject[], parameters: IDataObject) {
	return defenderWorkflow(items, {
		parameters: { comment: 'Released after INC-19', ...parameters },
		onError: 'continueErrorOutput',
	});
}

describe('3. Dry Run: planned and checked as a real run, nothing sent', () => {
	test('release by hostname: per-device truth (isolated, isolating, unknown, a release already pending), ambiguous names still errors, no POST', async () => {
		engine = newEngine();
		({ sim, stop } = await simulatorFor(engine));
		// A release already under way on ws-0006 (isolated): a real run would adopt it, so a dry run would not send.
		const released = await engine.run(run([{ hostname: host(6) }], { device: byHostnameFromItem }));
		const pendingRelease = jsonOf(released, 'Defender')[0];
		expect(pendingRelease).toMatchObject({ outcome: 'created', status: 'Pending' });
		const before = { posts: posts().length, calls: apiCalls().length };

		const names = [host(3), host(10), host(1), host(6), 'dup-host.contoso.local'];
		const dry = await engine.run(
			run(
				names.map((hostname) => ({ hostname })),
				{ device: byHostnameFromItem, options: { dryRun: true } },
			),
		);
		expect(posts()).toHaveLength(before.posts);
		// One batched name lookup, one batched read of the devices' isolation actions (the snapshot may be reused).
		expect(apiCalls().length - before.calls).toBeLessThanOrEqual(3);
		const [isolated, isolating, unknown, pending] = jsonOf(dry, 'Defender');
		const device3 = deviceNamed(host(3));
		expect(isolated).toEqual({
			dryRun: true,
			type: 'Unisolate',
			wouldSend: true,
			isolationState: 'isolated',
			reason: 'would release',
			machineId: device3.id,
			computerDnsName: host(3),
			healthStatus: device3.healthStatus,
			lastSeen: device3.lastSeen,
		});
		expect(isolating).toMatchObject({ wouldSend: true, isolationState: 'isolating' });
		expect(isolating.reason).toMatch(
			/^would release; an Isolate is pending and would be waited out first: action [0-9a-f-]{36}$/,
		);
		expect(unknown).toMatchObject({
			wouldSend: true,
			isolationState: 'unknown',
			reason: 'would release; no action history: state unknown',
		});
		expect(pending).toMatchObject({
			wouldSend: false,
			isolationState: 'releasing',
			reason: `a release is already pending: action ${pendingRelease.id} by ${sim.credentials.clientId}`,
			pendingActionId: pendingRelease.id,
		});
		const [ambiguous] = jsonOf(dry, 'Defender', 1);
		expect(ambiguous.error).toMatch(/2 Defender devices are named "dup-host.contoso.local"/);
	}, 30_000);

	test('by ID: the devices are read in one batched call (name, health, last seen); an unknown ID is an error; no POST', async () => {
		engine = newEngine();
		({ sim, stop } = await simulatorFor(engine, { seedActions: false }));
		const devices = [1, 2, 4].map((n) => deviceNamed(host(n)));
		const items = [...devices.map((device) => ({ id: device.id })), { id: 'f'.repeat(40) }];
		const dry = await engine.run(run(items, { device: byIdFromItem, options: { dryRun: true } }));
		expect(posts()).toEqual([]);
		expect(jsonOf(dry, 'Defender')).toEqual(
			devices.map((device) =>
				expect.objectContaining({
					machineId: device.id,
					computerDnsName: device.computerDnsName,
					healthStatus: device.healthStatus,
					lastSeen: device.lastSeen,
					wouldSend: true,
				}),
			),
		);
		expect(
			sim.requests.filter(
				(request) => request.path === '/api/machines' && /^id eq/.test(request.query.$filter),
			),
		).toHaveLength(1);
		const [unknownId] = jsonOf(dry, 'Defender', 1);
		expect(unknownId.error).toBeDefined();
		// Snapshot, isolation actions, devices, and the unknown ID's own read: a small fraction of a call per device.
		expect(apiCalls().length).toBeLessThanOrEqual(4);
	}, 30_000);

	test('Isolate: an isolation already pending would not be sent; an isolated device would be isolated again', async () => {
		engine = newEngine();
		({ sim, stop } = await simulatorFor(engine));
		const dry = await engine.run(
			run([{ hostname: host(10) }, { hostname: host(3) }], {
				operation: 'isolate',
				isolationType: 'Full',
				device: byHostnameFromItem,
				options: { dryRun: true },
			}),
		);
		expect(posts()).toEqual([]);
		const [pending, isolated] = jsonOf(dry, 'Defender');
		expect(pending).toMatchObject({
			type: 'Isolate',
			wouldSend: false,
			isolationState: 'isolating',
		});
		expect(pending.reason).toMatch(
			/^an isolation is already pending: action [0-9a-f-]{36} by soc@contoso\.com$/,
		);
		expect(isolated).toMatchObject({
			type: 'Isolate',
			wouldSend: true,
			isolationState: 'isolated',
			reason: 'would isolate',
		});
	}, 30_000);
});

describe('4. device health', () => {
	test('Wait for Completion on the simulator: inactive devices hold their release; they time out naming their last seen, the others complete', async () => {
		engine = newEngine();
		({ sim, stop } = await simulatorFor(engine, {
			seedActions: false,
			timeScale: 60,
			quirks: { holdWhileInactive: true },
		}));
		const names = [1, 2, 3, 4, 5, 6].map(host);
		const result = await engine.run(
			run(
				names.map((hostname) => ({ hostname })),
				{ device: byHostnameFromItem, waitForCompletion: true, maxCompletionWaitSeconds: 120 },
			),
		);
		expect(runError(result)).toBeUndefined();
		for (const item of jsonOf(result, 'Defender')) {
			const device = deviceNamed(String(item.computerDnsName));
			expect(item).toMatchObject({ healthStatus: device.healthStatus, lastSeen: device.lastSeen });
			if (device.healthStatus === 'Active')
				expect(item).toMatchObject({ completion: 'completed', status: 'Succeeded' });
			else {
				expect(item).toMatchObject({ completion: 'timedOut', status: 'Pending' });
				expect(item.reason).toContain(
					`the device is ${device.healthStatus} and was last seen ${device.lastSeen}`,
				);
			}
		}
		expect(
			jsonOf(result, 'Defender').filter((item) => item.completion === 'timedOut'),
		).toHaveLength(2);
		// Status reads: batched for the six actions, never one poll per item.
		const statusReads = sim.requests.filter(
			(request) =>
				request.path.startsWith('/api/machineactions') &&
				request.query.$filter?.startsWith('id eq') !== false,
		);
		expect(statusReads.length).toBeLessThan(12);
	}, 60_000);
});

describe('2. Action Center › Get for many items: read in batches', () => {
	test('three IDs: one batched list call; an ID the batch did not answer is read by its item', async () => {
		stop = async () => undefined;
		engine = newEngine();
		mockTokens(saveCredential(engine).clientId, ['t']);
		mockTenantActions();
		const [a, b] = [machineAction(), machineAction()];
		const missing = '0b5a3c1e-0000-4000-8000-000000000019';
		const list = nock(API)
			.get('/api/machineactions')
			.query(
				(query) => query.$filter === `id eq '${a.id}' or id eq '${b.id}' or id eq '${missing}'`,
			)
			.reply(200, { value: [b, a] });
		nock(API)
			.get(`/api/machineactions/${missing}`)
			.reply(404, apiErrorBody('ResourceNotFound', `MachineAction ${missing} was not found`));
		const result = await engine.run(
			defenderWorkflow([{ id: a.id }, { id: b.id }, { id: missing }], {
				parameters: {
					resource: 'machineAction',
					operation: 'get',
					machineActionId: '={{ $json.id }}',
				},
				onError: 'continueErrorOutput',
			}),
		);
		expect(jsonOf(result, 'Defender').map((item) => item.id)).toEqual([a.id, b.id]);
		expect(jsonOf(result, 'Defender', 1)).toHaveLength(1);
		expect(list.isDone()).toBe(true);
		expect(unusedMocks()).toEqual([]);
	});
});
