'use strict';
/**
 * A local stand-in for Microsoft Defender for Endpoint and its Entra ID token endpoint, on 127.0.0.1 only.
 * Development tooling for the tests, the demo and the benchmark; not part of the npm package.
 * One clock: simulated time = start + real time elapsed × timeScale. Every duration here is simulated time
 * (limits, action progress, token lifetime, Retry-After) except slowMs, which is real.
 *
 * The parts: options.js (the options and their defaults), state.js (what a simulator holds), handler.js (one
 * request: log, authentication, rate limits, faults), routes/*.js (the endpoints), actions.js (machine actions over
 * time), paging.js (OData collections), faults.js (injected faults), delegated.js (the delegated sign-in).
 */
const http = require('node:http');

const { ODATA_HEADERS, errorBody } = require('./answers');
const { render, seedActions } = require('./actions');
const { DEFAULT_USERS } = require('./delegated');
const { routeOf } = require('./faults');
const { handle } = require('./handler');
const { generateInventory, DUPLICATE_HOSTNAME, QUOTED_HOSTNAME } = require('./inventory');
const { DEFAULT_CREDENTIALS, resolveOptions } = require('./options');
const { createState } = require('./state');

const SCOPE = 'https://api.securitycenter.microsoft.com/.default';

/** Starts a simulator; options.js lists the options. Resolves to its URLs, its state and its controls. */
async function startSimulator(options = {}) {
	const resolved = resolveOptions(options);
	const sim = createState(resolved);
	const { server, sockets } = createServer(sim);
	await new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(resolved.port, resolved.host, resolve);
	});
	sim.url = `http://${resolved.host}:${server.address().port}`;
	if (resolved.withSeededActions) seedActions(sim);
	return publicApi(sim, server, sockets);
}

function createServer(sim) {
	const server = http.createServer((req, res) => {
		const chunks = [];
		req.on('data', (chunk) => chunks.push(chunk));
		req.on('end', () => {
			handle(sim, req, res, Buffer.concat(chunks).toString('utf8')).catch((error) => {
				res.writeHead(500, ODATA_HEADERS);
				res.end(JSON.stringify(errorBody('InternalServerError', error.message)));
			});
		});
	});
	server.keepAliveTimeout = 30_000;
	const sockets = new Set();
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	return { server, sockets };
}

/** What startSimulator resolves to. */
function publicApi(sim, server, sockets) {
	const { url, credentials, requests, tokens, rateLimits } = sim;
	return {
		url,
		/** Real time (ms since epoch) at which simulated time started, for clocks in other processes. */
		epochMs: sim.realStart,
		timeScale: sim.options.timeScale,
		apiBaseUrl: url,
		tokenUrl: `${url}/${credentials.tenantId}/oauth2/v2.0/token`,
		authorizeUrl: `${url}/${credentials.tenantId}/oauth2/v2.0/authorize`,
		/** Delegated sign-in controls: signInAs(upn), setConsentedScopes([...]), revokeRefreshTokens(), expireRefreshTokens(). */
		delegated: sim.delegated,
		scope: SCOPE,
		credentials,
		devices: sim.devices,
		requests,
		now: sim.now,
		setFaults: (next) => sim.faults.set(next),
		/** Every issued token stops working now: the next API call gets 401. */
		expireTokens() {
			for (const token of tokens.values()) token.valid = false;
		},
		/** Whether any access token this simulator issued appears in the text (for leak checks). */
		leaksToken: (text) =>
			[...tokens.keys()].some((token) => text.includes(token)) ||
			sim.delegated.leaksRefreshToken(text),
		/** Calls admitted in the last simulated minute (for progress displays). */
		callsLastMinute: () => rateLimits.lastMinute(sim.quotaKey, sim.now()),
		actionsOf: (machineId) =>
			[...sim.actions.values()]
				.filter((action) => action.machine.id === machineId)
				.map((action) => render(sim, action)),
		stats: () => requestStats(requests),
		reset() {
			requests.length = 0;
			rateLimits.reset();
			sim.actions.clear();
			if (sim.options.withSeededActions) seedActions(sim);
		},
		async close() {
			for (const socket of sockets) socket.destroy();
			await new Promise((resolve) => server.close(resolve));
		},
	};
}

/** Counts of the logged requests: by status, by route, POSTs per machine, token and sign-in requests. */
function requestStats(requests) {
	const status = {};
	const byRoute = {};
	const postsByMachine = {};
	for (const request of requests) {
		status[request.status] = (status[request.status] ?? 0) + 1;
		const route = routeOf(request.method, request.path);
		byRoute[route] = (byRoute[route] ?? 0) + 1;
		const post = /^\/api\/machines\/([^/]+)\/(?:un)?isolate$/.exec(request.path);
		if (request.method === 'POST' && post)
			postsByMachine[post[1]] = (postsByMachine[post[1]] ?? 0) + 1;
	}
	const tokenRequests = requests.filter((request) =>
		request.path.endsWith('/oauth2/v2.0/token'),
	).length;
	const signInRequests = requests.filter((request) =>
		request.path.endsWith('/oauth2/v2.0/authorize'),
	).length;
	return {
		tokenRequests,
		signInRequests,
		apiRequests: requests.length - tokenRequests - signInRequests,
		byRoute,
		status,
		postsByMachine,
	};
}

module.exports = {
	startSimulator,
	DEFAULT_CREDENTIALS,
	DEFAULT_USERS,
	DUPLICATE_HOSTNAME,
	QUOTED_HOSTNAME,
	generateInventory,
};
