import type { IDataObject } from 'n8n-workflow';
import { sleep } from 'n8n-workflow';

import { delegatedSimulatorFor, type Simulator } from '../helpers/simulator';
import {
	eventKeys,
	itemsOf,
	newTriggerEngine,
	triggerWorkflow,
	type TriggerEngine,
} from '../helpers/trigger';
import { defenderWorkflow, jsonOf, runError } from '../helpers/workflow';

/** Issue #20 with the delegated credential, against the simulator (Entra's sign-in and Defender's device groups). */

let engine: TriggerEngine;
let sim: Simulator;
let stop: (() => Promise<void>) | undefined;
let stored: IDataObject = {};
afterEach(async () => {
	await stop?.();
	stop = undefined;
});

const trigger = triggerWorkflow(
	{ events: ['deviceIsolated', 'deviceReleased', 'isolationOrReleaseRequested'] },
	'delegated',
);

async function poll() {
	const outcome = await engine.poll(trigger, { staticData: stored });
	stored = JSON.parse(JSON.stringify(outcome.staticData)) as IDataObject;
	return itemsOf(outcome);
}

function act(operation: 'isolate' | 'releaseFromIsolation', deviceId: string) {
	const parameters = {
		operation,
		device: { __rl: true, mode: 'id', value: deviceId },
		comment: `INC-20 ${operation}`,
		...(operation === 'isolate' ? { isolationType: 'Full' } : {}),
	};
	return defenderWorkflow([{}], { signIn: 'delegated', parameters });
}

test('delegated: the analyst’s isolation and release each start the workflow once, with the renewed token', async () => {
	engine = newTriggerEngine();
	({ sim, stop } = await delegatedSimulatorFor(engine, {
		seedActions: false,
		actionTimeline: { pendingSeconds: 0, inProgressSeconds: 1 },
	}));
	stored = {};
	expect(await poll()).toEqual([]);
	const device = sim.devices.find((candidate) => candidate.rbacGroupName === 'SOC devices')!;

	const isolated = await engine.run(act('isolate', device.id));
	expect(runError(isolated)).toBeUndefined();
	const actionId = String(jsonOf(isolated, 'Released')[0].id);
	const requested = await poll();
	expect(eventKeys(requested)).toEqual([`isolationOrReleaseRequested ${actionId}`]);
	expect(requested[0]).toMatchObject({
		deviceId: device.id,
		deviceName: device.computerDnsName,
		machineAction: { requestor: 'analyst@contoso.com', scope: 'Full' },
	});

	await sleep(1_500);
	sim.expireTokens();
	expect(eventKeys(await poll())).toEqual([`deviceIsolated ${actionId}`]);
	expect(
		sim.requests.filter((request) => request.body?.grant_type === 'refresh_token'),
	).toHaveLength(1);

	const released = await engine.run(act('releaseFromIsolation', device.id));
	expect(runError(released)).toBeUndefined();
	const releaseId = String(jsonOf(released, 'Released')[0].id);
	await sleep(1_500);
	expect(eventKeys(await poll())).toEqual([
		`isolationOrReleaseRequested ${releaseId}`,
		`deviceReleased ${releaseId}`,
	]);
	expect(await poll()).toEqual([]);
	expect(sim.leaksToken(JSON.stringify(stored))).toBe(false);
});
