'use strict';
/**
 * One benchmark run in its own process (so its CPU time is the node's and the engine's, not the simulator's):
 * releases the devices listed in the job file through n8n's engine, with either this node or the baseline, on the
 * simulator's scaled clock, and prints a JSON result line.
 *   node bench/releaseRun.js <job.json>
 */
const { outputOf } = require('../tooling/engine');
const { jobEngine } = require('./jobEngine');
const { naiveRelease } = require('./naiveRelease');

async function main() {
	const { job, sim, simNow, engine } = jobEngine(process.argv[2], {
		'bench.naiveRelease': naiveRelease,
	});
	const { timeScale } = job;
	const nodeRelease = (device) => ({
		type: 'n8n-nodes-defender-for-endpoint.defenderForEndpoint',
		parameters: {
			resource: 'device',
			operation: 'releaseFromIsolation',
			device,
			comment: 'Released by the benchmark',
			options: { maxWaitSeconds: 7200 },
		},
		onError: 'continueRegularOutput',
	});
	const nodes = {
		// One item per device, named by ID or by hostname.
		node: nodeRelease({ __rl: true, mode: 'id', value: '={{ $json.id }}' }),
		byHostname: nodeRelease({ __rl: true, mode: 'hostname', value: '={{ $json.hostname }}' }),
		baseline: {
			type: 'bench.naiveRelease',
			parameters: { apiBaseUrl: sim.apiBaseUrl },
			// n8n's "Retry On Fail": up to 5 tries, a fixed wait of 5 simulated seconds between them.
			retryOnFail: true,
			maxTries: 5,
			waitBetweenTries: Math.round(5000 / timeScale),
		},
	};
	const credentials = { defenderForEndpointOAuth2Api: { id: 'simulator', name: 'sim' } };
	const inputItems = job.variant === 'isolated' ? [{}] : job.devices;
	const workflowNodes = [
		{
			id: '1',
			name: 'Devices',
			type: 'fixture.items',
			typeVersion: 1,
			position: [0, 0],
			parameters: { items: JSON.stringify(inputItems) },
		},
	];
	const connections = {};
	if (job.variant === 'isolated') {
		// Get Isolated Devices → Release From Isolation of every device it lists, by ID.
		workflowNodes.push({
			id: '3',
			name: 'Isolated',
			type: 'n8n-nodes-defender-for-endpoint.defenderForEndpoint',
			typeVersion: 1,
			position: [100, 0],
			credentials,
			parameters: {
				resource: 'device',
				operation: 'getIsolatedDevices',
				returnAll: true,
				options: { maxWaitSeconds: 7200 },
			},
		});
		connections.Devices = { main: [[{ node: 'Isolated', type: 'main', index: 0 }]] };
		connections.Isolated = { main: [[{ node: 'Release', type: 'main', index: 0 }]] };
	} else {
		connections.Devices = { main: [[{ node: 'Release', type: 'main', index: 0 }]] };
	}
	const release =
		job.variant === 'isolated'
			? nodeRelease({ __rl: true, mode: 'id', value: '={{ $json.machineId }}' })
			: nodes[job.variant];
	workflowNodes.push({
		id: '2',
		name: 'Release',
		typeVersion: 1,
		position: [200, 0],
		credentials,
		...release,
	});
	const workflow = { nodes: workflowNodes, connections };

	const cpuBefore = process.cpuUsage();
	const startedSim = simNow();
	const run = await engine.run(workflow);
	const finishedSim = simNow();
	const cpu = process.cpuUsage(cpuBefore);
	const items = outputOf(run, 'Release') ?? [];
	process.stdout.write(
		`${JSON.stringify({
			simulatedSeconds: (finishedSim - startedSim) / 1000,
			cpuMs: (cpu.user + cpu.system) / 1000,
			// Items the Release node was given: the devices, or what Get Isolated Devices listed.
			expected:
				job.variant === 'isolated' ? (outputOf(run, 'Isolated') ?? []).length : inputItems.length,
			succeeded: items.filter((item) => !item.json.error).length,
			failed: items.filter((item) => item.json.error).length,
			workflowError: run.data.resultData.error?.message ?? null,
		})}\n`,
	);
}

main().catch((error) => {
	console.error(error);
	process.exitCode = 1;
});
