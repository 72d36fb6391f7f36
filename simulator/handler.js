'use strict';
/**
 * One HTTP request to the simulator: logged in sim.requests, then the authorize or token endpoint, or an API call
 * through authentication, Defender's rate limits and the injected faults to its route handler.
 */
const { ODATA_HEADERS, errorBody } = require('./answers');
const { routeOf } = require('./faults');
const { ODataError } = require('./odataFilter');
const { api } = require('./routes/api');
const { authorizeRoute } = require('./routes/authorize');
const { tokenRoute } = require('./routes/token');

async function handle(sim, req, res, rawBody) {
	const started = Date.now();
	if (req.url.length > sim.options.maxUrlLength) return refuseLongUrl(sim, req, res);
	const parsed = new URL(req.url, sim.url);
	const path = decodeURIComponent(parsed.pathname);
	const query = Object.fromEntries(parsed.searchParams);
	const entry = {
		seq: sim.requests.length + 1,
		method: req.method,
		path,
		query,
		body: undefined,
		hasBearer: false,
		tokenId: null,
		status: 0,
		fault: undefined,
		simTime: new Date(sim.now()).toISOString(),
		realMs: 0,
	};
	sim.requests.push(entry);
	const send = (status, body, headers = {}) => {
		entry.status = status;
		entry.realMs = Date.now() - started;
		// Defender's clock, in simulated time: the node reads it to place actions before or after its requests.
		res.writeHead(status, {
			...ODATA_HEADERS,
			Date: new Date(sim.now()).toUTCString(),
			...headers,
		});
		res.end(typeof body === 'string' ? body : JSON.stringify(body));
	};
	const exchange = { req, res, path, query, rawBody, entry, send, started };
	if (authorizeRoute(sim, exchange)) return undefined;
	if (await tokenRoute(sim, exchange)) return undefined;
	return apiCall(sim, exchange);
}

function refuseLongUrl(sim, req, res) {
	sim.requests.push({
		seq: sim.requests.length + 1,
		method: req.method,
		path: '(URL too long)',
		query: {},
		status: 414,
		simTime: new Date(sim.now()).toISOString(),
	});
	res.writeHead(414, { 'Content-Type': 'text/html' });
	return res.end('<html><body>414 Request-URI Too Long</body></html>');
}

/** An API call: bearer token, rate limits, injected faults, then the route's answer. */
async function apiCall(sim, { req, path, query, rawBody, entry, send }) {
	entry.body = parseJson(rawBody);
	const token = bearerToken(sim, req, entry);
	if (!usable(sim, token))
		return send(
			401,
			errorBody('Unauthorized', 'Unauthorized (invalid or expired authorization header).'),
		);
	const waitMs = sim.rateLimits.admit(sim.quotaKey, sim.now());
	if (waitMs > 0) {
		const seconds = Math.max(1, Math.ceil(waitMs / 1000));
		return send(
			429,
			errorBody('TooManyRequests', `Rate limit is exceeded. Try again in ${seconds} seconds.`),
			retryAfterHeader(sim, seconds),
		);
	}
	token.calls++;
	const fault = sim.faults.pick(routeOf(req.method, path));
	entry.fault = fault;
	await slowDown(sim, entry);
	if (fault === '429' || fault === '5xx') return sendFault(sim, fault, send);
	if (fault === 'drop') {
		entry.status = 'dropped';
		return req.socket.destroy();
	}
	const [status, response] = answer(sim, req.method, path, query, entry.body, token);
	if (fault === 'dropAfter') {
		entry.status = `dropped after ${status}`;
		return req.socket.destroy();
	}
	if (fault === 'malformed' && status < 300) return send(status, '{not json');
	return send(status, response);
}

/** The request's JSON body: undefined when empty, null when not JSON. */
function parseJson(rawBody) {
	if (!rawBody.length) return undefined;
	try {
		return JSON.parse(rawBody);
	} catch {
		return null;
	}
}

/** The issued token the request's bearer names, if any (noted in the log entry). */
function bearerToken(sim, req, entry) {
	const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
	entry.hasBearer = Boolean(bearer);
	const token = bearer ? sim.tokens.get(bearer) : undefined;
	if (token) entry.tokenId = token.id;
	return token;
}

function usable(sim, token) {
	const { tokenExpireAfterCalls } = sim.faults.settings;
	return Boolean(
		token &&
			token.valid &&
			token.expiresAtMs > sim.now() &&
			!(tokenExpireAfterCalls && token.calls >= tokenExpireAfterCalls),
	);
}

function retryAfterHeader(sim, seconds) {
	if (seconds === null) return {};
	if (sim.faults.settings.retryAfterAsDate)
		return { 'Retry-After': new Date(sim.now() + seconds * 1000).toUTCString() };
	return { 'Retry-After': String(seconds) };
}

/** The injected slowness (real time), for a share of the calls when slowRate is set. */
async function slowDown(sim, entry) {
	const faults = sim.faults.settings;
	if (faults.slowMs && (faults.slowRate === undefined || sim.faults.random() < faults.slowRate)) {
		entry.slow = true;
		await new Promise((resolve) => setTimeout(resolve, faults.slowMs));
	}
}

function sendFault(sim, fault, send) {
	const faults = sim.faults.settings;
	if (fault === '429') {
		const seconds = faults.retryAfterSeconds === undefined ? 1 : faults.retryAfterSeconds;
		return send(
			429,
			errorBody('TooManyRequests', 'Rate limit is exceeded.'),
			retryAfterHeader(sim, seconds),
		);
	}
	return send(
		faults.burst5xx?.status ?? 503,
		errorBody('InternalServerError', 'Service temporarily unavailable'),
	);
}

/** The route's answer; a $filter the simulator cannot read is Defender's 400 ODataError. */
function answer(sim, method, path, query, body, token) {
	try {
		return api(sim, method, path, query, body, token);
	} catch (error) {
		if (!(error instanceof ODataError)) throw error;
		return [400, errorBody('ODataError', `Invalid filter clause: ${error.message}`)];
	}
}

module.exports = { handle };
