'use strict';
/**
 * The demo: starts the local Defender simulator, runs scripts/demo-workflow.json through n8n's execution engine
 * (tickets with hostnames → Defender for Endpoint "Release From Isolation" → Released / Refused), shows progress,
 * prints a result table, and exits non-zero if any ticket was lost or any device released twice or unasked.
 *
 *   node scripts/demo.js [--devices 60] [--faults 429,5xx,drop,slow,expire | --faults ''] [--time-scale 1] [--parallel 4]
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');

// n8n-core keeps its settings (an encryption key) in a user folder: the demo gives it a temporary one, removed at the
// end, and a key of its own, so that it never writes ~/.n8n/config. Set before n8n-core is loaded.
const n8nUserFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'defender-demo-n8n-'));
process.env.N8N_USER_FOLDER = n8nUserFolder;
process.env.N8N_ENCRYPTION_KEY = crypto.randomBytes(24).toString('hex');

const { startSimulator, DUPLICATE_HOSTNAME } = require('../simulator');
const { createEngine, outputOf } = require('../tooling/engine');
const { simulatedClock } = require('../tooling/simulatedTime');
const { simulatorCredential } = require('../tooling/simulatorCredential');

const dist = path.join(__dirname, '..', 'dist');
const { DefenderForEndpoint } = require(
	path.join(dist, 'nodes/DefenderForEndpoint/DefenderForEndpoint.node.js'),
);
const { DefenderForEndpointOAuth2Api } = require(
	path.join(dist, 'credentials/DefenderForEndpointOAuth2Api.credentials.js'),
);
const { RateLimiterRegistry } = require(
	path.join(dist, 'nodes/DefenderForEndpoint/lib/rateLimiter.js'),
);

/** The node's rate limiters, handed to it: the status line asks them why the next call waits. */
const rateLimiters = new RateLimiterRegistry();

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
for (const name of faultNames)
	if (!FAULTS[name])
		throw new Error(`Unknown fault "${name}"; use ${Object.keys(FAULTS).join(', ')}`);

async function main() {
	const faults = Object.assign({}, ...faultNames.map((name) => FAULTS[name]));
	const sim = await startSimulator({ deviceCount: deviceCount + 5, timeScale, faults });

	// Ordinary tickets name devices ws-0001…; two more show the safety rules: an ambiguous and an unknown hostname.
	const tickets = sim.devices
		.slice(0, deviceCount)
		.map((device, n) => ({ ticket: `INC-${1000 + n}`, hostname: device.computerDnsName }));
	tickets.push(
		{ ticket: 'INC-9001', hostname: DUPLICATE_HOSTNAME },
		{ ticket: 'INC-9002', hostname: 'ghost-17.contoso.local' },
	);

	const workflow = require('./demo-workflow.json');
	workflow.nodes.find((node) => node.name === 'Tickets').parameters.items = JSON.stringify(tickets);
	// A bulk run under injected faults: retries also wait out the simulator's seeded pending isolations (15 s). The
	// simulator answers on loopback within milliseconds: a 5 s Timeout, which is also how long a lost answer is waited
	// out before the node looks up what Defender did with the request.
	workflow.nodes.find((node) => node.name === 'Release From Isolation').parameters.options = {
		parallelRequests: Number(args.parallel),
		maxRetries: 10,
		timeoutSeconds: 5,
	};

	const engine = createEngine({
		nodeTypes: {
			// The node runs on the simulator's scaled clock, so Defender's minutes pass faster than real ones.
			'n8n-nodes-defender-for-endpoint.defenderForEndpoint': new DefenderForEndpoint({
				rateLimiters,
				...(timeScale === 1 ? {} : { clock: simulatedClock(sim, timeScale) }),
			}),
		},
		credentialTypes: { defenderForEndpointOAuth2Api: new DefenderForEndpointOAuth2Api() },
	});
	engine.credentialsHelper.save(
		'simulator',
		'defenderForEndpointOAuth2Api',
		simulatorCredential(sim),
	);

	console.log(
		`Defender simulator on ${sim.url} (time scale ${timeScale}${faultNames.length ? `, faults: ${faultNames.join(', ')}` : ''})`,
	);
	console.log(
		`${tickets.length} tickets through n8n's workflow engine: ${deviceCount} devices to release, and 2 tickets to be refused (a hostname two devices share, an unknown hostname)…\n`,
	);
	const started = Date.now();
	const printProgress = progressPrinter(sim, sim.devices.slice(0, deviceCount), started);
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

const isApiCall = (request) => !request.path.includes('/oauth2/');
const isRelease = (request) =>
	request.method === 'POST' &&
	/\/unisolate$/.test(request.path) &&
	/^(dropped after )?201$/.test(String(request.status));
const isFailure = (request) =>
	request.status >= 500 || String(request.status).startsWith('dropped');

/** What the simulator's request log counts: the summary's figures, also shown while the demo runs. */
function countRequests(sim) {
	const api = sim.requests.filter(isApiCall);
	const count = (predicate) => api.filter(predicate).length;
	return {
		calls: api.length,
		released: count(isRelease),
		throttled: count((r) => r.status === 429),
		serverErrors: count((r) => r.status >= 500),
		dropped: count((r) => String(r.status).startsWith('dropped')),
		unauthorized: count((r) => r.status === 401),
		tokenRequests: sim.stats().tokenRequests,
	};
}

/** The most API calls in any 60 simulated seconds. */
function peakCallsPerMinute(sim) {
	const times = sim.requests
		.filter(isApiCall)
		.map((r) => Date.parse(r.simTime))
		.sort((a, b) => a - b);
	let peak = 0;
	for (let last = 0, first = 0; last < times.length; last++) {
		while (times[last] - times[first] >= 60_000) first++;
		peak = Math.max(peak, last - first + 1);
	}
	return peak;
}

/**
 * What the node is doing: the process's rate limiter says when its next call may go and why (Defender's Retry-After,
 * the quota's minute or hour, the share it learned); short of that, the simulator says whether a device whose
 * isolation was under way at the start is still to be released (the node waits it out), or that a call failed.
 */
function activity(sim, isolatingAtStart) {
	const limiter = rateLimiters.forClient(sim.credentials.tenantId, sim.credentials.clientId);
	const now = sim.now();
	const { atMs, wait } = limiter.nextSlot(now);
	if (wait && atMs - now >= 1000 * timeScale) {
		if (wait.reason === 'retryAfter') {
			// The simulator, like Defender may, counts calls it answered 429: then the minute is full before the limiter's.
			const full =
				sim.callsLastMinute() >= 100
					? ": the quota's minute is full, counting calls answered 429"
					: '';
			return `waiting: Defender's Retry-After (429${full})`;
		}
		if (wait.reason === 'quota')
			return `waiting: the quota's ${wait.windowMs >= 3_600_000 ? 'hour' : 'minute'} is full (${wait.limit.toLocaleString('en-US')} calls)`;
		if (wait.limit < 100)
			return `waiting: the learned share of the quota (${wait.limit} calls a minute)`;
		return 'waiting: pacing after a 429 (others may be using the quota)';
	}
	const calls = sim.requests.filter(isApiCall);
	if (!calls.length || now - Date.parse(calls.at(-1).simTime) < 1000 * timeScale) return 'working';
	const released = new Set(calls.filter(isRelease).map((r) => r.path.split('/')[3]));
	const waitedOut = isolatingAtStart.filter((device) => !released.has(device.id));
	if (waitedOut.length) {
		return `waiting out a pending isolation (${waitedOut.length} device${waitedOut.length === 1 ? '' : 's'}: Defender finishes it, then the node checks again after a backoff)`;
	}
	const lastFailure = calls.findLast((r) => isFailure(r) && now - Date.parse(r.simTime) < 60_000);
	if (lastFailure?.status >= 500) return `waiting: backoff after HTTP ${lastFailure.status}`;
	if (lastFailure)
		return 'waiting: an answer was lost (dropped connection); the node waits its Timeout, then looks up what Defender did';
	return 'waiting';
}

/** One status line: what was released, the calls made, and what the node is doing or waiting for. */
function progressPrinter(sim, ticketedDevices, started) {
	const isolatingAtStart = ticketedDevices.filter((device) =>
		sim
			.actionsOf(device.id)
			.some(
				(action) => action.type === 'Isolate' && ['Pending', 'InProgress'].includes(action.status),
			),
	);
	return () => {
		const counts = countRequests(sim);
		const line =
			`released ${counts.released}/${ticketedDevices.length} | calls in the last minute ${sim.callsLastMinute()}/100 | 429: ${counts.throttled} | ` +
			`5xx: ${counts.serverErrors} | dropped: ${counts.dropped} | 401: ${counts.unauthorized} | token requests: ${counts.tokenRequests} | ` +
			`${((Date.now() - started) / 1000).toFixed(0)} s | ${activity(sim, isolatingAtStart)}`;
		process.stdout.write(process.stdout.isTTY ? `\r${line.padEnd(170)}` : `${line}\n`);
	};
}

/** Splits text into lines of at most `width` characters, at spaces where it can (a device ID is never cut short). */
function wrap(text, width) {
	const lines = [];
	let current = '';
	for (const word of String(text).split(' ')) {
		for (let rest = word; rest.length; ) {
			const room = current ? width - current.length - 1 : width;
			if (rest.length <= room) {
				current = current ? `${current} ${rest}` : rest;
				rest = '';
			} else if (current) {
				lines.push(current);
				current = '';
			} else {
				lines.push(rest.slice(0, width));
				rest = rest.slice(width);
			}
		}
	}
	return [...lines, current];
}

/** Prints rows as columns of the given widths, each cell wrapped onto as many lines as it needs. */
function printTable(rows, widths) {
	for (const row of rows) {
		const cells = row.map((cell, n) => wrap(cell, widths[n]));
		const height = Math.max(...cells.map((lines) => lines.length));
		for (let line = 0; line < height; line++) {
			console.log(
				cells
					.map((lines, n) => (lines[line] ?? '').padEnd(widths[n]))
					.join('  ')
					.trimEnd(),
			);
		}
	}
}

/** Prints one row per ticket and checks that nothing was lost, doubled or unasked. */
function report(run, sim, tickets, seconds) {
	const node = 'Release From Isolation';
	const results = new Map();
	for (const [output, kind] of [
		[0, 'ok'],
		[1, 'error'],
	]) {
		for (const item of outputOf(run, node, output) ?? [])
			results.set(item.pairedItem.item, { kind, json: item.json });
	}
	const rows = tickets.map((ticket, index) => {
		const result = results.get(index);
		if (!result) return [ticket.ticket, ticket.hostname, 'LOST', '', ''];
		if (result.kind === 'error')
			return [ticket.ticket, ticket.hostname, 'refused', '', result.json.error];
		return [
			ticket.ticket,
			ticket.hostname,
			result.json.outcome,
			result.json.machineId,
			`${result.json.type} ${result.json.status} ${result.json.id}`,
		];
	});
	const widths = [8, 30, 18, 40, 60];
	printTable(
		[
			['ticket', 'hostname', 'result', 'device', 'action / reason'],
			widths.map((width) => '-'.repeat(width)),
			...rows,
		],
		widths,
	);

	const named = new Set(tickets.map((ticket) => ticket.hostname.toLowerCase()));
	const unisolates = sim.devices.flatMap((device) =>
		sim
			.actionsOf(device.id)
			.filter((action) => action.type === 'Unisolate')
			.map(() => device),
	);
	const perDevice = new Map();
	for (const device of unisolates) perDevice.set(device.id, (perDevice.get(device.id) ?? 0) + 1);
	const lost = rows.filter((row) => row[2] === 'LOST').length;
	const doubled = [...perDevice.values()].filter((count) => count > 1).length;
	const unasked = unisolates.filter(
		(device) => !named.has(device.computerDnsName.toLowerCase()),
	).length;
	const released = rows.filter((row) =>
		['created', 'alreadyInProgress', 'duplicateInRun'].includes(row[2]),
	).length;
	const counts = countRequests(sim);
	console.log(
		`\n${tickets.length} tickets in, ${results.size} results out: ${released} released, ${rows.length - released - lost} refused, ${lost} lost. ` +
			`Devices released twice: ${doubled}. Devices released without a ticket: ${unasked}.`,
	);
	console.log(
		`${counts.calls} API calls (at most ${peakCallsPerMinute(sim)} in any minute): ${counts.throttled} answered 429, ${counts.serverErrors} answered 5xx, ` +
			`${counts.dropped} dropped connections, ${counts.unauthorized} answered 401; ${counts.tokenRequests} token request(s); ${seconds.toFixed(1)} s.`,
	);
	return lost === 0 && doubled === 0 && unasked === 0 && released === tickets.length - 2;
}

main()
	.catch((error) => {
		console.error(error);
		process.exitCode = 1;
	})
	.finally(() => fs.rmSync(n8nUserFolder, { recursive: true, force: true }));
