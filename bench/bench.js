'use strict';
/**
 * Throughput benchmark: releases N devices against the local simulator, on a scaled clock, with this node and with
 * a naive baseline (one plain request per item, sequential, n8n "Retry On Fail": 5 tries, 5 s apart, re-running the
 * whole node), and prints one Markdown table. Not part of the test suite.
 *   npm run bench -- [--sizes 300,1600] [--time-scale 20]
 */
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs, promisify } = require('node:util');

const { startSimulator } = require('../simulator');

const { values: args } = parseArgs({
	options: { sizes: { type: 'string', default: '300,1600' }, 'time-scale': { type: 'string', default: '20' } },
});
const sizes = args.sizes.split(',').map(Number);
const timeScale = Number(args['time-scale']);

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

async function measure(size, variant) {
	const sim = await startSimulator({ deviceCount: size, timeScale, seedActions: false });
	const jobFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-')), 'job.json');
	const ids = sim.devices.slice(0, size).map((device) => device.id);
	const { credentials, apiBaseUrl, tokenUrl, scope, epochMs } = sim;
	fs.writeFileSync(jobFile, JSON.stringify({ variant, timeScale, ids, sim: { credentials, apiBaseUrl, tokenUrl, scope, epochMs } }));
	const realStart = Date.now();
	const { stdout } = await promisify(execFile)(process.execPath, [path.join(__dirname, 'releaseRun.js'), jobFile], { maxBuffer: 16 << 20 });
	const realSeconds = (Date.now() - realStart) / 1000;
	const result = JSON.parse(stdout.trim().split('\n').pop());
	const stats = sim.stats();
	// POSTs for a device after the first one Defender processed: each is a second release request for the same device.
	const duplicatePosts = sim.devices.reduce((sum, device) => {
		const posts = sim.requests.filter((request) => request.method === 'POST' && request.path === `/api/machines/${device.id}/unisolate`);
		const first = posts.findIndex((request) => /^(dropped after )?201$/.test(String(request.status)));
		return sum + (first === -1 ? 0 : posts.length - first - 1);
	}, 0);
	const released = sim.devices.filter((device) => sim.actionsOf(device.id).some((action) => action.type === 'Unisolate')).length;
	await sim.close();
	fs.rmSync(path.dirname(jobFile), { recursive: true, force: true });
	return {
		variant,
		size,
		...result,
		realSeconds,
		released,
		lost: size - result.succeeded - result.failed,
		throttled: stats.status[429] ?? 0,
		duplicatePosts,
		tokenRequests: stats.tokenRequests,
	};
}

function row(measured) {
	const share = (ideal) =>
		measured.released === measured.size ? (ideal / measured.simulatedSeconds).toFixed(3) : 'n/a: not all released';
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

async function main() {
	const header = ['variant', 'devices', 'simulated time', 'ceiling N/rate', 'ceiling ÷ time', 'earliest possible', 'earliest ÷ time', 'released', 'failed items', 'lost items', '429s received', 'duplicate POSTs', 'token requests', 'CPU per item', 'real time'];
	const rows = [];
	for (const size of sizes) {
		for (const variant of ['node', 'baseline']) {
			const measured = await measure(size, variant);
			rows.push(row(measured));
			process.stderr.write(`measured ${variant} × ${size}${measured.workflowError ? ` (workflow error: ${measured.workflowError})` : ''}\n`);
		}
	}
	console.log(`Time scale ${timeScale} (one real second is ${timeScale} simulated seconds), Node ${process.version}, ${os.cpus().length} cores.\n`);
	console.log(`| ${header.join(' | ')} |`);
	console.log(`|${header.map(() => '---').join('|')}|`);
	for (const cells of rows) console.log(`| ${cells.join(' | ')} |`);
}

main().catch((error) => {
	console.error(error);
	process.exitCode = 1;
});
