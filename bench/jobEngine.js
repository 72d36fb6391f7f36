'use strict';
/**
 * What every benchmark run process starts with: the job file (devices, time scale, the simulator's URLs and
 * credentials), the node built in dist/ on the simulator's scaled clock, and n8n's engine with the credential saved
 * as "simulator".
 */
const fs = require('node:fs');
const path = require('node:path');

const { createEngine } = require('../tooling/engine');
const { simulatedClock } = require('../tooling/simulatedTime');
const { simulatorCredential } = require('../tooling/simulatorCredential');

const dist = path.join(__dirname, '..', 'dist');
const { DefenderForEndpoint } = require(
	path.join(dist, 'nodes/DefenderForEndpoint/DefenderForEndpoint.node.js'),
);
const { DefenderForEndpointOAuth2Api } = require(
	path.join(dist, 'credentials/DefenderForEndpointOAuth2Api.credentials.js'),
);

function jobEngine(jobFile, extraNodeTypes = {}) {
	const job = JSON.parse(fs.readFileSync(jobFile, 'utf8'));
	const { sim, timeScale } = job;
	// The simulator runs in the parent process; its clock is a function of its epoch and the time scale.
	const simNow = () => sim.epochMs + (Date.now() - sim.epochMs) * timeScale;
	const clock = simulatedClock({ now: simNow }, timeScale);
	const engine = createEngine({
		nodeTypes: {
			'n8n-nodes-defender-for-endpoint.defenderForEndpoint': new DefenderForEndpoint({ clock }),
			...extraNodeTypes,
		},
		credentialTypes: { defenderForEndpointOAuth2Api: new DefenderForEndpointOAuth2Api() },
	});
	engine.credentialsHelper.save(
		'simulator',
		'defenderForEndpointOAuth2Api',
		simulatorCredential(sim),
	);
	return { job, sim, timeScale, simNow, engine };
}

module.exports = { jobEngine };
