'use strict';
/**
 * The demo: starts the local Defender simulator, runs scripts/demo-workflow.json through n8n's execution engine
 * (tickets with hostnames → Defender for Endpoint "Release From Isolation" → Released / Refused), shows progress,
 * prints a result table, and exits non-zero if any ticket was lost or any device released twice or unasked.
 *
 *   node scripts/demo.js [--devices 60] [--faults 429,5xx,drop,slow,expire | --faults ''] [--time-scale 1] [--parallel 4]
 */
const path = require('node:path');
const { parseArgs } = require('node:util');

const { startSimulator, DUPLICATE_HOSTNAME } = require('../simulator');
const { createEngine, outputOf } = require('../tooling/engine');
const { simulatedClock } = require('../tooling/simulatedTime');
const { simulatorCredential } = require('../tooling/simulatorCredential');

const dist = path.join(__dirname, '..', 'dist');
const { DefenderForEndpoint } = require(path.join(dist, 'nodes/DefenderForEndpoint/DefenderForEndpoint.node.js'));
const { DefenderForEndpointOAuth2Api } = require(path.join(dist, 'credentials/DefenderForEndpointOAuth2Api.credentials.js'));

const FAULTS = {
	429: { rate429: 0.05, retryAfterSeconds: 2 },
	'5xx': { rate5xx: 0.05 },
	drop: { dropRate: 0.03, dropAfterProcessing: true },
	slow: { slowMs: 400, slowRate: 0.05 },
	expire: { tokenExpireAfterCalls: 40 },
};

const { values: args } = parseArgs({
	options: {
		devices: { type: 'string', default: '60' },
		faults: { type: 'string', default: '429,5xx,drop,expire' },
		'time-scale': { type: 'string', default: '1' },
		parallel: { type: 'string', default: '4' },
	},
});
const deviceCount = Number(args.devices);
const timeScale = Number(args['time-scale']);
const faultNames = args.faults.split(',').filter(Boolean);
for (const name of faultNames) if (!FAULTS[name]) throw new Error(`Unknown fault "${name}"; use ${Object.keys(FAULTS).join(', ')}`);

async function main() {
	const faults = Object.assign({}, ...faultNames.map((name) => FAULTS[name]));
	const sim = await startSimulator({ deviceCount: deviceCount + 5, timeScale, faults });

	// Ordinary tickets name devices ws-0001…; two more show the safety rules: an ambiguous and an unknown hostname.
	const tickets = sim.devices
		.slice(0, deviceCount)
		.map((device, n) => ({ ticket: `INC-${1000 + n}`, hostname: device.computerDnsName }));
	tickets.push({ ticket: 'INC-9001', hostname: DUPLICATE_HOSTNAME }, { ticket: 'INC-9002', hostname: 'ghost-17.contoso.local' });

	const workflow = require('./demo-workflow.json');
	workflow.nodes.find((node) => node.name === 'Tickets').parameters.items = JSON.stringify(tickets);
	// A bulk run under injected faults: retries also wait out the simulator's seeded pending isolations (15 s).
	workflow.nodes.find((node) => node.name === 'Release From Isolation').parameters.options = {
		parallelRequests: Number(args.parallel),
		maxRetries: 10,
	};

	const engine = createEngine({
		nodeTypes: {
			// The node runs on the simulator's scaled clock, so Defender's minutes pass faster than real ones.
			'n8n-nodes-defender-for-endpoint.defenderForEndpoint': new DefenderForEndpoint(timeScale === 1 ? {} : { clock: simulatedClock(sim, timeScale) }),
		},
		credentialTypes: { defenderForEndpointOAuth2Api: new DefenderForEndpointOAuth2Api() },
	});
	engine.credentialsHelper.save('simulator', 'defenderForEndpointOAuth2Api', simulatorCredential(sim));

	console.log(`Defender simulator on ${sim.url} (time scale ${timeScale}${faultNames.length ? `, faults: ${faultNames.join(', ')}` : ''})`);
	console.log(`Releasing ${tickets.length} ticketed devices through n8n's workflow engine…\n`);
	const started = Date.now();
	const printProgress = progressPrinter(sim, tickets, started);
	const progress = setInterval(printProgress, process.stdout.isTTY ? 500 : 5000);
	let run;
	try {
		run = await engine.run(workflow);
	} finally {
		clearInterval(progress);
		printProgress();
		process.stdout.write('\n\n');
	}
	const ok = report(run, sim, tickets, (Date.now() - started) / 1000);
	await sim.close();
	process.exitCode = ok ? 0 : 1;
}

/** One status line from the simulator's request log: what was released, and what the node is waiting for. */
function progressPrinter(sim, tickets, started) {
	let seen = 0;
	let lastActivity = Date.now();
	return () => {
		if (sim.requests.length !== seen) {
			seen = sim.requests.length;
			lastActivity = Date.now();
		}
		const stats = sim.stats();
		const released = sim.requests.filter((r) => r.method === 'POST' && /\/unisolate$/.test(r.path) && /^(dropped after )?201$/.test(String(r.status))).length;
		const minute = sim.callsLastMinute();
		const state =
			minute >= 100 ? 'waiting for the rate limit (100 calls a minute)' : Date.now() - lastActivity > 1000 ? 'waiting (Retry-After / backoff)' : 'working';
		const count = (predicate) => sim.requests.filter(predicate).length;
		const line =
			`released ${released}/${tickets.length - 2} | calls in the last minute ${minute}/100 | 429: ${stats.status[429] ?? 0} | ` +
			`5xx: ${count((r) => r.status >= 500)} | dropped: ${count((r) => String(r.status).startsWith('dropped'))} | 401: ${stats.status[401] ?? 0} | ` +
			`token requests: ${stats.tokenRequests} | ${((Date.now() - started) / 1000).toFixed(0)} s | ${state}`;
		process.stdout.write(process.stdout.isTTY ? `\r${line.padEnd(160)}` : `${line}\n`);
	};
}

/** Prints one row per ticket and checks that nothing was lost, doubled or unasked. */
function report(run, sim, tickets, seconds) {
	const node = 'Release From Isolation';
	const results = new Map();
	for (const [output, kind] of [[0, 'ok'], [1, 'error']]) {
		for (const item of outputOf(run, node, output) ?? []) results.set(item.pairedItem.item, { kind, json: item.json });
	}
	const rows = tickets.map((ticket, index) => {
		const result = results.get(index);
		if (!result) return [ticket.ticket, ticket.hostname, 'LOST', '', ''];
		if (result.kind === 'error') return [ticket.ticket, ticket.hostname, 'refused', '', result.json.error];
		return [ticket.ticket, ticket.hostname, result.json.outcome, result.json.machineId, `${result.json.type} ${result.json.status} ${result.json.id}`];
	});
	const widths = [8, 30, 18, 40, 60];
	const line = (cells) => cells.map((cell, n) => String(cell).slice(0, widths[n] + 40).padEnd(widths[n])).join('  ');
	console.log(line(['ticket', 'hostname', 'result', 'device', 'action / reason']));
	console.log(line(widths.map((width) => '-'.repeat(width))));
	for (const row of rows) console.log(line(row));

	const named = new Set(tickets.map((ticket) => ticket.hostname.toLowerCase()));
	const unisolates = sim.devices.flatMap((device) =>
		sim.actionsOf(device.id).filter((action) => action.type === 'Unisolate').map(() => device),
	);
	const perDevice = new Map();
	for (const device of unisolates) perDevice.set(device.id, (perDevice.get(device.id) ?? 0) + 1);
	const lost = rows.filter((row) => row[2] === 'LOST').length;
	const doubled = [...perDevice.values()].filter((count) => count > 1).length;
	const unasked = unisolates.filter((device) => !named.has(device.computerDnsName.toLowerCase())).length;
	const released = rows.filter((row) => ['created', 'alreadyInProgress', 'duplicateInRun'].includes(row[2])).length;
	const stats = sim.stats();
	console.log(
		`\n${tickets.length} tickets in, ${results.size} results out: ${released} released, ${rows.length - released - lost} refused, ${lost} lost. ` +
			`Devices released twice: ${doubled}. Devices released without a ticket: ${unasked}.`,
	);
	console.log(`${stats.apiRequests} API calls, ${stats.status[429] ?? 0} answered 429, ${stats.tokenRequests} token request(s), ${seconds.toFixed(1)} s.`);
	return lost === 0 && doubled === 0 && unasked === 0 && released === tickets.length - 2;
}

main().catch((error) => {
	console.error(error);
	process.exitCode = 1;
});
