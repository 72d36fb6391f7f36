#!/usr/bin/env node
'use strict';
/**
 * n8n's queue mode, for real (npm run test:queue [-- --workers N --executions N --concurrency N]):
 *   1. Redis and PostgreSQL from Debian's packages (.ci/run installs them) on 127.0.0.1, free ports, data in a
 *      temporary folder; the pinned n8n CLI (scripts/lib/n8n-cli.js) with this package installed as a community
 *      package in a user folder that every n8n process shares;
 *   2. a credential for the Defender simulator and a webhook workflow (Webhook → Release From Isolation by ID),
 *      imported and published; n8n main plus N workers (`n8n worker --concurrency=C`);
 *   3. E webhook calls fired at once, each naming another device; halfway through, every access token expires
 *      (a 401 storm);
 *   4. asserts: E executions succeeded, each device released exactly once and none never, Defender's quota held,
 *      at most one token request per worker for the first token and one per worker for the expiry;
 *      reports: calls answered 429, peak calls in any 60 s, first → last release against the quota's bound.
 * Everything started is stopped at the end, also on failure or Ctrl-C. Real time throughout: Defender's quota
 * windows are real minutes, so a run takes a few minutes. Prints a result line `queue: …` for BENCHMARKS.md.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const cli = require('./lib/n8n-cli');
const services = require('./lib/services');
const { createReport, seconds, clip } = require('./lib/checks');
const { buildIfStale, pack } = require('./lib/package-tarball');

const { REPO_ROOT } = cli;
const NODE_TYPE = 'n8n-nodes-defender-for-endpoint.defenderForEndpoint';
const CREDENTIAL_TYPE = 'defenderForEndpointOAuth2Api';
const CREDENTIAL = { id: 'queueSimulator', name: 'Defender (simulator, queue test)' };
const WORKFLOW_ID = 'queueModeRelease';
const WEBHOOK_PATH = 'release-device';
const MINUTE = 60_000;
const PER_MINUTE = 100;

function parseArgs(argv) {
	const options = { workers: 3, executions: 250, concurrency: 10 };
	for (let i = 0; i < argv.length; i++) {
		const name = argv[i].replace(/^--/, '');
		if (!(name in options)) throw new Error(`unknown option ${argv[i]} (known: --workers, --executions, --concurrency)`);
		const value = Number(argv[++i]);
		if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} needs a positive integer`);
		options[name] = value;
	}
	return options;
}

const { check, fail, phase, finish } = createReport('queue');

/** The largest number of times inside any window of windowMs (times ascending). */
function peakInWindow(times, windowMs) {
	let peak = 0;
	let first = 0;
	for (let last = 0; last < times.length; last++) {
		while (times[last] - times[first] >= windowMs) first++;
		peak = Math.max(peak, last - first + 1);
	}
	return peak;
}

/** The quota's bound: the earliest the last of `calls` calls can be admitted after the first, at 100 a minute. */
const quotaBoundMs = (calls) => Math.floor((calls - 1) / PER_MINUTE) * MINUTE;

function webhookWorkflow() {
	return {
		id: WORKFLOW_ID,
		name: 'Queue mode: release a device from isolation (webhook)',
		active: false,
		settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all', saveDataErrorExecution: 'all' },
		connections: { Webhook: { main: [[{ node: 'Release From Isolation', type: 'main', index: 0 }]] } },
		nodes: [
			{
				id: crypto.randomUUID(),
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: crypto.randomUUID(),
				parameters: { httpMethod: 'POST', path: WEBHOOK_PATH, responseMode: 'onReceived', options: {} },
			},
			{
				id: crypto.randomUUID(),
				name: 'Release From Isolation',
				type: NODE_TYPE,
				typeVersion: 1,
				position: [220, 0],
				parameters: {
					resource: 'device',
					operation: 'releaseFromIsolation',
					device: { __rl: true, mode: 'id', value: '={{ $json.body.machineId }}' },
					comment: '=Released after {{ $json.body.ticket }} (queue-mode test)',
					options: {},
				},
				credentials: { [CREDENTIAL_TYPE]: CREDENTIAL },
			},
		],
		pinData: {},
	};
}

async function main() {
	const options = parseArgs(process.argv.slice(2));
	if (Number(process.versions.node.split('.')[0]) < 24) throw new Error(`Node ${process.version}: the queue test needs Node 24`);
	console.log(`queue-mode test: n8n main + ${options.workers} worker(s) × concurrency ${options.concurrency}, ${options.executions} webhook executions`);
	const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-mde-queue-'));
	const userFolder = path.join(temp, 'user');
	const logs = path.join(temp, 'logs');
	const netLog = path.join(temp, 'net.log');
	fs.mkdirSync(userFolder, { recursive: true });
	fs.mkdirSync(logs, { recursive: true });
	fs.writeFileSync(netLog, '');
	const interrupted = async (signal) => {
		console.log(`\n${signal}: stopping everything`);
		await services.stopAll();
		fs.rmSync(temp, { recursive: true, force: true });
		process.exit(130);
	};
	process.once('SIGINT', interrupted);
	process.once('SIGTERM', interrupted);
	let sim;
	let result;
	try {
		const n8n = await phase(`n8n ${cli.N8N_VERSION} CLI, Redis, PostgreSQL`, async () => {
			const installed = await cli.ensureN8n({ log: (line) => console.log(`  ${line}`) });
			console.log(installed.installedNow ? `  n8n installed in ${seconds(installed.ms)}` : '  reusing the cached n8n install');
			const missing = services.missingPackages();
			if (missing.length) throw new Error(`missing: apt-get install -y ${missing.join(' ')} (.ci/run installs them)`);
			const servicesDir = path.join(temp, 'redis');
			fs.mkdirSync(servicesDir);
			const redis = await services.startRedis(servicesDir, (line) => console.log(`  ${line}`));
			const postgres = await services.startPostgres((line) => console.log(`  ${line}`));
			return { ...installed, redis, postgres };
		});

		await phase('build, pack and install the package as a community package', async () => {
			await buildIfStale();
			const packed = await pack(temp);
			const installed = await cli.installCommunityPackage(packed.tarball, userFolder, { node: n8n.node });
			check(installed.name === 'n8n-nodes-defender-for-endpoint', `installed ${path.basename(packed.tarball)} into the shared user folder's .n8n/nodes`);
		});

		sim = await phase('simulator', async () => {
			const { startSimulator } = require(path.join(REPO_ROOT, 'simulator'));
			// Real time (quota windows are real minutes); no seeded actions, so every release is a plain one.
			const started = await startSimulator({ port: 0, deviceCount: options.executions, seedActions: false });
			console.log(`  simulator on ${started.url}: ${started.devices.length} devices, ${PER_MINUTE} calls a minute per tenant and app, whoever calls`);
			return started;
		});

		const mainPort = await cli.freePort();
		const baseEnv = {
			...cli.n8nEnv({ userFolder, brokerPort: 0, netLog, encryptionKey: crypto.randomBytes(24).toString('hex') }),
			DB_TYPE: 'postgresdb',
			DB_POSTGRESDB_HOST: '127.0.0.1',
			DB_POSTGRESDB_PORT: String(n8n.postgres.port),
			DB_POSTGRESDB_DATABASE: 'n8n',
			DB_POSTGRESDB_USER: 'postgres',
			DB_POSTGRESDB_PASSWORD: '',
			EXECUTIONS_MODE: 'queue',
			QUEUE_BULL_REDIS_HOST: '127.0.0.1',
			QUEUE_BULL_REDIS_PORT: String(n8n.redis.port),
			QUEUE_HEALTH_CHECK_ACTIVE: 'true',
			N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
			N8N_PORT: String(mainPort),
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			WEBHOOK_URL: `http://127.0.0.1:${mainPort}/`,
			N8N_SECURE_COOKIE: 'false',
			// The MCP server registry refreshes itself from api.n8n.io: off, like every other call home.
			N8N_DISABLED_MODULES: 'mcp-registry',
		};
		const envFor = async (extra = {}) => ({ ...baseEnv, N8N_RUNNERS_BROKER_PORT: String(await cli.freePort()), ...extra });
		const n8nCommand = async (label, args) => {
			const run = await cli.runN8n(n8n, args, await envFor());
			fs.writeFileSync(path.join(logs, `${label}.log`), `${run.stdout}\n--- stderr\n${run.stderr}`);
			check(run.code === 0, `n8n ${args[0]}: exit 0 (${seconds(run.ms)})`, run.code === 0 ? undefined : clip(`${run.stdout}\n${run.stderr}`));
			return run;
		};

		await phase('import the credential and the webhook workflow into PostgreSQL, publish the workflow', async () => {
			const credentialsFile = path.join(temp, 'credentials.json');
			fs.writeFileSync(
				credentialsFile,
				JSON.stringify([
					{
						...CREDENTIAL,
						type: CREDENTIAL_TYPE,
						data: {
							cloud: 'custom',
							tenantId: sim.credentials.tenantId,
							applicationId: sim.credentials.clientId,
							applicationSecret: sim.credentials.clientSecret,
							customApiBaseUrl: sim.apiBaseUrl,
							customTokenUrl: sim.tokenUrl,
							customScope: sim.scope,
						},
					},
				]),
			);
			await n8nCommand('import-credentials', ['import:credentials', `--input=${credentialsFile}`]);
			fs.rmSync(credentialsFile);
			const workflowFile = path.join(temp, 'workflow.json');
			fs.writeFileSync(workflowFile, JSON.stringify([webhookWorkflow()], null, 2));
			await n8nCommand('import-workflow', ['import:workflow', `--input=${workflowFile}`]);
			await n8nCommand('publish-workflow', ['publish:workflow', `--id=${WORKFLOW_ID}`]);
		});

		const workerLogs = await phase(`start n8n main and ${options.workers} worker(s)`, async () => {
			const main = services.startProcess(n8n.node, [n8n.bin, 'start'], { env: await envFor(), cwd: userFolder, logFile: path.join(logs, 'main.log') });
			const workers = [];
			for (let n = 1; n <= options.workers; n++) {
				const healthPort = await cli.freePort();
				const logFile = path.join(logs, `worker-${n}.log`);
				services.startProcess(n8n.node, [n8n.bin, 'worker', `--concurrency=${options.concurrency}`], {
					env: await envFor({ QUEUE_HEALTH_CHECK_PORT: String(healthPort) }),
					cwd: userFolder,
					logFile,
				});
				workers.push({ n, healthPort, logFile });
			}
			await waitForHealth(`http://127.0.0.1:${mainPort}/healthz`, 'n8n main', main);
			// /healthz answers before the published workflow's webhook is registered. A GET to a POST webhook tells which:
			// "not registered" before, "Did you mean to make a POST request?" once it is.
			await waitForWebhook(`http://127.0.0.1:${mainPort}/webhook/${WEBHOOK_PATH}`, main);
			for (const worker of workers) await waitForHealth(`http://127.0.0.1:${worker.healthPort}/healthz`, `worker ${worker.n}`);
			check(true, `main on 127.0.0.1:${mainPort} and ${workers.length} worker(s) answer /healthz`);
			return workers.map((worker) => worker.logFile);
		});

		result = await phase(`${options.executions} webhook calls at once, one device each; every token expires halfway`, async () => {
			const devices = sim.devices.slice(0, options.executions);
			const firedAt = Date.now();
			const answers = await Promise.all(
				devices.map(async (device, index) => {
					const response = await fetch(`http://127.0.0.1:${mainPort}/webhook/${WEBHOOK_PATH}`, {
						method: 'POST',
						headers: { 'Content-Type': 'application/json' },
						body: JSON.stringify({ ticket: `INC-${10_000 + index}`, machineId: device.id }),
					}).catch((error) => ({ status: 0, text: async () => String(error.cause ?? error) }));
					return { status: response.status, text: response.status === 200 ? '' : await response.text() };
				}),
			);
			const acceptedMs = Date.now() - firedAt;
			const refused = answers.filter((answer) => answer.status !== 200);
			if (!check(refused.length === 0, `n8n accepted all ${devices.length} webhook calls (${seconds(acceptedMs)})`, refused.slice(0, 3))) {
				throw new Error('n8n did not accept the webhook calls');
			}

			const releasedIds = () => new Set(sim.requests.filter((r) => isRelease(r) && r.status === 201).map(machineOf));
			let expired = false;
			const deadline = firedAt + Math.max(10 * MINUTE, 3 * quotaBoundMs(2 * devices.length));
			let lastReport = 0;
			while (Date.now() < deadline) {
				const released = releasedIds().size;
				if (!expired && released >= devices.length / 2) {
					sim.expireTokens();
					expired = true;
					console.log(`  ${released} released after ${seconds(Date.now() - firedAt)}: every access token expires now`);
				}
				const finished = Number((await n8n.postgres.query("SELECT count(*) FROM execution_entity WHERE finished OR status IN ('error', 'crashed', 'canceled')"))[0][0]);
				if (Date.now() - lastReport > 15_000) {
					lastReport = Date.now();
					console.log(`  ${seconds(Date.now() - firedAt)}: ${released} released, ${finished} executions finished, ${sim.requests.filter((r) => r.status === 429).length} answers 429`);
				}
				if (finished >= devices.length) break;
				await new Promise((resolve) => setTimeout(resolve, 1_000));
			}
			return { devices, firedAt, expired };
		});

		await phase('results', async () => {
			const { devices, firedAt, expired } = result;
			const statuses = await n8n.postgres.query('SELECT status, count(*) FROM execution_entity GROUP BY status ORDER BY status');
			const byStatus = Object.fromEntries(statuses.map(([status, count]) => [status, Number(count)]));
			check(byStatus.success === devices.length && Object.keys(byStatus).length === 1, `${devices.length} executions, all succeeded`, byStatus);

			const posts = sim.requests.filter(isRelease);
			const created = countBy(posts.filter((r) => r.status === 201).map(machineOf));
			const never = devices.filter((device) => !created.has(device.id));
			const twice = [...created].filter(([, count]) => count > 1);
			const actions = devices.map((device) => sim.actionsOf(device.id).filter((action) => action.type === 'Unisolate').length);
			check(never.length === 0, `every device released (never released: ${never.length})`, never.slice(0, 5).map((d) => d.id));
			check(twice.length === 0 && actions.every((count) => count === 1), 'each device released exactly once (one accepted POST, one Unisolate action)', twice.slice(0, 5));

			const isToken = (r) => r.path.endsWith('/oauth2/v2.0/token');
			const api = sim.requests.filter((r) => !isToken(r));
			const tokens = sim.requests.filter(isToken);
			const admitted = api.filter((r) => r.status !== 429 && r.status !== 401);
			const throttled = api.filter((r) => r.status === 429);
			const unauthorized = api.filter((r) => r.status === 401);
			const times = (requests) => requests.map((r) => Date.parse(r.simTime)).sort((a, b) => a - b);
			const peak = peakInWindow(times(admitted), MINUTE);
			const peakAttempts = peakInWindow(times(api), MINUTE);
			check(peak <= PER_MINUTE, `Defender's quota held: at most ${PER_MINUTE} admitted calls in any 60 s (peak ${peak})`);
			check(expired && unauthorized.length > 0, `the tokens expired halfway: ${unauthorized.length} calls answered 401`);
			check(tokens.length <= 2 * options.workers, `token requests: ${tokens.length} (at most one per worker for the first token and one per worker after the expiry: ${2 * options.workers})`, tokens.map((r) => r.status));
			const attempts = fs.readFileSync(netLog, 'utf8').trim();
			check(attempts === '', 'n8n connected to loopback only', attempts.split('\n').slice(0, 5));

			const releaseTimes = times(posts.filter((r) => r.status === 201));
			const spanMs = releaseTimes.at(-1) - releaseTimes[0];
			const boundMs = quotaBoundMs(admitted.length);
			const ratio = boundMs > 0 ? `× ${(spanMs / boundMs).toFixed(2)}` : 'within one minute';
			const perWorker = workerLogs.map((file) => (fs.readFileSync(file, 'utf8').match(/Worker started execution/g) ?? []).length);
			const share = (throttled.length / api.length) * 100;
			console.log('\n  measured:');
			console.log(`    executions per worker         ${perWorker.join(' / ')}`);
			console.log(`    API calls                     ${api.length} (${admitted.length} admitted, ${throttled.length} answered 429 = ${share.toFixed(1)} %, ${unauthorized.length} answered 401)`);
			console.log(`    calls per execution           ${(admitted.length / devices.length).toFixed(2)} admitted (the release, and the pending-actions snapshots each worker shares among its executions)`);
			console.log(`    peak calls in any 60 s        ${peak} admitted, ${peakAttempts} attempts`);
			console.log(`    token requests                ${tokens.length}`);
			console.log(`    first → last release          ${seconds(spanMs)}; the quota's bound for ${admitted.length} calls is ${seconds(boundMs)} (${ratio})`);
			console.log(`    webhook fired → last release  ${seconds(releaseTimes.at(-1) - firedAt)}`);
			console.log(`    per 10 s from the first call  ${timeline(api)}`);
			console.log(
				`\nqueue: ${options.workers} × ${options.concurrency} | failed ${devices.length - (byStatus.success ?? 0)} | never released ${never.length} | 429 ${throttled.length} of ${api.length} calls (${share.toFixed(1)} %) | peak/60 s ${peak} | first → last release ${seconds(spanMs)} (bound ${seconds(boundMs)}, ${ratio}) | tokens ${tokens.length}`,
			);
		});
	} catch (error) {
		fail(error);
	} finally {
		await services.stopAll();
		await sim?.close().catch(() => {});
		if (process.env.E2E_KEEP === '1') {
			console.log(`\nE2E_KEEP=1: kept ${temp}`);
		} else {
			fs.rmSync(temp, { recursive: true, force: true });
		}
	}
	finish();
}

/** Admitted calls per 10 s from the first call, with 429 and 401 answers in brackets: "98 100 (3×429) …". */
function timeline(requests) {
	const start = Date.parse(requests[0].simTime);
	const buckets = [];
	for (const request of requests) {
		const index = Math.floor((Date.parse(request.simTime) - start) / 10_000);
		buckets[index] ??= { admitted: 0, 429: 0, 401: 0 };
		const bucket = buckets[index];
		if (request.status === 429 || request.status === 401) bucket[request.status]++;
		else bucket.admitted++;
	}
	return Array.from(buckets, (bucket = { admitted: 0, 429: 0, 401: 0 }) => {
		const extra = [bucket[429] && `${bucket[429]}×429`, bucket[401] && `${bucket[401]}×401`].filter(Boolean).join(' ');
		return extra ? `${bucket.admitted} (${extra})` : String(bucket.admitted);
	}).join(' | ');
}

const isRelease = (r) => r.method === 'POST' && /^\/api\/machines\/[^/]+\/unisolate$/.test(r.path);
const machineOf = (r) => /^\/api\/machines\/([^/]+)\/unisolate$/.exec(r.path)[1];

function countBy(values) {
	const counts = new Map();
	for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
	return counts;
}

async function waitForWebhook(url, main, timeoutMs = 3 * MINUTE) {
	const giveUpAt = Date.now() + timeoutMs;
	for (;;) {
		if (main.child.exitCode !== null) throw new Error(`n8n main exited (code ${main.child.exitCode})`);
		const text = await fetch(url).then((response) => response.text(), () => '');
		if (/Did you mean to make a POST request/.test(text)) return;
		if (Date.now() > giveUpAt) throw new Error(`n8n did not register the webhook ${url} within ${timeoutMs / 1000} s: ${text.slice(0, 300)}`);
		await new Promise((resolve) => setTimeout(resolve, 500));
	}
}

/** Polls a health URL until it answers 200; fails early if the process exits. */
async function waitForHealth(url, label, process_, timeoutMs = 3 * MINUTE) {
	const giveUpAt = Date.now() + timeoutMs;
	for (;;) {
		if (process_ && process_.child.exitCode !== null) throw new Error(`${label} exited (code ${process_.child.exitCode}) before it answered ${url}`);
		const status = await fetch(url).then((response) => response.status, () => 0);
		if (status === 200) return;
		if (Date.now() > giveUpAt) throw new Error(`${label} did not answer ${url} within ${timeoutMs / 1000} s`);
		await new Promise((resolve) => setTimeout(resolve, 500));
	}
}

main().catch((error) => {
	console.error(error);
	process.exitCode = 1;
});
