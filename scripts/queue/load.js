'use strict';
/** The queue-mode test's scenario: E webhook calls at once, a 401 storm halfway; then its checks and figures. */
const fs = require('node:fs');

const { seconds } = require('../lib/checks');
const { sleep } = require('../lib/wait');
const { isRelease, postMachineId: machineOf, countBy, isTokenRequest } = require('../lib/requests');
const { check, WEBHOOK_PATH, MINUTE, PER_MINUTE } = require('./common');

/** The largest number of times inside any window of windowMs (times ascending). */
function peakInWindow(times, windowMs) {
	let peak = 0;
	let first = 0;
	for (let last = 0; last < times.length; last++) {
		while (times[last] - times[first] >= windowMs) first++;
		peak = Math.max(peak, last - first + 1);
	}
	return peak;
}

/** The quota's bound: the earliest the last of `calls` calls can be admitted after the first, at 100 a minute. */
const quotaBoundMs = (calls) => Math.floor((calls - 1) / PER_MINUTE) * MINUTE;

/** Fires one webhook call per device at once; throws unless n8n accepted them all. */
async function fireWebhooks(t, devices) {
	const firedAt = Date.now();
	const answers = await Promise.all(
		devices.map(async (device, index) => {
			const response = await fetch(`http://127.0.0.1:${t.mainPort}/webhook/${WEBHOOK_PATH}`, {
				method: 'POST',
				headers: { 'Content-Type': 'application/json' },
				body: JSON.stringify({ ticket: `INC-${10_000 + index}`, machineId: device.id }),
			}).catch((error) => ({ status: 0, text: async () => String(error.cause ?? error) }));
			return {
				status: response.status,
				text: response.status === 200 ? '' : await response.text(),
			};
		}),
	);
	const acceptedMs = Date.now() - firedAt;
	const refused = answers.filter((answer) => answer.status !== 200);
	if (
		!check(
			refused.length === 0,
			`n8n accepted all ${devices.length} webhook calls (${seconds(acceptedMs)})`,
			refused.slice(0, 3),
		)
	) {
		throw new Error('n8n did not accept the webhook calls');
	}
	return firedAt;
}

/** The phase: fire the calls, expire every token once half the devices are released, wait for every execution. */
async function releaseUnderLoad(t) {
	const { sim } = t;
	const devices = sim.devices.slice(0, t.options.executions);
	const firedAt = await fireWebhooks(t, devices);
	const releasedIds = () =>
		new Set(sim.requests.filter((r) => isRelease(r) && r.status === 201).map(machineOf));
	let expired = false;
	const deadline = firedAt + Math.max(10 * MINUTE, 3 * quotaBoundMs(2 * devices.length));
	let lastReport = 0;
	while (Date.now() < deadline) {
		const released = releasedIds().size;
		if (!expired && released >= devices.length / 2) {
			sim.expireTokens();
			expired = true;
			console.log(
				`  ${released} released after ${seconds(Date.now() - firedAt)}: every access token expires now`,
			);
		}
		const finished = Number(
			(
				await t.n8n.postgres.query(
					"SELECT count(*) FROM execution_entity WHERE finished OR status IN ('error', 'crashed', 'canceled')",
				)
			)[0][0],
		);
		if (Date.now() - lastReport > 15_000) {
			lastReport = Date.now();
			console.log(
				`  ${seconds(Date.now() - firedAt)}: ${released} released, ${finished} executions finished, ${sim.requests.filter((r) => r.status === 429).length} answers 429`,
			);
		}
		if (finished >= devices.length) break;
		await sleep(1_000);
	}
	return { devices, firedAt, expired };
}

/** Executions all succeeded; each device released exactly once. */
async function checkExecutions(t, devices) {
	const statuses = await t.n8n.postgres.query(
		'SELECT status, count(*) FROM execution_entity GROUP BY status ORDER BY status',
	);
	const byStatus = Object.fromEntries(statuses.map(([status, count]) => [status, Number(count)]));
	check(
		byStatus.success === devices.length && Object.keys(byStatus).length === 1,
		`${devices.length} executions, all succeeded`,
		byStatus,
	);
	const posts = t.sim.requests.filter(isRelease);
	const created = countBy(posts.filter((r) => r.status === 201).map(machineOf));
	const never = devices.filter((device) => !created.has(device.id));
	const twice = [...created].filter(([, count]) => count > 1);
	const actions = devices.map(
		(device) => t.sim.actionsOf(device.id).filter((action) => action.type === 'Unisolate').length,
	);
	check(
		never.length === 0,
		`every device released (never released: ${never.length})`,
		never.slice(0, 5).map((d) => d.id),
	);
	check(
		twice.length === 0 && actions.every((count) => count === 1),
		'each device released exactly once (one accepted POST, one Unisolate action)',
		twice.slice(0, 5),
	);
	return { byStatus, posts, never };
}

const timesOf = (requests) => requests.map((r) => Date.parse(r.simTime)).sort((a, b) => a - b);

/** Defender's quota held, the 401 storm happened, few token requests, loopback only. */
function checkTraffic(t, expired) {
	const api = t.sim.requests.filter((r) => !isTokenRequest(r));
	const tokens = t.sim.requests.filter(isTokenRequest);
	const traffic = {
		api,
		tokens,
		admitted: api.filter((r) => r.status !== 429 && r.status !== 401),
		throttled: api.filter((r) => r.status === 429),
		unauthorized: api.filter((r) => r.status === 401),
	};
	traffic.peak = peakInWindow(timesOf(traffic.admitted), MINUTE);
	traffic.peakAttempts = peakInWindow(timesOf(api), MINUTE);
	check(
		traffic.peak <= PER_MINUTE,
		`Defender's quota held: at most ${PER_MINUTE} admitted calls in any 60 s (peak ${traffic.peak})`,
	);
	check(
		expired && traffic.unauthorized.length > 0,
		`the tokens expired halfway: ${traffic.unauthorized.length} calls answered 401`,
	);
	const { workers } = t.options;
	check(
		tokens.length <= 2 * workers,
		`token requests: ${tokens.length} (at most one per worker for the first token and one per worker after the expiry: ${2 * workers})`,
		tokens.map((r) => r.status),
	);
	const attempts = fs.readFileSync(t.netLog, 'utf8').trim();
	check(attempts === '', 'n8n connected to loopback only', attempts.split('\n').slice(0, 5));
	return traffic;
}

/** The "results" phase: the checks, then the measured figures and the `queue: …` line for BENCHMARKS.md. */
async function results(t) {
	const { devices, firedAt, expired } = t.load;
	const { byStatus, posts, never } = await checkExecutions(t, devices);
	const traffic = checkTraffic(t, expired);
	const { api, tokens, admitted, throttled, unauthorized, peak, peakAttempts } = traffic;
	const releaseTimes = timesOf(posts.filter((r) => r.status === 201));
	const spanMs = releaseTimes.at(-1) - releaseTimes[0];
	const boundMs = quotaBoundMs(admitted.length);
	const ratio = boundMs > 0 ? `× ${(spanMs / boundMs).toFixed(2)}` : 'within one minute';
	const perWorker = t.workerLogs.map(
		(file) => (fs.readFileSync(file, 'utf8').match(/Worker started execution/g) ?? []).length,
	);
	const share = (throttled.length / api.length) * 100;
	console.log('\n  measured:');
	console.log(`    executions per worker         ${perWorker.join(' / ')}`);
	console.log(
		`    API calls                     ${api.length} (${admitted.length} admitted, ${throttled.length} answered 429 = ${share.toFixed(1)} %, ${unauthorized.length} answered 401)`,
	);
	console.log(
		`    calls per execution           ${(admitted.length / devices.length).toFixed(2)} admitted (the release, and the pending-actions snapshots each worker shares among its executions)`,
	);
	console.log(`    peak calls in any 60 s        ${peak} admitted, ${peakAttempts} attempts`);
	console.log(`    token requests                ${tokens.length}`);
	console.log(
		`    first → last release          ${seconds(spanMs)}; the quota's bound for ${admitted.length} calls is ${seconds(boundMs)} (${ratio})`,
	);
	console.log(`    webhook fired → last release  ${seconds(releaseTimes.at(-1) - firedAt)}`);
	console.log(`    per 10 s from the first call  ${timeline(api)}`);
	const { workers, concurrency } = t.options;
	console.log(
		`\nqueue: ${workers} × ${concurrency} | failed ${devices.length - (byStatus.success ?? 0)} | never released ${never.length} | 429 ${throttled.length} of ${api.length} calls (${share.toFixed(1)} %) | peak/60 s ${peak} | first → last release ${seconds(spanMs)} (bound ${seconds(boundMs)}, ${ratio}) | tokens ${tokens.length}`,
	);
}

/** Admitted calls per 10 s from the first call, with 429 and 401 answers in brackets: "98 100 (3×429) …". */
function timeline(requests) {
	const start = Date.parse(requests[0].simTime);
	const buckets = [];
	for (const request of requests) {
		const index = Math.floor((Date.parse(request.simTime) - start) / 10_000);
		buckets[index] ??= { admitted: 0, 429: 0, 401: 0 };
		const bucket = buckets[index];
		if (request.status === 429 || request.status === 401) bucket[request.status]++;
		else bucket.admitted++;
	}
	return Array.from(buckets, (bucket = { admitted: 0, 429: 0, 401: 0 }) => {
		const extra = [bucket[429] && `${bucket[429]}×429`, bucket[401] && `${bucket[401]}×401`]
			.filter(Boolean)
			.join(' ');
		return extra ? `${bucket.admitted} (${extra})` : String(bucket.admitted);
	}).join(' | ');
}

module.exports = { releaseUnderLoad, results };
