'use strict';
/**
 * One benchmark run in its own process (so its CPU time is the node's and the engine's, not the simulator's):
 * releases the devices listed in the job file through n8n's engine, with either this node or the baseline, on the
 * simulator's scaled clock, and prints a JSON result line.
 *   node bench/releaseRun.js <job.json>
 */
const fs = require('node:fs');
const path = require('node:path');

const { createEngine, outputOf } = require('../tooling/engine');
const { simulatedClock } = require('../tooling/simulatedTime');
const { simulatorCredential } = require('../tooling/simulatorCredential');
const { naiveRelease } = require('./naiveRelease');

const dist = path.join(__dirname, '..', 'dist');
const { DefenderForEndpoint } = require(path.join(dist, 'nodes/DefenderForEndpoint/DefenderForEndpoint.node.js'));
const { DefenderForEndpointOAuth2Api } = require(path.join(dist, 'credentials/DefenderForEndpointOAuth2Api.credentials.js'));
const transport = require(path.join(dist, 'nodes/DefenderForEndpoint/v1/transport/index.js'));

async function main() {
	const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
	const { sim, timeScale } = job;
	// The simulator runs in the parent process; its clock is a function of its epoch and the time scale.
	const simNow = () => sim.epochMs + (Date.now() - sim.epochMs) * timeScale;
	transport.useClock(simulatedClock({ now: simNow }, timeScale));

	const engine = createEngine({
		nodeTypes: { 'n8n-nodes-defender-for-endpoint.defenderForEndpoint': new DefenderForEndpoint(), 'bench.naiveRelease': naiveRelease },
		credentialTypes: { defenderForEndpointOAuth2Api: new DefenderForEndpointOAuth2Api() },
	});
	engine.credentialsHelper.save('simulator', 'defenderForEndpointOAuth2Api', simulatorCredential(sim));
	const release =
		job.variant === 'node'
			? {
					type: 'n8n-nodes-defender-for-endpoint.defenderForEndpoint',
					parameters: {
						resource: 'device',
						operation: 'releaseFromIsolation',
						device: { __rl: true, mode: 'id', value: '={{ $json.id }}' },
						comment: 'Released by the benchmark',
						options: { maxWaitSeconds: 7200 },
					},
					onError: 'continueRegularOutput',
				}
			: {
					type: 'bench.naiveRelease',
					parameters: { apiBaseUrl: sim.apiBaseUrl },
					// n8n's "Retry On Fail": up to 5 tries, a fixed wait of 5 simulated seconds between them.
					retryOnFail: true,
					maxTries: 5,
					waitBetweenTries: Math.round(5000 / timeScale),
				};
	const workflow = {
		nodes: [
			{ id: '1', name: 'Devices', type: 'fixture.items', typeVersion: 1, position: [0, 0], parameters: { items: JSON.stringify(job.ids.map((id) => ({ id }))) } },
			{ id: '2', name: 'Release', typeVersion: 1, position: [200, 0], credentials: { defenderForEndpointOAuth2Api: { id: 'simulator', name: 'sim' } }, ...release },
		],
		connections: { Devices: { main: [[{ node: 'Release', type: 'main', index: 0 }]] } },
	};

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
