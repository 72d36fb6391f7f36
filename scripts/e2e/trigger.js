'use strict';
/**
 * The trigger in a running n8n (`n8n start`): examples/trigger-device-released.json with every event, published;
 * devices isolated and released at the simulator while n8n runs and while it is down, n8n restarted between events
 * (each start polls at once, then every minute). Every execution posts its items to a collector on 127.0.0.1; each
 * event must arrive exactly once.
 */
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

const cli = require('../lib/n8n-cli');
const services = require('../lib/services');
const { sleep, waitForHealth } = require('../lib/wait');
const { readExample, CREDENTIAL_TYPE } = require('../lib/workflows');
const { check, CREDENTIAL, checkProcess, n8nRun } = require('./common');

const WORKFLOW_ID = 'e2eTriggerReleased';
const TRIGGER = 'Defender for Endpoint Trigger';

/** Records what the workflow's HTTP Request node posts: one body per event item. */
async function startCollector() {
	const received = [];
	const server = http.createServer((request, response) => {
		let body = '';
		request.on('data', (chunk) => (body += chunk));
		request.on('end', () => {
			try {
				received.push(JSON.parse(body));
			} catch {
				received.push({ unreadable: body });
			}
			response.end('{}');
		});
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${server.address().port}/event`,
		received,
		close: () => new Promise((resolve) => server.close(resolve)),
	};
}

/** The example, every event, its credential the imported one, and an HTTP Request node posting each item to the collector. */
function triggerWorkflow(collectorUrl) {
	const workflow = readExample('trigger-device-released.json');
	workflow.id = WORKFLOW_ID;
	const trigger = workflow.nodes.find((node) => node.name === TRIGGER);
	trigger.parameters.events = [
		'deviceIsolated',
		'deviceReleased',
		'isolationOrReleaseFailed',
		'isolationOrReleaseRequested',
	];
	trigger.credentials = { [CREDENTIAL_TYPE]: CREDENTIAL };
	workflow.nodes.push({
		id: 'collector',
		name: 'Report to the test',
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		position: [220, 200],
		parameters: {
			method: 'POST',
			url: collectorUrl,
			sendBody: true,
			specifyBody: 'json',
			jsonBody:
				'={{ JSON.stringify({ event: $json.event, actionId: $json.machineAction.id, deviceId: $json.deviceId, execution: $execution.id }) }}',
			options: {},
		},
	});
	workflow.connections[TRIGGER].main[0].push({
		node: 'Report to the test',
		type: 'main',
		index: 0,
	});
	return workflow;
}

/** Isolates or releases a device at the simulator as another client would (a token of its own). */
async function actAtSimulator(t, deviceId, verb) {
	const form = new URLSearchParams({
		grant_type: 'client_credentials',
		client_id: t.simCredentials.clientId,
		client_secret: t.secret,
		scope: t.sim.scope,
	});
	const token = await fetch(t.sim.tokenUrl, { method: 'POST', body: form }).then((response) =>
		response.json(),
	);
	const response = await fetch(`${t.sim.apiBaseUrl}/api/machines/${deviceId}/${verb}`, {
		method: 'POST',
		headers: { authorization: `Bearer ${token.access_token}`, 'content-type': 'application/json' },
		body: JSON.stringify({
			Comment: `INC-20 ${verb} from the e2e`,
			...(verb === 'isolate' ? { IsolationType: 'Full' } : {}),
		}),
	});
	const action = await response.json();
	if (response.status !== 201)
		throw new Error(
			`simulator ${verb} ${deviceId}: HTTP ${response.status} ${JSON.stringify(action)}`,
		);
	return action.id;
}

const triggerPolls = (t) =>
	t.sim.requests.filter(
		(request) =>
			request.path === '/api/machineactions' &&
			/creationDateTimeUtc ge/.test(request.query.$filter ?? ''),
	).length;

async function waitFor(condition, timeoutMs, label) {
	const giveUpAt = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > giveUpAt) throw new Error(`${label}: not within ${timeoutMs / 1000} s`);
		await sleep(250);
	}
}

/** One `n8n start`: up, its activation poll done (and, when given, the items expected by then received). */
async function startN8n(t, env, label, until) {
	const polls = triggerPolls(t);
	const main = services.startProcess(t.n8n.node, [t.n8n.bin, 'start'], {
		env,
		cwd: t.userFolder,
		logFile: path.join(t.temp, 'trigger-n8n.log'),
	});
	await waitForHealth(`http://127.0.0.1:${env.N8N_PORT}/healthz`, `n8n start (${label})`, main);
	await waitFor(() => triggerPolls(t) > polls, 60_000, `${label}: the trigger's activation poll`);
	if (until) await waitFor(until, 60_000, label);
	return main;
}

/** Each expected event exactly once, nothing else, and the number of executions that carried them. */
function checkEvents(received, expected) {
	const keys = received.map((item) => `${item.event} ${item.actionId}`);
	for (const key of expected) {
		const count = keys.filter((candidate) => candidate === key).length;
		check(
			count === 1,
			`trigger: ${key.split(' ')[0]} for action ${key.split(' ')[1].slice(0, 8)}… arrived exactly once`,
			{ count },
		);
	}
	const unexpected = keys.filter((key) => !expected.includes(key));
	check(
		unexpected.length === 0,
		`trigger: no other event arrived (${received.length} items in ${new Set(received.map((item) => item.execution)).size} executions)`,
		unexpected,
	);
}

/** The scenario: first activation, events between restarts, while n8n was down, and on the minute poll. */
async function triggerAcrossRestarts(t) {
	const collector = await startCollector();
	const env = {
		...t.env,
		N8N_PORT: String(await cli.freePort()),
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_SECURE_COOKIE: 'false',
		N8N_DISABLED_MODULES: 'mcp-registry',
	};
	const file = path.join(t.temp, 'trigger-workflow.json');
	fs.writeFileSync(file, JSON.stringify([triggerWorkflow(collector.url)], null, 2));
	let main;
	try {
		checkProcess(
			'n8n import:workflow (trigger)',
			await n8nRun(t, 'import:workflow trigger', ['import:workflow', `--input=${file}`]),
		);
		checkProcess(
			'n8n publish:workflow (trigger)',
			await n8nRun(t, 'publish:workflow trigger', ['publish:workflow', `--id=${WORKFLOW_ID}`]),
		);
		const [a, b] = t.sim.devices.slice(-4, -2);
		const got = (n) => () => collector.received.length >= n;

		main = await startN8n(t, env, 'first start');
		await sleep(2_000);
		check(
			collector.received.length === 0,
			'trigger: the first activation emits nothing from history (seeded and earlier actions)',
			collector.received,
		);
		const isolateA = await actAtSimulator(t, a.id, 'isolate');
		await sleep(3_500);
		await main.stop();
		main = await startN8n(t, env, 'restart 1', got(2));
		await main.stop();
		// While n8n is down.
		const releaseA = await actAtSimulator(t, a.id, 'unisolate');
		const isolateB = await actAtSimulator(t, b.id, 'isolate');
		main = await startN8n(t, env, 'restart 2', got(6));
		// While it runs: the every-minute poll, no restart.
		const releaseB = await actAtSimulator(t, b.id, 'unisolate');
		await waitFor(got(8), 100_000, 'the minute poll');
		await main.stop();
		main = await startN8n(t, env, 'restart 3');
		await sleep(3_000);
		const requested = (id) => `isolationOrReleaseRequested ${id}`;
		checkEvents(collector.received, [
			requested(isolateA),
			`deviceIsolated ${isolateA}`,
			requested(releaseA),
			`deviceReleased ${releaseA}`,
			requested(isolateB),
			`deviceIsolated ${isolateB}`,
			requested(releaseB),
			`deviceReleased ${releaseB}`,
		]);
	} finally {
		await main?.stop();
		await collector.close();
		const log = path.join(t.temp, 'trigger-n8n.log');
		if (fs.existsSync(log))
			t.transcript.push({
				label: 'n8n start (trigger)',
				stdout: fs.readFileSync(log, 'utf8'),
				stderr: '',
				ms: 0,
			});
	}
}

module.exports = { triggerAcrossRestarts };
