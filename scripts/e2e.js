#!/usr/bin/env node
'use strict';
/**
 * End-to-end test in the real n8n (npm run test:e2e):
 *   1. installs the pinned n8n CLI into a cache folder outside the repository (reused while its marker matches);
 *   2. builds this package when dist/ is missing or stale, packs it, and installs the tarball into a fresh n8n user
 *      folder the way n8n installs community packages (<user folder>/.n8n/nodes);
 *   3. starts the Defender simulator on 127.0.0.1 (and a recording pass-through for its token endpoint);
 *   4. imports a credential and the example workflows (examples/*.json; the scheduled one with its trigger swapped
 *      for a Manual Trigger, and a copy of the ticket one whose tickets name an ambiguous and an unknown host) with
 *      `n8n import:*`, runs each with `n8n execute --rawOutput`, and checks the output items, the simulator's request
 *      log, that no secret or token leaks, and that n8n connected to nothing but loopback;
 *   5. stops everything and removes its temporary folders (not the n8n cache).
 * Prints `e2e: N passed, M failed` last and exits non-zero on any failure.
 * Options: `--n8n VERSION` runs another of the tested n8n versions (scripts/lib/n8n-cli.js N8N_RUNTIMES), each on
 * its own Node.js (`npm run test:e2e -- --n8n 1.85.3`); the default is the newest.
 * Environment: N8N_E2E_CACHE (install folder of the default n8n), E2E_KEEP=1 (keep the temporary folder).
 * The scenarios live in scripts/e2e/ (one function each), the plumbing they share in scripts/lib/.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const cli = require('./lib/n8n-cli');
const { seconds } = require('./lib/checks');
const { report } = require('./e2e/common');
const setup = require('./e2e/setup');
const { prepareWorkflows } = require('./e2e/workflows');
const examples = require('./e2e/examples');
const approval = require('./e2e/approval');
const { delegatedSignIn } = require('./e2e/delegated');
const { triggerAcrossRestarts } = require('./e2e/trigger');
const { checkRequestLog, checkSecretsAndNetwork } = require('./e2e/audit');

const { fail, phase, finish } = report;

/** The n8n version from `--n8n VERSION` (or `--n8n=VERSION`), else the default. */
function n8nVersionArgument(args) {
	const at = args.findIndex((arg) => arg === '--n8n' || arg.startsWith('--n8n='));
	if (at === -1) return cli.N8N_VERSION;
	const version = args[at].includes('=') ? args[at].slice('--n8n='.length) : args[at + 1];
	if (!cli.N8N_RUNTIMES[version]) {
		throw new Error(
			`--n8n ${version ?? ''}: the tested n8n versions are ${Object.keys(cli.N8N_RUNTIMES).join(', ')}`,
		);
	}
	return version;
}

/** The test's context: its temporary folders, and (filled in by the phases) n8n, the simulator and the runs. */
function createContext(n8nVersion) {
	const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-mde-e2e-'));
	const t = {
		n8nVersion,
		temp,
		userFolder: path.join(temp, 'user'),
		netLog: path.join(temp, 'net.log'),
		transcript: [],
		runs: {},
	};
	fs.mkdirSync(t.userFolder, { recursive: true });
	fs.writeFileSync(t.netLog, '');
	return t; // t.transcript: every n8n command's output, searched for secrets at the end
}

/** Every phase, in order; a phase's checks are in the scenario function it runs. */
async function runPhases(t) {
	const runtime = cli.n8nRuntime(t.n8nVersion);
	t.n8n = await phase(
		`n8n ${t.n8nVersion} CLI on Node.js ${runtime.nodeMajor} (cache: ${runtime.dir})`,
		() => setup.installN8n(t, runtime),
	);
	await phase('build, pack and install the package as a community package', () =>
		setup.installPackage(t),
	);
	t.sim = await phase('simulator', () => setup.startSimulatorAndRecorder(t));
	await setup.completeContext(t);
	t.workflows = await phase('workflows', async () => prepareWorkflows(t));
	await phase('n8n import:credentials and import:workflow', () => setup.importIntoN8n(t));
	t.runs.a = await phase('execute ticket-to-release.json as shipped', () =>
		examples.ticketsAsShipped(t),
	);
	t.runs.b = await phase(
		'execute the ticket workflow with an ambiguous and an unknown hostname (On Error: continue using error output)',
		() => examples.ambiguousAndUnknownHosts(t),
	);
	await phase(
		'execute scheduled-bulk-release.json (Schedule Trigger swapped for a Manual Trigger)',
		() => examples.scheduledBulk(t),
	);
	t.runs.d = await phase('execute release-and-wait.json as shipped (Wait for Completion)', () =>
		examples.releaseAndWait(t),
	);
	await phase(
		'execute release-with-approval.json: Dry Run, then the approver says "Do not release"',
		() => approval.releaseWithApprovalRefused(t),
	);
	t.runs.e = await phase(
		'execute release-isolated-devices.json (Schedule Trigger swapped for a Manual Trigger)',
		() => examples.releaseIsolatedDevices(t),
	);
	await phase(
		"HTTP Request node with this credential (Allowed HTTP Request Domains left at This Cloud's Hosts)",
		() => examples.httpRequestNode(t),
	);
	await phase('simulator request log', async () => checkRequestLog(t));
	await phase(
		'delegated sign-in: release as the analyst, token refresh, a device outside the groups, a revoked sign-in',
		() => delegatedSignIn(t),
	);
	// `publish:workflow` (activating without the editor) is n8n 2.x.
	if (!t.n8nVersion.startsWith('1.')) {
		await phase(
			'Defender for Endpoint Trigger in `n8n start`: events across restarts, each exactly once',
			() => triggerAcrossRestarts(t),
		);
	}
	await phase('secrets, token and network', () => checkSecretsAndNetwork(t));
}

async function main() {
	if (Number(process.versions.node.split('.')[0]) < 24) {
		throw new Error(
			`Node ${process.version}: the e2e test itself runs on Node 24 (it builds and packs the package). Run it through scripts/dev.sh or put Node 24 first on PATH.`,
		);
	}
	const t = createContext(n8nVersionArgument(process.argv.slice(2)));
	try {
		await runPhases(t);
	} catch (error) {
		fail(error);
	} finally {
		await t.recorder?.close().catch(() => {});
		await t.sim?.close().catch(() => {});
		if (process.env.E2E_KEEP === '1') {
			console.log(`\nE2E_KEEP=1: kept ${t.temp}`);
		} else {
			fs.rmSync(t.temp, { recursive: true, force: true });
		}
	}
	const n8nMs = t.transcript.reduce((sum, entry) => sum + entry.ms, 0);
	console.log(`n8n ${t.n8nVersion}`);
	finish(`; n8n processes ${seconds(n8nMs)} in all`);
}

main();
