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
 */
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');

const cli = require('./lib/n8n-cli');
const { createReport, seconds, clip } = require('./lib/checks');
const { buildIfStale, pack } = require('./lib/package-tarball');

const { REPO_ROOT } = cli;
const NODE_TYPE = 'n8n-nodes-defender-for-endpoint.defenderForEndpoint';
const CREDENTIAL_TYPE = 'defenderForEndpointOAuth2Api';
const CREDENTIAL = { id: 'defenderSimulator', name: 'Defender (simulator)' };
const DEFENDER_NODE = 'Release From Isolation';
const ISOLATED_NODE = 'Isolated for more than 24 hours';
/** Who isolated the simulator's seeded incidents. */
const SEEDED_REQUESTOR = 'soc@contoso.com';
const EXAMPLES = path.join(REPO_ROOT, 'examples');
const TICKET_COMMENT_TEMPLATE = '=Released after {{ $json.ticket }} was closed – scan "clean", approved by Zoë';
const ticketComment = (ticket) => `Released after ${ticket} was closed – scan "clean", approved by Zoë`;
const scheduledComment = (reason) => `Scheduled release: ${reason}`;

const { check, fail, phase, finish } = createReport('e2e');

// ---------------------------------------------------------------------------------------------------------------
// Token endpoint pass-through: forwards to the simulator and remembers every access token it hands out, so the test
// can look for them in n8n's output. (The simulator keeps its tokens to itself.)

async function startTokenRecorder(targetUrl) {
	const target = new URL(targetUrl);
	const tokens = new Set();
	const server = http.createServer((req, res) => {
		const chunks = [];
		req.on('data', (chunk) => chunks.push(chunk));
		req.on('end', () => {
			const forward = http.request(
				{ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
				(answer) => {
					const body = [];
					answer.on('data', (chunk) => body.push(chunk));
					answer.on('end', () => {
						const text = Buffer.concat(body).toString('utf8');
						try {
							const token = JSON.parse(text).access_token;
							if (token) tokens.add(token);
						} catch {
							// not JSON: nothing to remember
						}
						res.writeHead(answer.statusCode, answer.headers);
						res.end(text);
					});
				},
			);
			forward.on('error', (error) => {
				res.writeHead(502);
				res.end(String(error));
			});
			forward.end(Buffer.concat(chunks));
		});
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address();
	return {
		url: `http://127.0.0.1:${port}${target.pathname}`,
		tokens,
		close: () => new Promise((resolve) => server.close(resolve)),
	};
}

// ---------------------------------------------------------------------------------------------------------------
// Workflows under test

function readExample(file) {
	return JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), 'utf8'));
}

const nodeNamed = (workflow, name) => workflow.nodes.find((node) => node.name === name);

/** A Code node's source that returns the given items. */
const itemsCode = (items) => `return ${JSON.stringify(items, null, 2)}.map((json) => ({ json }));`;

/** Replaces a workflow's trigger by a Manual Trigger of the same name (`n8n execute` starts at a Manual Trigger). */
function withManualTrigger(workflow, triggerType) {
	const copy = structuredClone(workflow);
	const trigger = copy.nodes.find((node) => node.type === triggerType);
	if (!trigger) throw new Error(`${workflow.name}: no ${triggerType} node`);
	Object.assign(trigger, { type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, parameters: {} });
	return copy;
}

function checkExampleShape(file, workflow) {
	const defender = nodeNamed(workflow, DEFENDER_NODE);
	check(
		defender && defender.type === NODE_TYPE && defender.typeVersion === 1 && defender.parameters.resource === 'device' && defender.parameters.operation === 'releaseFromIsolation',
		`${file}: "${DEFENDER_NODE}" is ${NODE_TYPE} v1, device → releaseFromIsolation`,
		defender,
	);
	check(
		defender?.credentials?.[CREDENTIAL_TYPE]?.id === CREDENTIAL.id && defender?.credentials?.[CREDENTIAL_TYPE]?.name === CREDENTIAL.name,
		`${file}: uses the ${CREDENTIAL_TYPE} credential "${CREDENTIAL.name}"`,
		defender?.credentials,
	);
	const allowed = new Set(['n8n-nodes-base.manualTrigger', 'n8n-nodes-base.scheduleTrigger', 'n8n-nodes-base.code', 'n8n-nodes-base.set', NODE_TYPE]);
	const others = workflow.nodes.filter((node) => !allowed.has(node.type)).map((node) => node.type);
	check(others.length === 0, `${file}: only core n8n nodes besides Defender for Endpoint`, others);
	return defender;
}

// ---------------------------------------------------------------------------------------------------------------
// Run data helpers

const HTTP_ALLOWED_NODE = 'Cloud API host';
const HTTP_OTHER_HOST_NODE = 'Another host';

/** Manual Trigger → HTTP Request to the API host → the same request to another name of the same machine. */
function httpRequestWorkflow(apiBaseUrl) {
	const request = (name, baseUrl, x) => ({
		id: name,
		name,
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		position: [x, 0],
		parameters: {
			url: `${baseUrl}/api/machines?$top=1`,
			authentication: 'predefinedCredentialType',
			nodeCredentialType: CREDENTIAL_TYPE,
			options: {},
		},
		credentials: { [CREDENTIAL_TYPE]: CREDENTIAL },
		onError: 'continueRegularOutput',
	});
	return {
		id: 'e2eHttpRequestDomains',
		name: 'HTTP Request with the Defender credential (e2e)',
		active: false,
		settings: {},
		nodes: [
			{ id: 'trigger', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			request(HTTP_ALLOWED_NODE, apiBaseUrl, 200),
			request(HTTP_OTHER_HOST_NODE, apiBaseUrl.replace('127.0.0.1', 'localhost'), 400),
		],
		connections: {
			Start: { main: [[{ node: HTTP_ALLOWED_NODE, type: 'main', index: 0 }]] },
			[HTTP_ALLOWED_NODE]: { main: [[{ node: HTTP_OTHER_HOST_NODE, type: 'main', index: 0 }]] },
		},
	};
}

function nodeRun(runData, name) {
	const runs = runData?.[name];
	return Array.isArray(runs) ? runs[0] : undefined;
}

function outputItems(runData, name, output = 0) {
	return nodeRun(runData, name)?.data?.main?.[output] ?? [];
}

function requestsBetween(sim, from, to) {
	return sim.requests.slice(from, to);
}

const isTokenRequest = (request) => request.path.endsWith('/oauth2/v2.0/token');
const unisolatePosts = (requests) => requests.filter((r) => r.method === 'POST' && /^\/api\/machines\/[^/]+\/unisolate$/.test(r.path));
const postMachineId = (request) => /^\/api\/machines\/([^/]+)\/unisolate$/.exec(request.path)[1];
const lookups = (requests) => requests.filter((r) => r.method === 'GET' && r.path === '/api/machines' && r.query?.$filter !== undefined);
const odataString = (value) => `'${value.replace(/'/g, "''")}'`;

function countBy(values) {
	const counts = new Map();
	for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
	return counts;
}

/** Checks of the n8n process result common to every command. */
function checkProcess(label, result) {
	check(!result.timedOut, `${label}: finished in time (${seconds(result.ms)})`);
	check(result.code === 0, `${label}: exit code 0`, result.code === 0 ? undefined : clip(`exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`));
	const unknownType = /Unrecognized node type|Unrecognized credential type|is not known/i.exec(result.stdout + result.stderr);
	check(!unknownType, `${label}: n8n knows the node and credential types`, unknownType?.[0]);
}

// ---------------------------------------------------------------------------------------------------------------

/** The n8n version from `--n8n VERSION` (or `--n8n=VERSION`), else the default. */
function n8nVersionArgument(args) {
	const at = args.findIndex((arg) => arg === '--n8n' || arg.startsWith('--n8n='));
	if (at === -1) return cli.N8N_VERSION;
	const version = args[at].includes('=') ? args[at].slice('--n8n='.length) : args[at + 1];
	if (!cli.N8N_RUNTIMES[version]) {
		throw new Error(`--n8n ${version ?? ''}: the tested n8n versions are ${Object.keys(cli.N8N_RUNTIMES).join(', ')}`);
	}
	return version;
}

async function main() {
	if (Number(process.versions.node.split('.')[0]) < 24) {
		throw new Error(`Node ${process.version}: the e2e test itself runs on Node 24 (it builds and packs the package). Run it through scripts/dev.sh or put Node 24 first on PATH.`);
	}
	const n8nVersion = n8nVersionArgument(process.argv.slice(2));
	const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-mde-e2e-'));
	const userFolder = path.join(temp, 'user');
	const netLog = path.join(temp, 'net.log');
	fs.mkdirSync(userFolder, { recursive: true });
	fs.writeFileSync(netLog, '');
	const transcript = []; // every n8n command's output, searched for secrets at the end
	let sim;
	let recorder;
	try {
		const runtime = cli.n8nRuntime(n8nVersion);
		const n8n = await phase(`n8n ${n8nVersion} CLI on Node.js ${runtime.nodeMajor} (cache: ${runtime.dir})`, async () => {
			const installed = await cli.ensureN8n({ version: n8nVersion, log: (line) => console.log(`  ${line}`) });
			console.log(installed.installedNow ? `  installed in ${seconds(installed.ms)}` : '  reusing the cached install');
			const nodeVersion = await cli.run(installed.node, ['--version'], { env: process.env, timeoutMs: 60_000 });
			check(nodeVersion.stdout.startsWith(`v${runtime.nodeMajor}.`), `n8n runs on Node.js ${nodeVersion.stdout.trim()}`, nodeVersion.stdout + nodeVersion.stderr);
			const version = await cli.run(installed.node, [installed.bin, '--version'], { env: process.env, timeoutMs: 60_000 });
			check(version.stdout.trim() === n8nVersion, `n8n --version is ${n8nVersion}`, version.stdout.trim() || version.stderr);
			return installed;
		});

		const packed = await phase('build, pack and install the package as a community package', async () => {
			await buildIfStale();
			const result = await pack(temp);
			check(
				result.files.includes('dist/nodes/DefenderForEndpoint/DefenderForEndpoint.node.js') &&
					result.files.includes('dist/credentials/DefenderForEndpointOAuth2Api.credentials.js') &&
					result.files.includes('dist/credentials/DefenderForEndpointDelegatedOAuth2Api.credentials.js'),
				`npm pack: ${path.basename(result.tarball)} contains the node and both credentials`,
				result.files,
			);
			const installed = await cli.installCommunityPackage(result.tarball, userFolder, { node: n8n.node });
			const manifest = installed.manifest;
			check(
				installed.name === 'n8n-nodes-defender-for-endpoint' && (manifest.n8n?.nodes ?? []).every((file) => fs.existsSync(path.join(installed.packageDir, file))) && (manifest.n8n?.credentials ?? []).every((file) => fs.existsSync(path.join(installed.packageDir, file))),
				`installed into ${path.relative(temp, installed.packageDir)} with every file its package.json "n8n" section names`,
				manifest.n8n,
			);
			return result;
		});

		sim = await phase('simulator', async () => {
			const { startSimulator } = require(path.join(REPO_ROOT, 'simulator'));
			// Actions finish 3 s after they are submitted (instead of 15 s), so that release-and-wait.json, whose node
			// first checks an action after 5 s, sees it Succeeded at its first check.
			const started = await startSimulator({ port: 0, deviceCount: 40, actionTimeline: { pendingSeconds: 1, inProgressSeconds: 2 } });
			recorder = await startTokenRecorder(started.tokenUrl);
			console.log(`  simulator on ${started.url}; token endpoint through ${recorder.url}`);
			return started;
		});
		const secret = sim.credentials?.clientSecret ?? require(path.join(REPO_ROOT, 'simulator')).DEFAULT_CREDENTIALS.clientSecret;
		const simCredentials = sim.credentials ?? require(path.join(REPO_ROOT, 'simulator')).DEFAULT_CREDENTIALS;
		const byName = (name) => sim.devices.filter((device) => device.computerDnsName.toLowerCase() === name.toLowerCase());
		const oneByName = (name) => {
			const found = byName(name);
			if (found.length !== 1) throw new Error(`simulator inventory: expected one device named ${name}, found ${found.length}`);
			return found[0];
		};

		const env = cli.n8nEnv({
			userFolder,
			brokerPort: await cli.freePort(),
			netLog,
			encryptionKey: crypto.randomBytes(24).toString('hex'),
		});
		const n8nRun = async (label, args) => {
			const result = await cli.runN8n(n8n, args, env);
			transcript.push({ label, ...result });
			return result;
		};

		// --- Workflows: the two examples as shipped (triggers swapped where `n8n execute` needs it), and a copy of
		// the ticket example whose tickets name an ambiguous and an unknown hostname.
		const ticketExample = readExample('ticket-to-release.json');
		const scheduledExample = readExample('scheduled-bulk-release.json');
		const waitExample = readExample('release-and-wait.json');
		const isolatedExample = readExample('release-isolated-devices.json');
		const workflows = await phase('workflows', async () => {
			const ticketDefender = checkExampleShape('ticket-to-release.json', ticketExample);
			check(ticketDefender?.parameters?.device?.__rl === true && ticketDefender.parameters.device.mode === 'hostname', 'ticket-to-release.json: device by hostname (resource locator)', ticketDefender?.parameters?.device);
			check(ticketDefender?.parameters?.comment === TICKET_COMMENT_TEMPLATE, 'ticket-to-release.json: the comment this test expects, with a quote and non-ASCII characters', ticketDefender?.parameters?.comment);
			check(
				nodeNamed(ticketExample, 'Closed tickets')?.type === 'n8n-nodes-base.code' && ticketExample.nodes.some((n) => n.type === 'n8n-nodes-base.manualTrigger'),
				'ticket-to-release.json: Manual Trigger → Code node with the tickets',
			);
			const scheduledDefender = checkExampleShape('scheduled-bulk-release.json', scheduledExample);
			check(scheduledExample.nodes.some((n) => n.type === 'n8n-nodes-base.scheduleTrigger'), 'scheduled-bulk-release.json: starts with a Schedule Trigger');
			check(scheduledDefender?.parameters?.device?.mode === 'id', 'scheduled-bulk-release.json: device by machine ID (resource locator)', scheduledDefender?.parameters?.device);

			const waitDefender = checkExampleShape('release-and-wait.json', waitExample);
			check(waitDefender?.parameters?.waitForCompletion === true && waitDefender?.parameters?.comment === TICKET_COMMENT_TEMPLATE, 'release-and-wait.json: Wait for Completion on, the same comment as the ticket example', waitDefender?.parameters);

			const tickets = { ...structuredClone(ticketExample), id: 'e2eTicketsAsShipped', name: `${ticketExample.name} (e2e)` };
			const waiting = { ...structuredClone(waitExample), id: 'e2eReleaseAndWait', name: `${waitExample.name} (e2e)` };

			const failuresCase = structuredClone(ticketExample);
			failuresCase.id = 'e2eTicketsFailures';
			failuresCase.name = `${ticketExample.name} (e2e: ambiguous and unknown hosts)`;
			const failureTickets = [
				{ ticket: 'INC-2001', hostname: 'ws-0012.contoso.local' },
				{ ticket: 'INC-2002', hostname: 'dup-host.contoso.local' },
				{ ticket: 'INC-2003', hostname: 'no-such-host.contoso.local' },
				{ ticket: 'INC-2004', hostname: 'ws-0015.contoso.local' },
			];
			nodeNamed(failuresCase, 'Closed tickets').parameters.jsCode = itemsCode(failureTickets);

			const scheduled = withManualTrigger(scheduledExample, 'n8n-nodes-base.scheduleTrigger');
			scheduled.id = 'e2eScheduledBulk';
			scheduled.name = `${scheduledExample.name} (e2e)`;
			// The same devices as the example, looked up in this simulator, plus one listed twice.
			const scheduledDevices = ['ws-0018.contoso.local', 'ws-0011.contoso.local', 'ws-0013.contoso.local', 'ws-0013.contoso.local'].map((hostname, index) => ({
				machineId: oneByName(hostname).id,
				reason: `CHG-${3001 + index} containment window ended`,
			}));
			nodeNamed(scheduled, 'Devices due for release').parameters.jsCode = itemsCode(scheduledDevices);

			const isolatedDefender = checkExampleShape('release-isolated-devices.json', isolatedExample);
			const lister = nodeNamed(isolatedExample, ISOLATED_NODE);
			check(
				lister?.type === NODE_TYPE && lister.parameters.operation === 'getIsolatedDevices' && lister.parameters.filters?.states?.join() === 'isolated' && /minus\(24, 'hours'\)/.test(lister.parameters.filters?.isolatedBefore),
				`release-isolated-devices.json: "${ISOLATED_NODE}" lists devices isolated more than 24 hours ago`,
				lister?.parameters,
			);
			check(isolatedDefender?.parameters?.device?.value === '={{ $json.machineId }}', 'release-isolated-devices.json: releases each listed device by its machine ID', isolatedDefender?.parameters?.device);
			const isolated = withManualTrigger(isolatedExample, 'n8n-nodes-base.scheduleTrigger');
			isolated.id = 'e2eReleaseIsolated';
			isolated.name = `${isolatedExample.name} (e2e)`;
			// The simulator's incidents were isolated by soc@contoso.com, not by this app.
			nodeNamed(isolated, ISOLATED_NODE).parameters.filters.requestor = SEEDED_REQUESTOR;

			const httpRequest = httpRequestWorkflow(sim.apiBaseUrl);

			const file = path.join(temp, 'workflows.json');
			fs.writeFileSync(file, JSON.stringify([tickets, failuresCase, scheduled, waiting, isolated, httpRequest], null, 2));
			return { file, tickets, failuresCase, failureTickets, scheduled, scheduledDevices, waiting, isolated, httpRequest };
		});

		await phase('n8n import:credentials and import:workflow', async () => {
			const credentialsFile = path.join(temp, 'credentials.json');
			fs.writeFileSync(
				credentialsFile,
				JSON.stringify([
					{
						...CREDENTIAL,
						type: CREDENTIAL_TYPE,
						data: {
							cloud: 'custom',
							tenantId: simCredentials.tenantId,
							applicationId: simCredentials.clientId,
							applicationSecret: secret,
							customApiBaseUrl: sim.apiBaseUrl,
							customTokenUrl: recorder.url,
							customScope: sim.scope,
						},
					},
				]),
			);
			const importedCredentials = await n8nRun('import:credentials', ['import:credentials', `--input=${credentialsFile}`]);
			checkProcess('n8n import:credentials', importedCredentials);
			check(/Successfully imported 1 credential/.test(importedCredentials.stdout), 'n8n import:credentials: 1 credential imported', clip(importedCredentials.stdout.split('\n').slice(-5).join('\n')));
			fs.rmSync(credentialsFile); // the only file of ours holding the secret

			const importedWorkflows = await n8nRun('import:workflow', ['import:workflow', `--input=${workflows.file}`]);
			checkProcess('n8n import:workflow', importedWorkflows);
			check(/Successfully imported 6 workflows/.test(importedWorkflows.stdout), 'n8n import:workflow: 6 workflows imported', clip(importedWorkflows.stdout.split('\n').slice(-5).join('\n')));
		});

		const execute = async (workflow) => {
			const from = sim.requests.length;
			const result = await n8nRun(`execute ${workflow.id}`, ['execute', `--id=${workflow.id}`, '--rawOutput']);
			const requests = requestsBetween(sim, from, sim.requests.length);
			checkProcess(`n8n execute --id=${workflow.id}`, result);
			const output = cli.parseExecuteOutput(result.stdout);
			check(output !== undefined, `n8n execute --id=${workflow.id}: --rawOutput printed the run data`, output ? undefined : clip(result.stdout + result.stderr));
			const runData = output?.data?.resultData?.runData ?? {};
			// n8n 1.85.3's `execute` prints a successful run with status "running"; `finished: true` is set on success only.
			const successStatus = output?.status === 'success' || (n8nVersion.startsWith('1.') && output?.status === 'running');
			check(successStatus && output?.finished === true && !output?.data?.resultData?.error, `n8n execute --id=${workflow.id}: execution finished with success`, output?.data?.resultData?.error ?? { status: output?.status, finished: output?.finished });
			const defenderRun = nodeRun(runData, DEFENDER_NODE);
			check(defenderRun !== undefined && defenderRun.executionStatus !== 'error', `n8n execute --id=${workflow.id}: the community node ran (its type was loaded from .n8n/nodes)`, defenderRun?.error ?? Object.keys(runData));
			return { result, runData, requests };
		};

		/** Output item i is the MachineAction for `device`: a pending Unisolate with the comment sent. */
		const checkAction = (label, item, device, comment) => {
			const json = item?.json ?? {};
			check(
				json.type === 'Unisolate' && json.status === 'Pending' && json.machineId === device.id && json.requestorComment === comment && typeof json.id === 'string' && json.id.length > 0,
				`${label}: MachineAction Unisolate/Pending for ${device.computerDnsName} (${device.id.slice(0, 8)}…)`,
				json,
			);
		};

		// --- A: the ticket example as shipped: every ticket's device is released.
		const runA = await phase('execute ticket-to-release.json as shipped', async () => {
			const run = await execute(workflows.tickets);
			const tickets = outputItems(run.runData, 'Closed tickets').map((item) => item.json);
			check(tickets.length >= 2 && tickets.every((t) => typeof t.ticket === 'string' && byName(t.hostname).length === 1), `the example's ${tickets.length} tickets each name one simulator device`, tickets);
			const released = outputItems(run.runData, DEFENDER_NODE, 0);
			const refused = outputItems(run.runData, DEFENDER_NODE, 1);
			check(released.length === tickets.length, `one success item per ticket (${released.length}/${tickets.length})`, released.map((i) => i.json));
			check(refused.length === 0, 'no error item', refused.map((i) => i.json));
			tickets.forEach((ticket, index) => {
				const item = released.find((r) => r.pairedItem?.item === index) ?? released[index];
				checkAction(`ticket ${ticket.ticket}`, item, byName(ticket.hostname)[0], ticketComment(ticket.ticket));
			});
			const summary = outputItems(run.runData, 'Summary').map((item) => item.json);
			check(
				summary.length === 1 && summary[0].released === tickets.length && summary[0].actions.every((a, i) => a.ticket === tickets[i].ticket && a.machineId === byName(tickets[i].hostname)[0].id),
				'Summary: one item, every ticket released with its machine',
				summary,
			);
			return { ...run, tickets };
		});

		// --- B: ambiguous and unknown hostnames become error items; the other tickets still succeed.
		const runB = await phase('execute the ticket workflow with an ambiguous and an unknown hostname (On Error: continue using error output)', async () => {
			const run = await execute(workflows.failuresCase);
			const released = outputItems(run.runData, DEFENDER_NODE, 0);
			const refused = outputItems(run.runData, DEFENDER_NODE, 1);
			const [ok1, dup, unknown, ok2] = workflows.failureTickets;
			check(released.length === 2, 'two success items (the two known, unambiguous hosts)', released.map((i) => i.json));
			checkAction(`ticket ${ok1.ticket}`, released.find((i) => i.pairedItem?.item === 0), oneByName(ok1.hostname), ticketComment(ok1.ticket));
			checkAction(`ticket ${ok2.ticket}`, released.find((i) => i.pairedItem?.item === 3), oneByName(ok2.hostname), ticketComment(ok2.ticket));
			check(refused.length === 2, 'two error items', refused.map((i) => i.json));
			const dupItem = refused.find((i) => i.pairedItem?.item === 1)?.json ?? {};
			const dupText = `${dupItem.error ?? ''} ${dupItem.details ?? ''}`;
			const dupDevices = byName(dup.hostname);
			check(dupDevices.length === 2, `the simulator has two devices named ${dup.hostname}`, dupDevices.map((d) => d.computerDnsName));
			check(
				typeof dupItem.error === 'string' && dupDevices.every((device) => dupText.includes(device.id)),
				`ticket ${dup.ticket}: error item for the ambiguous hostname names both matching devices`,
				dupItem,
			);
			const unknownItem = refused.find((i) => i.pairedItem?.item === 2)?.json ?? {};
			check(typeof unknownItem.error === 'string' && unknownItem.error.includes(unknown.hostname), `ticket ${unknown.ticket}: error item names the unknown hostname`, unknownItem);
			const notReleased = outputItems(run.runData, 'Not released').map((item) => item.json);
			check(
				notReleased.length === 2 && notReleased.map((n) => n.ticket).sort().join() === [dup.ticket, unknown.ticket].join() && notReleased.every((n) => typeof n.error === 'string'),
				'"Not released" branch: the two tickets with their reasons',
				notReleased,
			);
			const summary = outputItems(run.runData, 'Summary').map((item) => item.json);
			check(summary.length === 1 && summary[0].released === 2, 'Summary: 2 released', summary);
			const posted = new Set(unisolatePosts(run.requests).map(postMachineId));
			check(dupDevices.every((device) => !posted.has(device.id)), `no POST for either ${dup.hostname} device`, [...posted]);
			return run;
		});

		// --- C: the scheduled example (trigger swapped), devices by machine ID, one listed twice.
		await phase('execute scheduled-bulk-release.json (Schedule Trigger swapped for a Manual Trigger)', async () => {
			const run = await execute(workflows.scheduled);
			const released = outputItems(run.runData, DEFENDER_NODE, 0);
			const refused = outputItems(run.runData, DEFENDER_NODE, 1);
			check(released.length === workflows.scheduledDevices.length, `one success item per listed device (${released.length}/${workflows.scheduledDevices.length})`, released.map((i) => i.json));
			check(refused.length === 0, 'no error item', refused.map((i) => i.json));
			workflows.scheduledDevices.forEach((entry, index) => {
				const device = sim.devices.find((d) => d.id === entry.machineId);
				const firstListing = workflows.scheduledDevices.findIndex((e) => e.machineId === entry.machineId);
				const item = released.find((r) => r.pairedItem?.item === index) ?? released[index];
				checkAction(`device #${index + 1}`, item, device, scheduledComment(workflows.scheduledDevices[firstListing].reason));
			});
			const [, , third, fourth] = workflows.scheduledDevices.map((_, index) => released.find((r) => r.pairedItem?.item === index)?.json);
			check(third?.id !== undefined && third?.id === fourth?.id, 'a device listed twice gets one action, reported on both items', [third?.id, fourth?.id]);
			check(lookups(run.requests).length === 0, 'devices by ID: no hostname lookup', lookups(run.requests).map((r) => r.query));
			const summary = outputItems(run.runData, 'Summary').map((item) => item.json);
			check(summary.length === 1 && summary[0].released === workflows.scheduledDevices.length, `Summary: ${workflows.scheduledDevices.length} released`, summary);
			return run;
		});

		// --- D: release-and-wait.json as shipped: the node checks each action until Defender reports it done.
		const runD = await phase('execute release-and-wait.json as shipped (Wait for Completion)', async () => {
			const run = await execute(workflows.waiting);
			const tickets = outputItems(run.runData, 'Closed tickets').map((item) => item.json);
			check(tickets.length >= 1 && tickets.every((t) => byName(t.hostname).length === 1), `the example's ${tickets.length} tickets each name one simulator device`, tickets);
			const released = outputItems(run.runData, DEFENDER_NODE, 0);
			const refused = outputItems(run.runData, DEFENDER_NODE, 1);
			check(released.length === tickets.length && refused.length === 0, `one success item per ticket, no error item (${released.length}/${tickets.length}, ${refused.length})`, refused.map((i) => i.json));
			tickets.forEach((ticket, index) => {
				const json = (released.find((r) => r.pairedItem?.item === index) ?? released[index])?.json ?? {};
				const device = byName(ticket.hostname)[0];
				check(
					json.type === 'Unisolate' && json.status === 'Succeeded' && json.completion === 'completed' && json.machineId === device.id && json.requestorComment === ticketComment(ticket.ticket),
					`ticket ${ticket.ticket}: MachineAction Unisolate/Succeeded, completion "completed", for ${device.computerDnsName}`,
					json,
				);
				const polls = run.requests.filter((r) => r.method === 'GET' && r.path === `/api/machineactions/${json.id}`);
				check(polls.length >= 1 && polls.every((p) => p.status === 200), `ticket ${ticket.ticket}: the node checked its action (${polls.length} GET /api/machineactions/{id})`, polls.map((p) => p.status));
			});
			const outcomes = outputItems(run.runData, 'Outcome per ticket').map((item) => item.json);
			check(
				outcomes.length === tickets.length && outcomes.every((o, i) => o.ticket === tickets[i].ticket && o.released === true && o.finalStatus === 'Succeeded' && o.waited === 'completed'),
				'"Outcome per ticket" (Set node): every ticket released, Succeeded, completed',
				outcomes,
			);
			return { ...run, tickets };
		});

		// --- E: release-isolated-devices.json (trigger swapped): Get Isolated Devices → release every device it lists.
		const runE = await phase('execute release-isolated-devices.json (Schedule Trigger swapped for a Manual Trigger)', async () => {
			// Ground truth from the simulator: devices whose newest isolation action is a succeeded Isolate by the seeded
			// requestor, more than 24 hours old (earlier executions released some of the seeded ones already).
			const dayAgo = sim.now() - 86_400_000;
			const expected = sim.devices.filter((device) => {
				const newest = sim.actionsOf(device.id).sort((a, b) => Date.parse(b.creationDateTimeUtc) - Date.parse(a.creationDateTimeUtc))[0];
				return newest?.type === 'Isolate' && newest.status === 'Succeeded' && newest.requestor === SEEDED_REQUESTOR && Date.parse(newest.lastUpdateDateTimeUtc) < dayAgo;
			});
			const run = await execute(workflows.isolated);
			const listed = outputItems(run.runData, ISOLATED_NODE).map((item) => item.json);
			check(expected.length >= 5, `the simulator has devices isolated more than 24 hours ago (${expected.length})`);
			check(
				JSON.stringify(listed.map((device) => device.machineId).sort()) === JSON.stringify(expected.map((device) => device.id).sort()),
				`Get Isolated Devices listed exactly the ${expected.length} devices isolated more than 24 hours ago by ${SEEDED_REQUESTOR}`,
				{ listed: listed.map((device) => device.computerDnsName), expected: expected.map((device) => device.computerDnsName) },
			);
			check(
				listed.every((device) => device.isolationState === 'isolated' && device.requestor === SEEDED_REQUESTOR && Date.parse(device.since) < dayAgo && device.decidedBy?.type === 'Isolate'),
				'each listed device: state isolated, since, by whom, and the deciding action',
				listed,
			);
			const listCalls = run.requests.filter((r) => r.method === 'GET' && r.path === '/api/machineactions' && r.query?.$filter === "type eq 'Isolate' or type eq 'Unisolate'");
			check(listCalls.length === 1, `one call listed the tenant's isolation actions (${listCalls.length})`);
			const released = outputItems(run.runData, DEFENDER_NODE, 0);
			check(released.length === listed.length && outputItems(run.runData, DEFENDER_NODE, 1).length === 0, `one success item per listed device (${released.length}/${listed.length})`);
			const posted = countBy(unisolatePosts(run.requests).map(postMachineId));
			check(expected.every((device) => posted.get(device.id) === 1) && posted.size === expected.length, 'exactly one POST per listed device, none for any other', [...posted]);
			const summary = outputItems(run.runData, 'Summary').map((item) => item.json);
			check(summary.length === 1 && summary[0].released === listed.length, `Summary: ${listed.length} released`, summary);
			return { ...run, listed };
		});

		// --- The credential in n8n's HTTP Request node: its Allowed HTTP Request Domains default to the cloud's hosts.
		await phase("HTTP Request node with this credential (Allowed HTTP Request Domains left at This Cloud's Hosts)", async () => {
			const from = sim.requests.length;
			const result = await n8nRun(`execute ${workflows.httpRequest.id}`, ['execute', `--id=${workflows.httpRequest.id}`, '--rawOutput']);
			checkProcess(`n8n execute --id=${workflows.httpRequest.id}`, result);
			const runData = cli.parseExecuteOutput(result.stdout)?.data?.resultData?.runData ?? {};
			const allowed = outputItems(runData, HTTP_ALLOWED_NODE).map((item) => item.json);
			check(allowed.length === 1 && allowed[0].value?.length === 1, "a request to the cloud's API host (the simulator, by its address) is made with the credential's token", allowed);
			const refused = outputItems(runData, HTTP_OTHER_HOST_NODE).map((item) => item.json);
			check(
				refused.length === 1 && /^Domain not allowed: .*localhost.*allowed: 127\.0\.0\.1$/.test(refused[0].error?.message ?? ''),
				'the same request to another host name (localhost) is refused by n8n before it is sent',
				refused,
			);
			const seen = requestsBetween(sim, from, sim.requests.length).filter((r) => !isTokenRequest(r));
			check(seen.length === 1 && seen[0].hasBearer, 'the simulator saw only the allowed request', seen.map((r) => r.path));
		});

		// --- The simulator's request log over all executions.
		await phase('simulator request log', async () => {
			const all = sim.requests;
			const tokenRequests = all.filter(isTokenRequest);
			check(tokenRequests.length === 1, `exactly one token request over all 6 executions (${tokenRequests.length}): n8n stores the token with the credential and later executions reuse it`, tokenRequests.map((r) => ({ status: r.status, body: r.body })));
			check(
				tokenRequests.every((r) => r.status === 200 && r.body?.grant_type === 'client_credentials' && r.body?.scope === sim.scope && r.body?.client_id === simCredentials.clientId),
				'token request: client_credentials grant, the configured scope and client ID',
				tokenRequests.map((r) => r.body),
			);
			check(recorder.tokens.size === tokenRequests.length, `the token pass-through saw ${recorder.tokens.size} token(s)`);
			const api = all.filter((r) => !isTokenRequest(r));
			check(api.length > 0 && api.every((r) => r.hasBearer && r.status !== 401), 'every API call carried a valid bearer token', api.filter((r) => !r.hasBearer || r.status === 401));

			const expectedPosts = new Map(); // machine id → comment
			for (const t of runA.tickets) expectedPosts.set(byName(t.hostname)[0].id, ticketComment(t.ticket));
			for (const t of [workflows.failureTickets[0], workflows.failureTickets[3]]) expectedPosts.set(oneByName(t.hostname).id, ticketComment(t.ticket));
			for (const d of workflows.scheduledDevices) if (!expectedPosts.has(d.machineId)) expectedPosts.set(d.machineId, scheduledComment(d.reason));
			for (const t of runD.tickets) expectedPosts.set(byName(t.hostname)[0].id, ticketComment(t.ticket));
			for (const device of runE.listed) {
				expectedPosts.set(device.machineId, `Nightly release: isolated since ${device.since} by ${device.requestor} (${device.comment})`);
			}
			const posts = unisolatePosts(all);
			const perMachine = countBy(posts.map(postMachineId));
			for (const [machineId, comment] of expectedPosts) {
				const device = sim.devices.find((d) => d.id === machineId);
				const mine = posts.filter((p) => postMachineId(p) === machineId);
				check(perMachine.get(machineId) === 1, `exactly one POST /api/machines/{id}/unisolate for ${device.computerDnsName}`, perMachine.get(machineId) ?? 0);
				check(
					mine.length === 1 && mine[0].status === 201 && JSON.stringify(mine[0].body) === JSON.stringify({ Comment: comment }),
					`${device.computerDnsName}: body {"Comment": ${JSON.stringify(comment)}} sent byte for byte`,
					mine.map((p) => ({ status: p.status, body: p.body })),
				);
			}
			const unexpected = [...perMachine.keys()].filter((id) => !expectedPosts.has(id));
			check(unexpected.length === 0, 'no POST for any other device', unexpected);
			check(all.filter((r) => r.method === 'POST' && /\/isolate$/.test(r.path)).length === 0, 'no isolate call');

			const hostnamesLookedUp = [...runA.tickets, ...workflows.failureTickets, ...runD.tickets].map((t) => t.hostname);
			const filters = lookups([...runA.requests, ...runB.requests, ...runD.requests]).map((r) => r.query.$filter);
			for (const hostname of new Set(hostnamesLookedUp)) {
				// Hostnames are looked up in batches: `computerDnsName eq 'a' or computerDnsName eq 'b' …`.
				const expected = `computerDnsName eq ${odataString(hostname)}`;
				check(filters.some((filter) => filter.split(' or ').includes(expected)), `hostname lookup used ${expected} in its $filter`, filters);
			}
			check(
				filters.every((f) => /^computerDnsName eq '(?:[^']|'')*'(?: or computerDnsName eq '(?:[^']|'')*')*$/.test(f)),
				'every lookup filter is computerDnsName eq clauses joined by or, nothing else',
				filters,
			);
			check(filters.length === 3, `one batched lookup per execution that names hostnames (${filters.length})`, filters);
		});

		// --- F: delegated sign-in, against a simulator of its own (the request-log checks above stay about the app).
		// The credential holds what n8n stores after "Connect my account" (a code redeemed at the simulator); its access
		// token is expired first, so n8n itself renews it with the refresh token grant.
		await phase('delegated sign-in: release as the analyst, token refresh, a device outside the groups, a revoked sign-in', async () => {
			const { startSimulator } = require(path.join(REPO_ROOT, 'simulator'));
			const { simulatorDelegatedCredential, signInAtSimulator } = require(path.join(REPO_ROOT, 'tooling', 'simulatorCredential'));
			const delegatedSim = await startSimulator({ port: 0, deviceCount: 12, seedActions: false });
			try {
				const upn = delegatedSim.delegated.users[0].upn;
				const inside = delegatedSim.devices.find((device) => device.rbacGroupName === 'SOC devices');
				const outside = delegatedSim.devices.find((device) => device.rbacGroupName === 'Finance servers');
				const tokenData = await signInAtSimulator(delegatedSim);
				delegatedSim.expireTokens();
				const credential = { id: 'defenderDelegated', name: 'Analyst (simulator)', type: 'defenderForEndpointDelegatedOAuth2Api' };
				const workflow = {
					id: 'e2eDelegatedRelease',
					name: 'Delegated release (e2e)',
					nodes: [
						{ id: 'd1', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
						{ id: 'd2', name: 'Devices', type: 'n8n-nodes-base.code', typeVersion: 2, position: [200, 0], parameters: { jsCode: itemsCode([{ machineId: inside.id }, { machineId: outside.id }]) } },
						{
							id: 'd3',
							name: DEFENDER_NODE,
							type: NODE_TYPE,
							typeVersion: 1,
							position: [400, 0],
							parameters: {
								authentication: 'delegated',
								resource: 'device',
								operation: 'releaseFromIsolation',
								device: { __rl: true, mode: 'id', value: '={{ $json.machineId }}' },
								comment: 'Released by the analyst (e2e)',
							},
							credentials: { [credential.type]: { id: credential.id, name: credential.name } },
							onError: 'continueErrorOutput',
						},
					],
					connections: {
						Start: { main: [[{ node: 'Devices', type: 'main', index: 0 }]] },
						Devices: { main: [[{ node: DEFENDER_NODE, type: 'main', index: 0 }]] },
					},
					settings: { executionOrder: 'v1' },
				};
				const credentialsFile = path.join(temp, 'delegated-credentials.json');
				fs.writeFileSync(credentialsFile, JSON.stringify([{ ...credential, data: simulatorDelegatedCredential(delegatedSim, tokenData) }]));
				const workflowFile = path.join(temp, 'delegated-workflow.json');
				fs.writeFileSync(workflowFile, JSON.stringify([workflow]));
				const importedCredential = await n8nRun('import:credentials (delegated)', ['import:credentials', `--input=${credentialsFile}`]);
				fs.rmSync(credentialsFile);
				checkProcess('n8n import:credentials (delegated, with the stored sign-in)', importedCredential);
				checkProcess('n8n import:workflow (delegated)', await n8nRun('import:workflow (delegated)', ['import:workflow', `--input=${workflowFile}`]));

				const runOnce = async (label) => {
					const from = delegatedSim.requests.length;
					const result = await n8nRun(label, ['execute', `--id=${workflow.id}`, '--rawOutput']);
					const output = cli.parseExecuteOutput(result.stdout);
					return { result, output, runData: output?.data?.resultData?.runData ?? {}, requests: delegatedSim.requests.slice(from) };
				};
				const grants = (requests) => requests.filter(isTokenRequest).map((request) => `${request.body?.grant_type}:${request.status}`);

				const first = await runOnce('execute delegated release');
				checkProcess('n8n execute (delegated release)', first.result);
				const released = outputItems(first.runData, DEFENDER_NODE, 0).map((item) => item.json);
				const refused = outputItems(first.runData, DEFENDER_NODE, 1).map((item) => item.json);
				check(
					released.length === 1 && released[0].machineId === inside.id && released[0].requestor === upn && released[0].outcome === 'created',
					`delegated: the device in the analyst's device group is released with requestor ${upn}`,
					released,
				);
				check(
					delegatedSim.actionsOf(inside.id).length === 1 && delegatedSim.actionsOf(inside.id)[0].requestor === upn,
					`delegated: the simulator recorded the Unisolate action as requested by ${upn}`,
					delegatedSim.actionsOf(inside.id),
				);
				check(
					refused.length === 1 && refused[0].error === `Defender refused the signed-in user permission to unisolate device ${outside.id}` && /device groups/.test(refused[0].details ?? '') && delegatedSim.actionsOf(outside.id).length === 0,
					"delegated: the device outside the analyst's device groups is an error item that explains the 403, and no action exists for it",
					refused,
				);
				check(
					JSON.stringify(grants(first.requests)) === JSON.stringify(['refresh_token:200']),
					'delegated: n8n renewed the expired access token with the refresh token grant, once',
					grants(first.requests),
				);

				const second = await runOnce('execute delegated release again');
				checkProcess('n8n execute (delegated, second run)', second.result);
				check(grants(second.requests).length === 0 && second.requests.every((request) => request.status !== 401), 'delegated: the next execution uses the renewed token n8n stored (no token request, no 401)', grants(second.requests));

				delegatedSim.expireTokens();
				delegatedSim.delegated.revokeRefreshTokens();
				const revoked = await runOnce('execute delegated release after the sign-in was revoked');
				const errors = outputItems(revoked.runData, DEFENDER_NODE, 1).map((item) => item.json);
				check(
					errors.length === 2 && errors.every((item) => item.error === 'The delegated sign-in has expired or was revoked: reconnect the credential') && grants(revoked.requests).join() === 'refresh_token:400',
					'delegated: a revoked refresh token (AADSTS50173) gives "reconnect the credential" for both items, after one refresh attempt',
					{ errors, grants: grants(revoked.requests) },
				);
				check(
					revoked.requests.filter((request) => request.path.startsWith('/api/')).map((request) => `${request.method} ${request.status}`).join() === 'GET 401',
					'delegated: with a revoked sign-in the run made one API call (answered 401) and posted nothing; the second item failed without a call',
					revoked.requests.map((r) => `${r.method} ${r.path} ${r.status}`),
				);

				const mine = transcript.filter((entry) => /delegated/.test(entry.label));
				const leaks = mine.filter((entry) => delegatedSim.leaksToken(entry.stdout + entry.stderr) || (entry.stdout + entry.stderr).includes(tokenData.refresh_token)).map((entry) => entry.label);
				check(leaks.length === 0, 'delegated: no access or refresh token in the output of the delegated n8n commands', leaks);
				const dbLeaks = fs
					.readdirSync(path.join(userFolder, '.n8n'))
					.filter((file) => file.startsWith('database.sqlite'))
					.filter((file) => fs.readFileSync(path.join(userFolder, '.n8n', file)).includes(Buffer.from(tokenData.refresh_token)));
				check(dbLeaks.length === 0, "delegated: the refresh token is not in clear in n8n's database", dbLeaks);
			} finally {
				await delegatedSim.close();
			}
		});

		await phase('secrets, token and network', async () => {
			const tokens = [...recorder.tokens];
			const leaks = [];
			for (const entry of transcript) {
				for (const [stream, text] of [['stdout', entry.stdout], ['stderr', entry.stderr]]) {
					if (text.includes(secret)) leaks.push(`client secret in ${entry.label} ${stream}`);
					for (const token of tokens) if (text.includes(token)) leaks.push(`access token in ${entry.label} ${stream}`);
				}
			}
			check(tokens.length > 0, `the access token${tokens.length === 1 ? '' : 's'} n8n received ${tokens.length === 1 ? 'is' : 'are'} known to the test (${tokens.length})`);
			if (typeof sim.leaksToken === 'function') {
				for (const entry of transcript) if (sim.leaksToken(entry.stdout + entry.stderr)) leaks.push(`an access token the simulator issued, in ${entry.label}`);
			}
			check(leaks.length === 0, `no client secret and no access token in the stdout/stderr of ${transcript.length} n8n commands`, leaks);
			const dbLeaks = [];
			for (const file of fs.readdirSync(path.join(userFolder, '.n8n')).filter((f) => f.startsWith('database.sqlite'))) {
				const bytes = fs.readFileSync(path.join(userFolder, '.n8n', file));
				if (bytes.includes(Buffer.from(secret))) dbLeaks.push(`client secret in ${file}`);
				for (const token of tokens) if (bytes.includes(Buffer.from(token))) dbLeaks.push(`access token in ${file}`);
			}
			check(dbLeaks.length === 0, "no client secret and no access token in clear in n8n's database (saved executions included)", dbLeaks);
			const attempts = fs.readFileSync(netLog, 'utf8').trim();
			check(attempts === '', 'n8n connected to loopback only (no other host was even tried, not even by DNS)', attempts.split('\n').slice(0, 10));
			// The guard itself, in a process of its own: a request to another host must be refused and recorded.
			const selfTestLog = path.join(temp, 'guard-self-test.log');
			const probe = await cli.run(
				n8n.node,
				['-e', "fetch('http://e2e-guard-self-test.invalid/').then(() => console.log('CONNECTED'), (e) => console.log(e.cause?.code ?? e.message))"],
				{ env: { ...env, E2E_NET_LOG: selfTestLog }, timeoutMs: 30_000 },
			);
			const recorded = fs.existsSync(selfTestLog) ? fs.readFileSync(selfTestLog, 'utf8') : '';
			check(probe.stdout.trim() === 'EHOSTUNREACH' && recorded.includes('e2e-guard-self-test.invalid'), 'the loopback guard works: a request to another host was refused and recorded', { stdout: probe.stdout, stderr: probe.stderr, recorded });
		});
	} catch (error) {
		fail(error);
	} finally {
		await recorder?.close().catch(() => {});
		await sim?.close().catch(() => {});
		if (process.env.E2E_KEEP === '1') {
			console.log(`\nE2E_KEEP=1: kept ${temp}`);
		} else {
			fs.rmSync(temp, { recursive: true, force: true });
		}
	}
	const n8nMs = transcript.reduce((sum, entry) => sum + entry.ms, 0);
	console.log(`n8n ${n8nVersion}`);
	finish(`; n8n processes ${seconds(n8nMs)} in all`);
}

main();
