'use strict';
/** The e2e checks over all executions: the simulator's request log, and no secret, token or foreign host anywhere. */
const fs = require('node:fs');
const path = require('node:path');

const cli = require('../lib/n8n-cli');
const {
	isTokenRequest,
	unisolatePosts,
	postMachineId,
	lookups,
	odataString,
	countBy,
} = require('../lib/requests');
const { check, ticketComment, scheduledComment } = require('./common');

/** Machine ID → the comment its one release must carry, from every scenario that released devices. */
function expectedReleases(t) {
	const { runs, workflows, byName, oneByName } = t;
	const expected = new Map();
	for (const ticket of runs.a.tickets)
		expected.set(byName(ticket.hostname)[0].id, ticketComment(ticket.ticket));
	for (const ticket of [workflows.failureTickets[0], workflows.failureTickets[3]])
		expected.set(oneByName(ticket.hostname).id, ticketComment(ticket.ticket));
	for (const d of workflows.scheduledDevices)
		if (!expected.has(d.machineId)) expected.set(d.machineId, scheduledComment(d.reason));
	for (const ticket of runs.d.tickets)
		expected.set(byName(ticket.hostname)[0].id, ticketComment(ticket.ticket));
	for (const device of runs.e.listed)
		expected.set(
			device.machineId,
			`Nightly release: isolated since ${device.since} by ${device.requestor} (${device.comment})`,
		);
	return expected;
}

/** The simulator's request log over all executions. */
function checkRequestLog(t) {
	const { sim } = t;
	const all = sim.requests;
	const tokenRequests = all.filter(isTokenRequest);
	check(
		tokenRequests.length === 1,
		`exactly one token request over all 6 executions (${tokenRequests.length}): n8n stores the token with the credential and later executions reuse it`,
		tokenRequests.map((r) => ({ status: r.status, body: r.body })),
	);
	check(
		tokenRequests.every(
			(r) =>
				r.status === 200 &&
				r.body?.grant_type === 'client_credentials' &&
				r.body?.scope === sim.scope &&
				r.body?.client_id === t.simCredentials.clientId,
		),
		'token request: client_credentials grant, the configured scope and client ID',
		tokenRequests.map((r) => r.body),
	);
	check(
		t.recorder.tokens.size === tokenRequests.length,
		`the token pass-through saw ${t.recorder.tokens.size} token(s)`,
	);
	const api = all.filter((r) => !isTokenRequest(r));
	check(
		api.length > 0 && api.every((r) => r.hasBearer && r.status !== 401),
		'every API call carried a valid bearer token',
		api.filter((r) => !r.hasBearer || r.status === 401),
	);
	checkReleases(t, expectedReleases(t));
	checkLookups(t);
}

/** Exactly one release per expected device, with its comment byte for byte, and none for any other. */
function checkReleases({ sim }, expectedPosts) {
	const all = sim.requests;
	const posts = unisolatePosts(all);
	const perMachine = countBy(posts.map(postMachineId));
	for (const [machineId, comment] of expectedPosts) {
		const device = sim.devices.find((d) => d.id === machineId);
		const mine = posts.filter((p) => postMachineId(p) === machineId);
		check(
			perMachine.get(machineId) === 1,
			`exactly one POST /api/machines/{id}/unisolate for ${device.computerDnsName}`,
			perMachine.get(machineId) ?? 0,
		);
		check(
			mine.length === 1 &&
				mine[0].status === 201 &&
				JSON.stringify(mine[0].body) === JSON.stringify({ Comment: comment }),
			`${device.computerDnsName}: body {"Comment": ${JSON.stringify(comment)}} sent byte for byte`,
			mine.map((p) => ({ status: p.status, body: p.body })),
		);
	}
	const unexpected = [...perMachine.keys()].filter((id) => !expectedPosts.has(id));
	check(unexpected.length === 0, 'no POST for any other device', unexpected);
	check(
		all.filter((r) => r.method === 'POST' && /\/isolate$/.test(r.path)).length === 0,
		'no isolate call',
	);
}

/** Hostnames are looked up in batches: `computerDnsName eq 'a' or computerDnsName eq 'b' …`. */
function checkLookups({ runs, workflows }) {
	const hostnamesLookedUp = [...runs.a.tickets, ...workflows.failureTickets, ...runs.d.tickets].map(
		(ticket) => ticket.hostname,
	);
	const filters = lookups([...runs.a.requests, ...runs.b.requests, ...runs.d.requests]).map(
		(r) => r.query.$filter,
	);
	for (const hostname of new Set(hostnamesLookedUp)) {
		const expected = `computerDnsName eq ${odataString(hostname)}`;
		check(
			filters.some((filter) => filter.split(' or ').includes(expected)),
			`hostname lookup used ${expected} in its $filter`,
			filters,
		);
	}
	check(
		filters.every((f) =>
			/^computerDnsName eq '(?:[^']|'')*'(?: or computerDnsName eq '(?:[^']|'')*')*$/.test(f),
		),
		'every lookup filter is computerDnsName eq clauses joined by or, nothing else',
		filters,
	);
	check(
		filters.length === 3,
		`one batched lookup per execution that names hostnames (${filters.length})`,
		filters,
	);
}

/** n8n's sqlite files in the user folder. */
const databaseFiles = (userFolder) =>
	fs
		.readdirSync(path.join(userFolder, '.n8n'))
		.filter((file) => file.startsWith('database.sqlite'));

/** No client secret or access token in any n8n command's output or in n8n's database; n8n reached loopback only. */
async function checkSecretsAndNetwork(t) {
	const { secret, transcript, sim } = t;
	const tokens = [...t.recorder.tokens];
	const leaks = [];
	for (const entry of transcript) {
		for (const [stream, text] of [
			['stdout', entry.stdout],
			['stderr', entry.stderr],
		]) {
			if (text.includes(secret)) leaks.push(`client secret in ${entry.label} ${stream}`);
			for (const token of tokens)
				if (text.includes(token)) leaks.push(`access token in ${entry.label} ${stream}`);
		}
	}
	check(
		tokens.length > 0,
		`the access token${tokens.length === 1 ? '' : 's'} n8n received ${tokens.length === 1 ? 'is' : 'are'} known to the test (${tokens.length})`,
	);
	if (typeof sim.leaksToken === 'function') {
		for (const entry of transcript)
			if (sim.leaksToken(entry.stdout + entry.stderr))
				leaks.push(`an access token the simulator issued, in ${entry.label}`);
	}
	check(
		leaks.length === 0,
		`no client secret and no access token in the stdout/stderr of ${transcript.length} n8n commands`,
		leaks,
	);
	const dbLeaks = [];
	for (const file of databaseFiles(t.userFolder)) {
		const bytes = fs.readFileSync(path.join(t.userFolder, '.n8n', file));
		if (bytes.includes(Buffer.from(secret))) dbLeaks.push(`client secret in ${file}`);
		for (const token of tokens)
			if (bytes.includes(Buffer.from(token))) dbLeaks.push(`access token in ${file}`);
	}
	check(
		dbLeaks.length === 0,
		"no client secret and no access token in clear in n8n's database (saved executions included)",
		dbLeaks,
	);
	await checkNetwork(t);
}

/** n8n tried no other host; and the loopback guard, in a process of its own, refuses and records another host. */
async function checkNetwork(t) {
	const attempts = fs.readFileSync(t.netLog, 'utf8').trim();
	check(
		attempts === '',
		'n8n connected to loopback only (no other host was even tried, not even by DNS)',
		attempts.split('\n').slice(0, 10),
	);
	const selfTestLog = path.join(t.temp, 'guard-self-test.log');
	const probe = await cli.run(
		t.n8n.node,
		[
			'-e',
			"fetch('http://e2e-guard-self-test.invalid/').then(() => console.log('CONNECTED'), (e) => console.log(e.cause?.code ?? e.message))",
		],
		{ env: { ...t.env, E2E_NET_LOG: selfTestLog }, timeoutMs: 30_000 },
	);
	const recorded = fs.existsSync(selfTestLog) ? fs.readFileSync(selfTestLog, 'utf8') : '';
	check(
		probe.stdout.trim() === 'EHOSTUNREACH' && recorded.includes('e2e-guard-self-test.invalid'),
		'the loopback guard works: a request to another host was refused and recorded',
		{ stdout: probe.stdout, stderr: probe.stderr, recorded },
	);
}

module.exports = { checkRequestLog, checkSecretsAndNetwork, databaseFiles };
