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
 * The phases live in scripts/queue/ (one function each), the plumbing they share in scripts/lib/.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const cli = require('./lib/n8n-cli');
const services = require('./lib/services');
const { report } = require('./queue/common');
const setup = require('./queue/setup');
const { releaseUnderLoad, results } = require('./queue/load');

const { fail, phase, finish } = report;

function parseArgs(argv) {
	const options = { workers: 3, executions: 250, concurrency: 10 };
	for (let i = 0; i < argv.length; i++) {
		const name = argv[i].replace(/^--/, '');
		if (!(name in options))
			throw new Error(`unknown option ${argv[i]} (known: --workers, --executions, --concurrency)`);
		const value = Number(argv[++i]);
		if (!Number.isInteger(value) || value < 1)
			throw new Error(`--${name} needs a positive integer`);
		options[name] = value;
	}
	return options;
}

/** The test's context: its options and temporary folders, and (filled in by the phases) n8n and the simulator. */
function createContext(options) {
	const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-mde-queue-'));
	const t = {
		options,
		temp,
		userFolder: path.join(temp, 'user'),
		logs: path.join(temp, 'logs'),
		netLog: path.join(temp, 'net.log'),
	};
	fs.mkdirSync(t.userFolder, { recursive: true });
	fs.mkdirSync(t.logs, { recursive: true });
	fs.writeFileSync(t.netLog, '');
	return t;
}

/** Ctrl-C or SIGTERM: everything started is stopped. */
function stopOnSignals(t) {
	const interrupted = async (signal) => {
		console.log(`\n${signal}: stopping everything`);
		await services.stopAll();
		fs.rmSync(t.temp, { recursive: true, force: true });
		process.exit(130);
	};
	process.once('SIGINT', interrupted);
	process.once('SIGTERM', interrupted);
}

/** Every phase, in order; a phase's checks are in the function it runs. */
async function runPhases(t) {
	const { workers, executions } = t.options;
	t.n8n = await phase(`n8n ${cli.N8N_VERSION} CLI, Redis, PostgreSQL`, () =>
		setup.installN8nAndServices(t),
	);
	await phase('build, pack and install the package as a community package', () =>
		setup.installPackage(t),
	);
	t.sim = await phase('simulator', () => setup.startSimulator(t));
	await setup.prepareN8nEnvironment(t);
	await phase(
		'import the credential and the webhook workflow into PostgreSQL, publish the workflow',
		() => setup.importAndPublish(t),
	);
	t.workerLogs = await phase(`start n8n main and ${workers} worker(s)`, () =>
		setup.startMainAndWorkers(t),
	);
	t.load = await phase(
		`${executions} webhook calls at once, one device each; every token expires halfway`,
		() => releaseUnderLoad(t),
	);
	await phase('results', () => results(t));
}

async function main() {
	const options = parseArgs(process.argv.slice(2));
	if (Number(process.versions.node.split('.')[0]) < 24)
		throw new Error(`Node ${process.version}: the queue test needs Node 24`);
	console.log(
		`queue-mode test: n8n main + ${options.workers} worker(s) × concurrency ${options.concurrency}, ${options.executions} webhook executions`,
	);
	const t = createContext(options);
	stopOnSignals(t);
	try {
		await runPhases(t);
	} catch (error) {
		fail(error);
	} finally {
		await services.stopAll();
		await t.sim?.close().catch(() => {});
		if (process.env.E2E_KEEP === '1') {
			console.log(`\nE2E_KEEP=1: kept ${t.temp}`);
		} else {
			fs.rmSync(t.temp, { recursive: true, force: true });
		}
	}
	finish();
}

main().catch((error) => {
	console.error(error);
	process.exitCode = 1;
});
