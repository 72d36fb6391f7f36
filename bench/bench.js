'use strict';
/**
 * Throughput benchmark: releases N devices against the local simulator, on a scaled clock, with this node and with
 * a naive baseline (one plain request per item, sequential, n8n "Retry On Fail": 5 tries, 5 s apart, re-running the
 * whole node), and prints one Markdown table. Not part of the test suite.
 * Then the fleet table: N devices released by ID, by hostname (batched lookups), by hostname without batching (the
 * simulator refuses batched filters, so every name is looked up alone, as before batching), and Get Isolated Devices →
 * release all, side by side, with the calls each spent per released device.
 * Then stray 429s: N devices released by ID while Defender answers one call in twenty with 429 and Retry-After 2 s (the
 * quota otherwise free), against the same run without faults: a stray 429 must cost its Retry-After, not a minute.
 *   npm run bench -- [--sizes 300,1600] [--time-scale 20] [--fleet 1500] [--fleet-time-scale 60] [--strays 150]
 */
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs, promisify } = require('node:util');

const { startSimulator } = require('../simulator');

const { values: args } = parseArgs({
	options: {
		sizes: { type: 'string', default: '300,1600' },
		'time-scale': { type: 'string', default: '20' },
		fleet: { type: 'string', default: '1500' },
		'fleet-time-scale': { type: 'string', default: '60' },
		strays: { type: 'string', default: '150' },
	},
});
const sizes = args.sizes.split(',').map(Number).filter(Boolean);
const timeScale = Number(args['time-scale']);
const fleetSize = Number(args.fleet);
const fleetTimeScale = Number(args['fleet-time-scale']);
const strayCount = Number(args.strays);

/** Issue "A stray 429 costs its Retry-After, not a minute": the faults and the target. */
const STRAY_FAULTS = { rate429: 0.05, retryAfterSeconds: 2 };
const STRAY_TARGET_RATIO = 1.2;

/**
 * The ceiling: N calls at Defender's rates — 100 a minute, and after every 1,500 the rest of that hour lost.
 * 300 calls: 3 minutes; 1,600 calls: 60 minutes for the first 1,500, then 1 minute for 100 more.
 */
function ceilingSeconds(calls) {
	const fullHours = Math.floor((calls - 1) / 1500);
	return fullHours * 3600 + ((calls - fullHours * 1500) / 100) * 60;
}

/** Stricter: the earliest the N-th call can be made at all (each window's calls sent at once, zero latency). */
function earliestSeconds(calls) {
	return Math.max(Math.floor((calls - 1) / 100) * 60, Math.floor((calls - 1) / 1500) * 3600);
}

async function measure(
	size,
	variant,
	{ timeScale: scale = timeScale, simulator = { seedActions: false } } = {},
) {
	const sim = await startSimulator({ deviceCount: size, timeScale: scale, ...simulator });
	const jobFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-')), 'job.json');
	const devices = sim.devices
		.slice(0, size)
		.map((device) => ({ id: device.id, hostname: device.computerDnsName }));
	const { credentials, apiBaseUrl, tokenUrl, scope, epochMs } = sim;
	fs.writeFileSync(
		jobFile,
		JSON.stringify({
			variant,
			timeScale: scale,
			devices,
			sim: { credentials, apiBaseUrl, tokenUrl, scope, epochMs },
		}),
	);
	const realStart = Date.now();
	let stdout;
	try {
		({ stdout } = await promisify(execFile)(
			process.execPath,
			[path.join(__dirname, 'releaseRun.js'), jobFile],
			{ maxBuffer: 16 << 20 },
		));
	} catch (error) {
		await sim.close();
		throw error;
	}
	const realSeconds = (Date.now() - realStart) / 1000;
	const result = JSON.parse(stdout.trim().split('\n').pop());
	const stats = sim.stats();
	// POSTs for a device after the first one Defender processed: each is a second release request for the same device.
	const duplicatePosts = sim.devices.reduce((sum, device) => {
		const posts = sim.requests.filter(
			(request) =>
				request.method === 'POST' && request.path === `/api/machines/${device.id}/unisolate`,
		);
		const first = posts.findIndex((request) =>
			/^(dropped after )?201$/.test(String(request.status)),
		);
		return sum + (first === -1 ? 0 : posts.length - first - 1);
	}, 0);
	// Releases this run made: the app's own Unisolate actions (seeded history is by soc@contoso.com).
	const released = sim.devices.filter((device) =>
		sim
			.actionsOf(device.id)
			.some((action) => action.type === 'Unisolate' && action.requestor === credentials.clientId),
	).length;
	const snapshots = sim.requests.filter(
		(request) =>
			request.path === '/api/machineactions' &&
			String(request.query.$filter).startsWith("(type eq 'Isolate'"),
	).length;
	await sim.close();
	fs.rmSync(path.dirname(jobFile), { recursive: true, force: true });
	return {
		variant,
		size,
		...result,
		realSeconds,
		released,
		lost: result.expected - result.succeeded - result.failed,
		throttled: stats.status[429] ?? 0,
		duplicatePosts,
		tokenRequests: stats.tokenRequests,
		apiRequests: stats.apiRequests,
		snapshots,
		lookups:
			(stats.byRoute['GET /api/machines'] ?? 0) +
			(stats.byRoute['GET /api/machineactions'] ?? 0) -
			snapshots,
		posts: stats.byRoute['POST /api/machines/:id/unisolate'] ?? 0,
	};
}

const FLEET_VARIANTS = [
	['by ID', 'node', {}],
	['by hostname, batched lookups', 'byHostname', {}],
	[
		'by hostname, one lookup per device (batching refused)',
		'byHostname',
		{ quirks: { refuseOrFilters: true } },
	],
	// Every device isolated a month ago, under nine rounds of finished history: over 10,000 actions to list.
	['Get Isolated Devices → release all', 'isolated', { seedActions: true, historyActions: 9 }],
];

async function fleetTable() {
	const rows = [];
	let byIdSeconds;
	for (const [label, variant, simulator] of FLEET_VARIANTS) {
		const options = { ...simulator, seedActions: simulator.seedActions ?? false };
		if (options.historyActions) options.historyActions *= fleetSize + 3;
		const measured = await measure(fleetSize, variant, {
			timeScale: fleetTimeScale,
			simulator: options,
		});
		process.stderr.write(
			`measured fleet: ${label}${measured.workflowError ? ` (workflow error: ${measured.workflowError})` : ''}\n`,
		);
		byIdSeconds ??= measured.simulatedSeconds;
		rows.push([
			label,
			measured.released,
			`${(measured.simulatedSeconds / 60).toFixed(1)} min`,
			(measured.simulatedSeconds / byIdSeconds).toFixed(3),
			measured.apiRequests,
			measured.lookups,
			measured.snapshots,
			measured.posts,
			(measured.apiRequests / Math.max(1, measured.released)).toFixed(3),
			measured.failed,
			measured.lost,
			measured.throttled,
			measured.duplicatePosts,
			`${measured.realSeconds.toFixed(1)} s`,
		]);
	}
	const header = [
		'run',
		'released',
		'simulated time',
		'time ÷ by-ID time',
		'API calls',
		'lookup and list calls',
		'pending-action snapshots',
		'release POSTs',
		'calls per released device',
		'failed items',
		'lost items',
		'429s received',
		'duplicate POSTs',
		'real time',
	];
	console.log(`\nFleet: ${fleetSize} devices, time scale ${fleetTimeScale}.\n`);
	console.log(`| ${header.join(' | ')} |`);
	console.log(`|${header.map(() => '---').join('|')}|`);
	for (const cells of rows) console.log(`| ${cells.join(' | ')} |`);
}

/** Releases by ID with and without stray 429s; prints the table and whether the target holds. */
async function strayTable() {
	const runs = [
		['no faults', {}],
		['stray 429s: 1 call in 20, Retry-After 2 s', STRAY_FAULTS],
	];
	const measured = [];
	for (const [label, faults] of runs) {
		measured.push([
			label,
			await measure(strayCount, 'node', { simulator: { seedActions: false, faults } }),
		]);
		process.stderr.write(`measured strays: ${label}\n`);
	}
	const faultFreeSeconds = measured[0][1].simulatedSeconds;
	const header = [
		'run',
		'released',
		'simulated time',
		'time ÷ fault-free time',
		'API calls',
		'429s received',
		'failed items',
		'lost items',
		'duplicate POSTs',
		'real time',
	];
	console.log(`\nStray 429s: ${strayCount} devices by ID, time scale ${timeScale}.\n`);
	console.log(`| ${header.join(' | ')} |`);
	console.log(`|${header.map(() => '---').join('|')}|`);
	for (const [label, run] of measured) {
		const ratio = run.simulatedSeconds / faultFreeSeconds;
		console.log(
			`| ${[label, run.released, `${run.simulatedSeconds.toFixed(1)} s`, ratio.toFixed(3), run.apiRequests, run.throttled, run.failed, run.lost, run.duplicatePosts, `${run.realSeconds.toFixed(1)} s`].join(' | ')} |`,
		);
	}
	const faulted = measured[1][1];
	const ratio = faulted.simulatedSeconds / faultFreeSeconds;
	const met =
		ratio <= STRAY_TARGET_RATIO &&
		faulted.lost === 0 &&
		faulted.duplicatePosts === 0 &&
		faulted.released === strayCount;
	console.log(
		`\nTarget: time ÷ fault-free time ≤ ${STRAY_TARGET_RATIO}, 0 lost, 0 duplicates: ${met ? 'met' : 'NOT MET'} (${ratio.toFixed(3)}).`,
	);
	if (!met) process.exitCode = 1;
}

function row(measured) {
	const share = (ideal) =>
		measured.released === measured.size
			? (ideal / measured.simulatedSeconds).toFixed(3)
			: 'n/a: not all released';
	return [
		measured.variant === 'node' ? 'this node' : 'naive baseline',
		measured.size,
		`${(measured.simulatedSeconds / 60).toFixed(1)} min`,
		`${(ceilingSeconds(measured.size) / 60).toFixed(1)} min`,
		share(ceilingSeconds(measured.size)),
		`${(earliestSeconds(measured.size) / 60).toFixed(1)} min`,
		share(earliestSeconds(measured.size)),
		measured.released,
		measured.failed,
		measured.lost,
		measured.throttled,
		measured.duplicatePosts,
		measured.tokenRequests,
		`${(measured.cpuMs / measured.size).toFixed(2)} ms`,
		`${measured.realSeconds.toFixed(1)} s`,
	];
}

/** N devices by ID, this node against the naive baseline. */
async function sizeTable() {
	const header = [
		'variant',
		'devices',
		'simulated time',
		'ceiling N/rate',
		'ceiling ÷ time',
		'earliest possible',
		'earliest ÷ time',
		'released',
		'failed items',
		'lost items',
		'429s received',
		'duplicate POSTs',
		'token requests',
		'CPU per item',
		'real time',
	];
	const rows = [];
	for (const size of sizes) {
		for (const variant of ['node', 'baseline']) {
			const measured = await measure(size, variant);
			rows.push(row(measured));
			process.stderr.write(
				`measured ${variant} × ${size}${measured.workflowError ? ` (workflow error: ${measured.workflowError})` : ''}\n`,
			);
		}
	}
	console.log(
		`Time scale ${timeScale} (one real second is ${timeScale} simulated seconds), Node ${process.version}, ${os.cpus().length} cores.\n`,
	);
	console.log(`| ${header.join(' | ')} |`);
	console.log(`|${header.map(() => '---').join('|')}|`);
	for (const cells of rows) console.log(`| ${cells.join(' | ')} |`);
}

async function main() {
	if (sizes.length > 0) await sizeTable();
	if (fleetSize > 0) await fleetTable();
	if (strayCount > 0) await strayTable();
	await require('./completion').completionTables();
}

main().catch((error) => {
	console.error(error);
	process.exitCode = 1;
});
