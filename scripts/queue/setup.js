'use strict';
/**
 * The queue-mode test's setup: n8n, Redis and PostgreSQL; the package; the simulator; n8n's queue-mode environment;
 * the credential and the webhook workflow imported and published; n8n main and the workers started.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const cli = require('../lib/n8n-cli');
const services = require('../lib/services');
const { seconds, clip } = require('../lib/checks');
const { buildIfStale, pack } = require('../lib/package-tarball');
const { waitForHealth, waitForWebhook } = require('../lib/wait');
const { NODE_TYPE, CREDENTIAL_TYPE, writeSimulatorCredential } = require('../lib/workflows');
const { check, CREDENTIAL, WORKFLOW_ID, WEBHOOK_PATH, PER_MINUTE } = require('./common');

const { REPO_ROOT } = cli;

async function installN8nAndServices(t) {
	const installed = await cli.ensureN8n({ log: (line) => console.log(`  ${line}`) });
	console.log(
		installed.installedNow
			? `  n8n installed in ${seconds(installed.ms)}`
			: '  reusing the cached n8n install',
	);
	const missing = services.missingPackages();
	if (missing.length)
		throw new Error(`missing: apt-get install -y ${missing.join(' ')} (.ci/run installs them)`);
	const servicesDir = path.join(t.temp, 'redis');
	fs.mkdirSync(servicesDir);
	const redis = await services.startRedis(servicesDir, (line) => console.log(`  ${line}`));
	const postgres = await services.startPostgres((line) => console.log(`  ${line}`));
	return { ...installed, redis, postgres };
}

async function installPackage(t) {
	await buildIfStale();
	const packed = await pack(t.temp);
	const installed = await cli.installCommunityPackage(packed.tarball, t.userFolder, {
		node: t.n8n.node,
	});
	check(
		installed.name === 'n8n-nodes-defender-for-endpoint',
		`installed ${path.basename(packed.tarball)} into the shared user folder's .n8n/nodes`,
	);
}

async function startSimulator(t) {
	const { startSimulator: start } = require(path.join(REPO_ROOT, 'simulator'));
	// Real time (quota windows are real minutes); no seeded actions, so every release is a plain one.
	const started = await start({ port: 0, deviceCount: t.options.executions, seedActions: false });
	console.log(
		`  simulator on ${started.url}: ${started.devices.length} devices, ${PER_MINUTE} calls a minute per tenant and app, whoever calls`,
	);
	return started;
}

/** Every n8n process's environment: PostgreSQL, Redis, queue mode, main on t.mainPort. */
function queueEnv(t) {
	const { n8n, mainPort } = t;
	return {
		...cli.n8nEnv({
			userFolder: t.userFolder,
			brokerPort: 0,
			netLog: t.netLog,
			encryptionKey: crypto.randomBytes(24).toString('hex'),
		}),
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
}

/** Sets t.mainPort, t.envFor (an n8n process's environment, with a broker port of its own) and t.n8nCommand. */
async function prepareN8nEnvironment(t) {
	t.mainPort = await cli.freePort();
	const baseEnv = queueEnv(t);
	t.envFor = async (extra = {}) => ({
		...baseEnv,
		N8N_RUNNERS_BROKER_PORT: String(await cli.freePort()),
		...extra,
	});
	t.n8nCommand = async (label, args) => {
		const run = await cli.runN8n(t.n8n, args, await t.envFor());
		fs.writeFileSync(path.join(t.logs, `${label}.log`), `${run.stdout}\n--- stderr\n${run.stderr}`);
		check(
			run.code === 0,
			`n8n ${args[0]}: exit 0 (${seconds(run.ms)})`,
			run.code === 0 ? undefined : clip(`${run.stdout}\n${run.stderr}`),
		);
		return run;
	};
}

function webhookWorkflow() {
	return {
		id: WORKFLOW_ID,
		name: 'Queue mode: release a device from isolation (webhook)',
		active: false,
		settings: {
			executionOrder: 'v1',
			saveDataSuccessExecution: 'all',
			saveDataErrorExecution: 'all',
		},
		connections: {
			Webhook: { main: [[{ node: 'Release From Isolation', type: 'main', index: 0 }]] },
		},
		nodes: [
			{
				id: crypto.randomUUID(),
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: crypto.randomUUID(),
				parameters: {
					httpMethod: 'POST',
					path: WEBHOOK_PATH,
					responseMode: 'onReceived',
					options: {},
				},
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

async function importAndPublish(t) {
	const { sim } = t;
	const credentialsFile = path.join(t.temp, 'credentials.json');
	writeSimulatorCredential(credentialsFile, CREDENTIAL, {
		...sim.credentials,
		apiBaseUrl: sim.apiBaseUrl,
		tokenUrl: sim.tokenUrl,
		scope: sim.scope,
	});
	await t.n8nCommand('import-credentials', ['import:credentials', `--input=${credentialsFile}`]);
	fs.rmSync(credentialsFile);
	const workflowFile = path.join(t.temp, 'workflow.json');
	fs.writeFileSync(workflowFile, JSON.stringify([webhookWorkflow()], null, 2));
	await t.n8nCommand('import-workflow', ['import:workflow', `--input=${workflowFile}`]);
	await t.n8nCommand('publish-workflow', ['publish:workflow', `--id=${WORKFLOW_ID}`]);
}

/** n8n main and the workers; resolves to the workers' log files once all answer and the webhook is registered. */
async function startMainAndWorkers(t) {
	const { n8n, mainPort, options } = t;
	const main = services.startProcess(n8n.node, [n8n.bin, 'start'], {
		env: await t.envFor(),
		cwd: t.userFolder,
		logFile: path.join(t.logs, 'main.log'),
	});
	const workers = [];
	for (let n = 1; n <= options.workers; n++) {
		const healthPort = await cli.freePort();
		const logFile = path.join(t.logs, `worker-${n}.log`);
		services.startProcess(n8n.node, [n8n.bin, 'worker', `--concurrency=${options.concurrency}`], {
			env: await t.envFor({ QUEUE_HEALTH_CHECK_PORT: String(healthPort) }),
			cwd: t.userFolder,
			logFile,
		});
		workers.push({ n, healthPort, logFile });
	}
	await waitForHealth(`http://127.0.0.1:${mainPort}/healthz`, 'n8n main', main);
	// /healthz answers before the published workflow's webhook is registered.
	await waitForWebhook(`http://127.0.0.1:${mainPort}/webhook/${WEBHOOK_PATH}`, main);
	for (const worker of workers)
		await waitForHealth(`http://127.0.0.1:${worker.healthPort}/healthz`, `worker ${worker.n}`);
	check(true, `main on 127.0.0.1:${mainPort} and ${workers.length} worker(s) answer /healthz`);
	return workers.map((worker) => worker.logFile);
}

module.exports = {
	installN8nAndServices,
	installPackage,
	startSimulator,
	prepareN8nEnvironment,
	importAndPublish,
	startMainAndWorkers,
};
