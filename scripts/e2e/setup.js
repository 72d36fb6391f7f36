'use strict';
/** The e2e test's setup phases: n8n, the package, the simulator, the workflows, and their import into n8n. */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const cli = require('../lib/n8n-cli');
const { seconds, clip } = require('../lib/checks');
const { buildIfStale, pack } = require('../lib/package-tarball');
const { startTokenRecorder } = require('../lib/token-recorder');
const { writeSimulatorCredential } = require('../lib/workflows');
const { check, CREDENTIAL, checkProcess, n8nRun } = require('./common');

const { REPO_ROOT } = cli;

/** The pinned n8n CLI on its Node.js, installed into the cache or reused. */
async function installN8n(t, runtime) {
	const installed = await cli.ensureN8n({
		version: t.n8nVersion,
		log: (line) => console.log(`  ${line}`),
	});
	console.log(
		installed.installedNow
			? `  installed in ${seconds(installed.ms)}`
			: '  reusing the cached install',
	);
	const nodeVersion = await cli.run(installed.node, ['--version'], {
		env: process.env,
		timeoutMs: 60_000,
	});
	check(
		nodeVersion.stdout.startsWith(`v${runtime.nodeMajor}.`),
		`n8n runs on Node.js ${nodeVersion.stdout.trim()}`,
		nodeVersion.stdout + nodeVersion.stderr,
	);
	const version = await cli.run(installed.node, [installed.bin, '--version'], {
		env: process.env,
		timeoutMs: 60_000,
	});
	check(
		version.stdout.trim() === t.n8nVersion,
		`n8n --version is ${t.n8nVersion}`,
		version.stdout.trim() || version.stderr,
	);
	return installed;
}

/** Builds when stale, packs, and installs the tarball into the user folder as n8n installs community packages. */
async function installPackage(t) {
	await buildIfStale();
	const result = await pack(t.temp);
	check(
		result.files.includes('dist/nodes/DefenderForEndpoint/DefenderForEndpoint.node.js') &&
			result.files.includes('dist/credentials/DefenderForEndpointOAuth2Api.credentials.js') &&
			result.files.includes(
				'dist/credentials/DefenderForEndpointDelegatedOAuth2Api.credentials.js',
			),
		`npm pack: ${path.basename(result.tarball)} contains the node and both credentials`,
		result.files,
	);
	const installed = await cli.installCommunityPackage(result.tarball, t.userFolder, {
		node: t.n8n.node,
	});
	const manifest = installed.manifest;
	const present = (files) =>
		(files ?? []).every((file) => fs.existsSync(path.join(installed.packageDir, file)));
	check(
		installed.name === 'n8n-nodes-defender-for-endpoint' &&
			present(manifest.n8n?.nodes) &&
			present(manifest.n8n?.credentials),
		`installed into ${path.relative(t.temp, installed.packageDir)} with every file its package.json "n8n" section names`,
		manifest.n8n,
	);
	return result;
}

/** The simulator and the token pass-through in front of it (sets t.recorder). */
async function startSimulatorAndRecorder(t) {
	const { startSimulator } = require(path.join(REPO_ROOT, 'simulator'));
	// Actions finish 3 s after they are submitted (instead of 15 s), so that release-and-wait.json, whose node
	// first checks an action after 5 s, sees it Succeeded at its first check.
	const started = await startSimulator({
		port: 0,
		deviceCount: 40,
		actionTimeline: { pendingSeconds: 1, inProgressSeconds: 2 },
	});
	t.recorder = await startTokenRecorder(started.tokenUrl);
	console.log(`  simulator on ${started.url}; token endpoint through ${t.recorder.url}`);
	return started;
}

/** What the scenarios need of the simulator and of n8n's environment, once the simulator runs. */
async function completeContext(t) {
	const { sim } = t;
	const defaults = require(path.join(REPO_ROOT, 'simulator')).DEFAULT_CREDENTIALS;
	t.secret = sim.credentials?.clientSecret ?? defaults.clientSecret;
	t.simCredentials = sim.credentials ?? defaults;
	t.byName = (name) =>
		sim.devices.filter((device) => device.computerDnsName.toLowerCase() === name.toLowerCase());
	t.oneByName = (name) => {
		const found = t.byName(name);
		if (found.length !== 1)
			throw new Error(
				`simulator inventory: expected one device named ${name}, found ${found.length}`,
			);
		return found[0];
	};
	t.env = cli.n8nEnv({
		userFolder: t.userFolder,
		brokerPort: await cli.freePort(),
		netLog: t.netLog,
		encryptionKey: crypto.randomBytes(24).toString('hex'),
	});
}

/** `n8n import:credentials` (the application credential, through the token pass-through) and `import:workflow`. */
async function importIntoN8n(t) {
	const credentialsFile = path.join(t.temp, 'credentials.json');
	writeSimulatorCredential(credentialsFile, CREDENTIAL, {
		...t.simCredentials,
		clientSecret: t.secret,
		apiBaseUrl: t.sim.apiBaseUrl,
		tokenUrl: t.recorder.url,
		scope: t.sim.scope,
	});
	const importedCredentials = await n8nRun(t, 'import:credentials', [
		'import:credentials',
		`--input=${credentialsFile}`,
	]);
	checkProcess('n8n import:credentials', importedCredentials);
	check(
		/Successfully imported 1 credential/.test(importedCredentials.stdout),
		'n8n import:credentials: 1 credential imported',
		clip(importedCredentials.stdout.split('\n').slice(-5).join('\n')),
	);
	fs.rmSync(credentialsFile); // the only file of ours holding the secret

	const importedWorkflows = await n8nRun(t, 'import:workflow', [
		'import:workflow',
		`--input=${t.workflows.file}`,
	]);
	checkProcess('n8n import:workflow', importedWorkflows);
	const count = JSON.parse(fs.readFileSync(t.workflows.file, 'utf8')).length;
	check(
		new RegExp(`Successfully imported ${count} workflows`).test(importedWorkflows.stdout),
		`n8n import:workflow: ${count} workflows imported`,
		clip(importedWorkflows.stdout.split('\n').slice(-5).join('\n')),
	);
}

module.exports = {
	installN8n,
	installPackage,
	startSimulatorAndRecorder,
	completeContext,
	importIntoN8n,
};
