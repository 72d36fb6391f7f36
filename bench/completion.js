'use strict';
/**
 * Completion benchmark (issue #19): Release From Isolation by ID with and without Wait for Completion, at each size,
 * on the simulator's own completion timeline (Pending 5 s, InProgress 10 s), and a Dry Run by hostname; prints one
 * Markdown table with the calls per device and the time against the target:
 *   with waiting: calls per device ≤ 1.05 and time ≤ 1.1 × (time without waiting + slowest completion + one poll interval)
 *   dry run: calls per device ≤ 0.1, no POST.
 *   npm run bench:completion -- [--sizes 200,1500] [--dry-run 1500] [--time-scale 60]
 * bench/bench.js runs it too, with the defaults.
 */
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs, promisify } = require('node:util');

const { startSimulator } = require('../simulator');

/** The simulator's completion timeline (simulator/options.js) and the longest poll interval (lib/polling.ts). */
const SLOWEST_COMPLETION_S = 15;
const POLL_INTERVAL_S = 60;

async function measure(size, variant, timeScale) {
	const sim = await startSimulator({
		deviceCount: size,
		timeScale,
		seedActions: variant.dryRun === true,
	});
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-completion-'));
	const jobFile = path.join(dir, 'job.json');
	const devices = sim.devices
		.slice(0, size)
		.map((device) => ({ id: device.id, hostname: device.computerDnsName }));
	const { credentials, apiBaseUrl, tokenUrl, scope, epochMs } = sim;
	fs.writeFileSync(
		jobFile,
		JSON.stringify({
			...variant,
			timeScale,
			devices,
			sim: { credentials, apiBaseUrl, tokenUrl, scope, epochMs },
		}),
	);
	try {
		const { stdout } = await promisify(execFile)(
			process.execPath,
			[path.join(__dirname, 'completionRun.js'), jobFile],
			{ maxBuffer: 16 << 20 },
		);
		const result = JSON.parse(stdout.trim().split('\n').pop());
		const stats = sim.stats();
		const statusReads = sim.requests.filter(
			(request) =>
				request.method === 'GET' &&
				(/^\/api\/machineactions\/[^/]+$/.test(request.path) ||
					/^id eq/.test(request.query?.$filter ?? '')),
		).length;
		return {
			...result,
			apiRequests: stats.apiRequests,
			posts: stats.byRoute['POST /api/machines/:id/unisolate'] ?? 0,
			statusReads,
			throttled: stats.status[429] ?? 0,
		};
	} finally {
		await sim.close();
		fs.rmSync(dir, { recursive: true, force: true });
	}
}

const minutes = (seconds) => `${(seconds / 60).toFixed(1)} min`;

async function completionTables({
	sizes = [200, 1500],
	dryRunSize = 1500,
	timeScale = 60,
	log = console.log,
} = {}) {
	const header = [
		'run',
		'devices',
		'simulated time',
		'API calls',
		'calls per device',
		'status reads',
		'release POSTs',
		'completed',
		'failed items',
		'429s',
		'target',
		'met',
	];
	const rows = [];
	for (const size of sizes) {
		const without = await measure(size, { wait: false }, timeScale);
		const withWait = await measure(size, { wait: true }, timeScale);
		const timeBound = 1.1 * (without.simulatedSeconds + SLOWEST_COMPLETION_S + POLL_INTERVAL_S);
		const perDevice = withWait.apiRequests / size;
		rows.push([
			'by ID, no waiting',
			size,
			minutes(without.simulatedSeconds),
			without.apiRequests,
			(without.apiRequests / size).toFixed(3),
			without.statusReads,
			without.posts,
			'–',
			without.failed,
			without.throttled,
			'–',
			'–',
		]);
		rows.push([
			'by ID, Wait for Completion',
			size,
			minutes(withWait.simulatedSeconds),
			withWait.apiRequests,
			perDevice.toFixed(3),
			withWait.statusReads,
			withWait.posts,
			withWait.completed,
			withWait.failed,
			withWait.throttled,
			`≤ 1.05 calls, ≤ ${minutes(timeBound)}`,
			perDevice <= 1.05 && withWait.simulatedSeconds <= timeBound && withWait.completed === size
				? 'yes'
				: 'NO',
		]);
		process.stderr.write(
			`measured completion × ${size}${withWait.firstError ? ` (first error: ${withWait.firstError})` : ''}\n`,
		);
	}
	if (dryRunSize > 0) {
		const dry = await measure(dryRunSize, { dryRun: true, byHostname: true }, timeScale);
		const perDevice = dry.apiRequests / dryRunSize;
		rows.push([
			'Dry Run by hostname',
			dryRunSize,
			minutes(dry.simulatedSeconds),
			dry.apiRequests,
			perDevice.toFixed(3),
			dry.statusReads,
			dry.posts,
			`${dry.wouldSend} would send`,
			dry.failed,
			dry.throttled,
			'≤ 0.1 calls, no POST',
			perDevice <= 0.1 && dry.posts === 0 ? 'yes' : 'NO',
		]);
		process.stderr.write(`measured dry run × ${dryRunSize}\n`);
	}
	log(
		`\nCompletion: time scale ${timeScale}, the simulator's timeline (Pending ${5} s, InProgress ${10} s).\n`,
	);
	log(`| ${header.join(' | ')} |`);
	log(`|${header.map(() => '---').join('|')}|`);
	for (const cells of rows) log(`| ${cells.join(' | ')} |`);
}

if (require.main === module) {
	const { values } = parseArgs({
		options: {
			sizes: { type: 'string', default: '200,1500' },
			'dry-run': { type: 'string', default: '1500' },
			'time-scale': { type: 'string', default: '60' },
		},
	});
	completionTables({
		sizes: values.sizes.split(',').map(Number).filter(Boolean),
		dryRunSize: Number(values['dry-run']),
		timeScale: Number(values['time-scale']),
	}).catch((error) => {
		console.error(error);
		process.exitCode = 1;
	});
}

module.exports = { completionTables };
