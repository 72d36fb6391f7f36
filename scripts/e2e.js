'use strict';
/**
 * End-to-end test in a real n8n: installs the n8n CLI (pinned, cached outside the repo), installs this package's
 * tarball the way n8n installs community packages, imports a credential pointing at the local simulator and the
 * example workflow examples/ticket-to-release.json, runs it with `n8n execute`, and checks n8n's output and every
 * request the simulator received. Traffic stays on 127.0.0.1.
 */
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { promisify } = require('node:util');

const { startSimulator, DUPLICATE_HOSTNAME, QUOTED_HOSTNAME } = require('../simulator');

const run = promisify(execFile);
const N8N_VERSION = '2.41.1';
const ROOT = path.join(__dirname, '..');
const CACHE = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'n8n-nodes-defender-for-endpoint', `n8n-${N8N_VERSION}`);
const N8N = path.join(CACHE, 'node_modules', '.bin', 'n8n');
const COMMENT_SUFFIX = "— reviewed by O'Neill ✓";

let passed = 0;
let failed = 0;
function check(name, condition, detail = '') {
	if (condition) passed++;
	else failed++;
	console.log(`${condition ? 'ok  ' : 'FAIL'} ${name}${condition || !detail ? '' : `\n     ${detail}`}`);
}

async function timed(label, work) {
	const started = Date.now();
	const result = await work();
	console.log(`… ${label}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
	return result;
}

/** The n8n CLI in the cache: installed once per machine (npm without install scripts, then sqlite3 built for Node 24). */
async function ensureN8n() {
	const marker = path.join(CACHE, '.installed');
	if (fs.existsSync(marker)) return;
	fs.rmSync(CACHE, { recursive: true, force: true });
	fs.mkdirSync(CACHE, { recursive: true });
	fs.writeFileSync(path.join(CACHE, 'package.json'), JSON.stringify({ name: 'n8n-e2e', private: true }));
	const npm = (args) => run('npm', args, { cwd: CACHE, maxBuffer: 64 << 20 });
	await timed(`install n8n@${N8N_VERSION} (cold cache)`, () => npm(['install', '--no-audit', '--no-fund', '--ignore-scripts', `n8n@${N8N_VERSION}`]));
	await timed('build sqlite3 for this Node', () => npm(['rebuild', 'sqlite3', '--build-from-source']));
	fs.writeFileSync(marker, new Date().toISOString());
}

/** Packs this package and installs the tarball into <userFolder>/.n8n/nodes, as n8n's community-package installer does. */
async function installPackage(userFolder) {
	if (!fs.existsSync(path.join(ROOT, 'dist', 'nodes'))) await run('npm', ['run', 'build'], { cwd: ROOT });
	const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', userFolder], { cwd: ROOT });
	const tarball = path.join(userFolder, stdout.trim().split('\n').pop());
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	fs.mkdirSync(nodesDir, { recursive: true });
	fs.writeFileSync(path.join(nodesDir, 'package.json'), JSON.stringify({ name: 'installed-nodes', private: true }));
	await run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--legacy-peer-deps', tarball], { cwd: nodesDir });
}

/** Environment for the n8n CLI: its own user folder and sqlite DB; no telemetry or other outside calls. */
function n8nEnvironment(userFolder) {
	return {
		...process.env,
		N8N_USER_FOLDER: userFolder,
		N8N_ENCRYPTION_KEY: 'e2e-only-encryption-key-0123456789',
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_LICENSE_AUTO_RENEW_ENABLED: 'false',
		EXTERNAL_FRONTEND_HOOKS_URLS: '',
		N8N_LOG_LEVEL: 'info',
		N8N_LOG_OUTPUT: 'console',
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
	};
}

async function main() {
	await timed('n8n CLI ready', ensureN8n);
	const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-e2e-'));
	const sim = await startSimulator({ deviceCount: 6 });
	try {
		await timed('package installed into n8n', () => installPackage(userFolder));
		const env = n8nEnvironment(userFolder);
		const n8n = (args) => run(N8N, args, { env, cwd: userFolder, maxBuffer: 64 << 20 });

		const credentialFile = path.join(userFolder, 'credential.json');
		fs.writeFileSync(
			credentialFile,
			JSON.stringify([
				{
					id: 'e2eDefenderCred1',
					name: 'Defender (simulator)',
					type: 'defenderForEndpointOAuth2Api',
					data: {
						cloud: 'custom',
						tenantId: sim.credentials.tenantId,
						clientId: sim.credentials.clientId,
						clientSecret: sim.credentials.clientSecret,
						customApiBaseUrl: sim.apiBaseUrl,
						customTokenUrl: sim.tokenUrl,
						customScope: sim.scope,
					},
				},
			]),
		);
		const good = sim.devices.slice(0, 3).map((device) => device.computerDnsName);
		const tickets = [...good, QUOTED_HOSTNAME, DUPLICATE_HOSTNAME, 'ghost-99.contoso.local'].map((hostname, n) => ({ ticket: `INC-${2000 + n}`, hostname }));
		const workflow = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', 'ticket-to-release.json'), 'utf8'));
		workflow.id = 'e2eTicketRelease';
		workflow.nodes.find((node) => node.name === 'Tickets').parameters.jsonOutput = JSON.stringify({ tickets });
		const release = workflow.nodes.find((node) => node.name === 'Release From Isolation');
		release.credentials.defenderForEndpointOAuth2Api = { id: 'e2eDefenderCred1', name: 'Defender (simulator)' };
		release.parameters.comment = `=Released after {{ $json.ticket }} ${COMMENT_SUFFIX}`;
		const workflowFile = path.join(userFolder, 'workflow.json');
		fs.writeFileSync(workflowFile, JSON.stringify([workflow]));

		await timed('credential imported', () => n8n(['import:credentials', `--input=${credentialFile}`]));
		await timed('workflow imported', () => n8n(['import:workflow', `--input=${workflowFile}`]));
		const { stdout, stderr } = await timed('workflow executed', () => n8n(['execute', '--id=e2eTicketRelease', '--rawOutput']));

		const json = stdout.slice(stdout.indexOf('\n{\n') + 1, stdout.lastIndexOf('\n}') + 2);
		const result = JSON.parse(json);
		const runData = result.data.resultData.runData;
		check('n8n ran the workflow to the end', result.status === 'success' && result.finished === true, `status ${result.status}`);
		check('the community node was loaded and ran', Array.isArray(runData['Release From Isolation']));
		const [released = [], refused = []] = runData['Release From Isolation']?.[0]?.data?.main ?? [];
		check(`${tickets.length} tickets in, ${tickets.length} results out`, released.length + refused.length === tickets.length, `${released.length} + ${refused.length}`);

		const wanted = [...good, QUOTED_HOSTNAME];
		const byName = new Map(sim.devices.map((device) => [device.computerDnsName, device]));
		for (const hostname of wanted) {
			const item = released.find((entry) => entry.json.computerDnsName === hostname);
			const device = byName.get(hostname);
			check(
				`${hostname} released: one Unisolate, Pending, on the right device`,
				item && item.json.type === 'Unisolate' && item.json.status === 'Pending' && item.json.machineId === device.id && item.json.outcome === 'created',
				JSON.stringify(item?.json),
			);
		}
		const ambiguous = refused.find((entry) => entry.json.hostname === DUPLICATE_HOSTNAME);
		const duplicates = sim.devices.filter((device) => device.computerDnsName.toLowerCase() === DUPLICATE_HOSTNAME);
		check(
			'an ambiguous hostname is refused, naming both devices',
			ambiguous && duplicates.every((device) => ambiguous.json.error.includes(device.id)),
			JSON.stringify(ambiguous?.json),
		);
		check('an unknown hostname is refused', refused.some((entry) => /no Defender device is named "ghost-99/.test(entry.json.error)));

		const stats = sim.stats();
		const posts = sim.requests.filter((request) => request.method === 'POST' && request.path.endsWith('/unisolate'));
		check('exactly one token request', stats.tokenRequests === 1, `${stats.tokenRequests}`);
		check(
			'exactly one POST per released device, none for the refused ones',
			posts.length === wanted.length && wanted.every((hostname) => stats.postsByMachine[byName.get(hostname).id] === 1),
			JSON.stringify(stats.postsByMachine),
		);
		check(
			'the Comment was sent exactly as typed',
			posts.every((post, n) => /^Released after INC-\d+ /.test(post.body.Comment) && post.body.Comment.endsWith(COMMENT_SUFFIX)) && posts.length > 0,
			JSON.stringify(posts.map((post) => post.body)),
		);
		const lookups = sim.requests.filter((request) => request.method === 'GET' && request.path === '/api/machines');
		check(
			"hostnames were looked up with computerDnsName eq '…' (quote doubled)",
			lookups.some((request) => request.query.$filter === `computerDnsName eq '${QUOTED_HOSTNAME.replace(/'/g, "''")}'`) &&
				lookups.every((request) => /^computerDnsName eq '.*'$/.test(request.query.$filter)),
			JSON.stringify(lookups.map((request) => request.query)),
		);
		const everything = stdout + stderr;
		check('no client secret in n8n output', !everything.includes(sim.credentials.clientSecret));
		check('no access token in n8n output', !sim.leaksToken(everything));
	} finally {
		await sim.close();
		fs.rmSync(userFolder, { recursive: true, force: true });
	}
}

main()
	.catch((error) => {
		failed++;
		console.error(error.stdout ?? '', error.stderr ?? '', error);
	})
	.finally(() => {
		console.log(`\ne2e: ${passed} passed, ${failed} failed`);
		process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
	});
