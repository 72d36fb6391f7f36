#!/usr/bin/env node
'use strict';
/**
 * Real-browser test of n8n's editor with this package (npm run test:ui): the e2e test's pinned n8n (scripts/lib/n8n-cli.js)
 * runs `n8n start` on 127.0.0.1 with the packed package installed as a community package, Debian's Chromium runs
 * headless on loopback (its resolver maps every other name to nowhere), and puppeteer-core drives it like a user:
 * search and add the node, create the credential (Custom cloud → the local simulator) and see its test pass, search the
 * device picker, release a device by hostname and read the output panel, then see the ambiguous-hostname error; then
 * switch Authentication to Delegated, connect the delegated credential through the consent redirect (popup → the
 * simulator's authorize endpoint → n8n's OAuth callback) and release a device as the analyst.
 * Prints `ui: N passed, M failed` last; screenshots of a failure go to a temporary folder whose path is printed.
 * Environment: CHROMIUM (default /usr/bin/chromium), UI_KEEP=1 (keep the temporary folder).
 * The steps live in scripts/ui/ (one function each), the browser helpers in scripts/lib/browser.js.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');

const cli = require('./lib/n8n-cli');
const { CHROMIUM, startChromium, killGroup } = require('./lib/browser');
const { step, unexpected, counts, finish } = require('./ui/common');
const editor = require('./ui/editor');
const release = require('./ui/release');
const delegated = require('./ui/delegated');

const { REPO_ROOT } = cli;

/** Installs the packed package into a fresh user folder and starts the simulator and `n8n start` (sets u.sim, u.base, u.n8n). */
async function startN8nAndSimulator(u) {
	const { startSimulator } = require(path.join(REPO_ROOT, 'simulator'));
	const { bin, node } = await cli.ensureN8n({ log: (line) => console.log(`  ${line}`) });
	if (
		!fs.existsSync(
			path.join(REPO_ROOT, 'dist', 'nodes', 'DefenderForEndpoint', 'DefenderForEndpoint.node.js'),
		)
	) {
		throw new Error('dist/ is missing: npm run build first');
	}
	const packed = await cli.npm(['pack', '--json', '--pack-destination', u.temp], {
		cwd: REPO_ROOT,
		timeoutMs: 2 * 60_000,
	});
	const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('[')));
	await cli.installCommunityPackage(path.join(u.temp, info.filename), u.userFolder);

	u.sim = await startSimulator({
		port: 0,
		deviceCount: 20,
		actionTimeline: { pendingSeconds: 1, inProgressSeconds: 2 },
	});
	const port = await cli.freePort();
	const env = {
		...cli.n8nEnv({
			userFolder: u.userFolder,
			brokerPort: await cli.freePort(),
			netLog: path.join(u.temp, 'net.log'),
			encryptionKey: crypto.randomBytes(24).toString('hex'),
		}),
		N8N_PORT: String(port),
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: '127.0.0.1',
		N8N_SECURE_COOKIE: 'false',
		N8N_LOG_LEVEL: process.env.UI_N8N_LOG_LEVEL || 'warn',
	};
	u.base = `http://127.0.0.1:${port}`;
	const n8nLog = fs.openSync(path.join(u.temp, 'n8n.log'), 'a');
	u.n8n = spawn(node, [bin, 'start'], {
		env,
		cwd: u.userFolder,
		stdio: ['ignore', n8nLog, n8nLog],
		detached: true,
	});
}

/** Every step, in order; each one's checks are in the function it runs. */
async function runSteps(u) {
	await startN8nAndSimulator(u);
	const { sim } = u;
	const target =
		sim.devices.find((device) => device.computerDnsName === 'ws-0003.contoso.local') ??
		sim.devices[2];
	await step('n8n 2.41.1 starts with the package installed', () => editor.n8nStarts(u));
	const debugPort = await cli.freePort();
	u.chromium = startChromium(debugPort, path.join(u.temp, 'chromium'));
	await step('Chromium runs headless on loopback', () => editor.chromiumRuns(u, debugPort));
	await step('sign in and open a new workflow', () => editor.signIn(u));
	await step(
		'the node creator finds "Defender for Endpoint" and lists its actions under "Device Actions"',
		() => editor.nodeCreator(),
	);
	await step('create the credential (Custom cloud → the simulator) and see its test pass', () =>
		release.createCredential(u),
	);
	await step('the device picker searches the simulator', () => release.devicePicker());
	await step(`release ${target.computerDnsName} by hostname and read the output panel`, () =>
		release.releaseByHostname({ sim, target }),
	);
	await step(
		`an ambiguous hostname (${u.DUPLICATE_HOSTNAME}) fails with the list of matching devices`,
		() => release.ambiguousHostname(u, u.DUPLICATE_HOSTNAME),
	);
	const analyst = sim.delegated.users[0].upn;
	const delegatedTarget = sim.devices.find(
		(device) =>
			device.rbacGroupName === 'SOC devices' && device.computerDnsName !== target.computerDnsName,
	);
	await step(
		'a new credential offers "Delegated (Signed-In User)" and shows the delegated form',
		() => delegated.delegatedForm(),
	);
	await step('connect the delegated credential through the consent redirect', () =>
		delegated.connectDelegated(u),
	);
	await step(
		`release ${delegatedTarget.computerDnsName} as the analyst; Defender records ${analyst} as requestor`,
		() => delegated.releaseAsAnalyst(u, delegatedTarget, analyst),
	);
}

async function main() {
	if (!fs.existsSync(CHROMIUM))
		throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (CI installs it)`);
	const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-mde-ui-'));
	const u = {
		temp,
		userFolder: path.join(temp, 'user'),
		credentialPosts: [],
		puppeteer: require('puppeteer-core'),
	};
	u.DUPLICATE_HOSTNAME = require(path.join(REPO_ROOT, 'simulator')).DUPLICATE_HOSTNAME;
	fs.mkdirSync(u.userFolder, { recursive: true });
	try {
		await runSteps(u);
	} catch (error) {
		await unexpected(error);
	} finally {
		if (u.browser) await u.browser.disconnect().catch(() => undefined);
		killGroup(u.chromium);
		killGroup(u.n8n);
		if (u.sim) await u.sim.close().catch(() => undefined);
		if (counts.failed > 0 || process.env.UI_KEEP === '1')
			console.log(`  n8n's log and files kept in ${temp}`);
		else fs.rmSync(temp, { recursive: true, force: true });
	}
	finish();
}

main();
