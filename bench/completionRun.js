'use strict';
/**
 * One completion-benchmark run in its own process: Release From Isolation of the job's devices through n8n's engine
 * on the simulator's scaled clock — by ID or by hostname, with or without Wait for Completion, or as a Dry Run — and
 * prints a JSON result line. Driven by bench/completion.js.
 *   node bench/completionRun.js <job.json>
 */
const { outputOf } = require('../tooling/engine');
const { jobEngine } = require('./jobEngine');

async function main() {
	const { job, simNow, engine } = jobEngine(process.argv[2]);
	const device = job.byHostname
		? { __rl: true, mode: 'hostname', value: '={{ $json.hostname }}' }
		: { __rl: true, mode: 'id', value: '={{ $json.id }}' };
	const workflow = {
		nodes: [
			{
				id: '1',
				name: 'Devices',
				type: 'fixture.items',
				typeVersion: 1,
				position: [0, 0],
				parameters: { items: JSON.stringify(job.devices) },
			},
			{
				id: '2',
				name: 'Release',
				type: 'n8n-nodes-defender-for-endpoint.defenderForEndpoint',
				typeVersion: 1,
				position: [200, 0],
				credentials: { defenderForEndpointOAuth2Api: { id: 'simulator', name: 'sim' } },
				parameters: {
					resource: 'device',
					operation: 'releaseFromIsolation',
					device,
					comment: 'Released by the benchmark',
					waitForCompletion: job.wait,
					maxCompletionWaitSeconds: 3600,
					options: { maxWaitSeconds: 7200, dryRun: job.dryRun },
				},
				onError: 'continueRegularOutput',
			},
		],
		connections: { Devices: { main: [[{ node: 'Release', type: 'main', index: 0 }]] } },
	};
	const startedSim = simNow();
	const run = await engine.run(workflow);
	const items = (outputOf(run, 'Release') ?? []).map((item) => item.json);
	process.stdout.write(
		`${JSON.stringify({
			simulatedSeconds: (simNow() - startedSim) / 1000,
			expected: job.devices.length,
			succeeded: items.filter((item) => !item.error).length,
			failed: items.filter((item) => item.error).length,
			completed: items.filter((item) => item.completion === 'completed').length,
			timedOut: items.filter((item) => item.completion === 'timedOut').length,
			wouldSend: items.filter((item) => item.wouldSend === true).length,
			firstError:
				items.find((item) => item.error)?.error ?? run.data.resultData.error?.message ?? null,
		})}\n`,
	);
}

main().catch((error) => {
	console.error(error);
	process.exitCode = 1;
});
