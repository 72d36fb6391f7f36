'use strict';
/**
 * A local stand-in for Microsoft Defender for Endpoint and its Entra ID token endpoint, on 127.0.0.1 only.
 * Development tooling for the tests, the demo and the benchmark; not part of the npm package.
 * One clock: simulated time = start + real time elapsed × timeScale. Every duration here is simulated time
 * (limits, action progress, token lifetime, Retry-After) except slowMs, which is real.
 */
const http = require('node:http');
const crypto = require('node:crypto');

const { createDelegatedSignIn, DEFAULT_USERS } = require('./delegated');
const { generateInventory, DUPLICATE_HOSTNAME, QUOTED_HOSTNAME } = require('./inventory');
const { RateLimits } = require('./limits');
const { compileFilter, ODataError } = require('./odataFilter');
const { seededRandom } = require('./random');

const DEFAULT_CREDENTIALS = {
	tenantId: '11111111-2222-3333-4444-555555555555',
	clientId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
	clientSecret: 'sim-secret-do-not-use-anywhere-else',
};
const SCOPE = 'https://api.securitycenter.microsoft.com/.default';
const ODATA_HEADERS = {
	'Content-Type': 'application/json; odata.metadata=minimal; odata.streaming=true; charset=utf-8',
	'OData-Version': '4.0',
};
const FINAL = new Set(['Succeeded', 'Failed', 'TimeOut', 'Cancelled']);
const ISOLATION_TYPES = new Set(['Full', 'Selective', 'UnManagedDevice']);

async function startSimulator(options = {}) {
	const {
		host = '127.0.0.1',
		port = 0,
		timeScale = 1,
		credentials = DEFAULT_CREDENTIALS,
		deviceCount = 20,
		limits = { perMinute: 100, perHour: 1500 },
		actionTimeline = { pendingSeconds: 5, inProgressSeconds: 10 },
		tokenLifetimeSeconds = 3599,
		pageSize = 10_000,
		seed = 1,
		seedActions: withSeededActions = true,
		/** Extra finished Isolate/Unisolate actions spread over the devices, for fleet-scale listings. */
		historyActions = 0,
		/** Longer request URLs are refused with 414, as gateways do. */
		maxUrlLength = 8_192,
		/**
		 * Documented Defender behaviour the node must survive, each off by default:
		 * - echoPendingAction: a POST while an isolation action is under way answers 201 (or echoStatus) with that
		 *   pending action instead of 400 "Action is already in progress" (unisolate-machine.md);
		 * - acceptWhilePending: a release posted while an Isolate is pending is accepted, and completes before the
		 *   Isolate, which then leaves the device isolated (MicrosoftDocs/microsoft-365-docs#5903);
		 * - finalStatus: { [machineId]: 'Failed' | 'TimeOut' | 'Cancelled' } for actions that do not succeed;
		 * - token: { burst429, burst5xx, burstDrop, slowMs, expiredSecret } at the token endpoint;
		 * - mergedRecords: devices whose older record was merged into a newer one (mergedIntoMachineId);
		 * - refuseOrFilters: a $filter that ORs several computerDnsName/id/machineId comparisons is 400 ODataError (to
		 *   exercise a client's fallback; Defender's docs do not say either way).
		 */
		quirks = {},
		/**
		 * Delegated sign-in (see delegated.js): { users: [{ upn, roles, deviceGroups }], signInAs, consentedScopes,
		 * redirectUris, refreshTokenLifetimeSeconds }; every field has a default.
		 */
		delegated: delegatedOptions = {},
	} = options;
	if (!/^(127\.\d+\.\d+\.\d+|localhost)$/.test(host)) throw new Error('The simulator only listens on loopback');

	const realStart = Date.now();
	const simStart = realStart;
	const now = () => simStart + (Date.now() - realStart) * timeScale;

	const devices = options.devices ?? generateInventory(deviceCount, simStart, seed, { mergedRecords: quirks.mergedRecords });
	const tokenBursts = { burst429: quirks.token?.burst429 ?? 0, burst5xx: quirks.token?.burst5xx ?? 0, burstDrop: quirks.token?.burstDrop ?? 0 };
	const rateLimits = new RateLimits(limits);
	const tokens = new Map();
	const actions = new Map();
	const requests = [];
	let faults = {};
	let faultRandom = seededRandom(seed);
	const bursts = {};

	function setFaults(next = {}) {
		faults = { ...next };
		faultRandom = seededRandom(next.seed ?? seed);
		for (const kind of ['burst429', 'burst5xx', 'burstDrop', 'burstMalformed']) bursts[kind] = next[kind]?.count ?? 0;
	}
	setFaults(options.faults);

	function seedActions() {
		// History first (older), so the seeded incidents below stay each device's newest actions.
		for (let n = 0; n < historyActions; n++) {
			const device = devices[n % devices.length];
			const round = Math.floor(n / devices.length);
			createAction(device, round % 2 ? 'Unisolate' : 'Isolate', `History ${round}`, 'soc@contoso.com', round % 2 ? null : 'Full', simStart - (30 - round) * 86_400_000 + n);
		}
		devices.forEach((device, index) => {
			const n = index + 1;
			if (n % 3 === 0) createAction(device, 'Isolate', 'Seeded: isolated during an incident', 'soc@contoso.com', 'Full', simStart - 2 * 86_400_000);
			if (n % 10 === 0) createAction(device, 'Isolate', 'Seeded: isolation pending', 'soc@contoso.com', 'Full', simStart);
		});
	}

	function createAction(device, type, comment, requestor, scope, createdMs = now()) {
		// Action IDs are GUIDs, unique across simulators as Defender's are across time: a client may remember them.
		const action = { id: crypto.randomUUID(), type, machine: device, comment, requestor, scope, createdMs, cancellation: null };
		actions.set(action.id, action);
		return action;
	}

	function statusOf(action, atMs = now()) {
		if (action.cancellation) return { status: 'Cancelled', since: action.cancellation.atMs };
		const pendingUntil = action.createdMs + actionTimeline.pendingSeconds * 1000;
		const runningUntil = action.completesAtMs ?? pendingUntil + actionTimeline.inProgressSeconds * 1000;
		if (atMs < pendingUntil) return { status: 'Pending', since: action.createdMs };
		if (atMs < runningUntil) return { status: 'InProgress', since: pendingUntil };
		return { status: quirks.finalStatus?.[action.machine.id] ?? 'Succeeded', since: runningUntil };
	}

	const underWay = (device) =>
		[...actions.values()].filter(
			(action) => action.machine === device && ['Isolate', 'Unisolate'].includes(action.type) && !FINAL.has(statusOf(action).status),
		);

	function render(action) {
		const { status, since } = statusOf(action);
		return {
			'@odata.context': `${url}/api/$metadata#MachineActions/$entity`,
			id: action.id,
			type: action.type,
			title: null,
			requestor: action.requestor,
			requestorComment: action.comment,
			status,
			machineId: action.machine.id,
			computerDnsName: action.machine.computerDnsName,
			creationDateTimeUtc: new Date(action.createdMs).toISOString(),
			lastUpdateDateTimeUtc: new Date(since).toISOString(),
			cancellationRequestor: action.cancellation?.requestor ?? null,
			cancellationComment: action.cancellation?.comment ?? null,
			cancellationDateTimeUtc: action.cancellation ? new Date(action.cancellation.atMs).toISOString() : null,
			errorHResult: 0,
			scope: action.scope ?? null,
			externalId: null,
			requestSource: 'PublicApi',
			relatedFileInfo: null,
			commands: [],
			troubleshootInfo: null,
		};
	}

	const errorBody = (code, message) => ({ error: { code, message, target: crypto.randomUUID() } });

	/** One page of a filtered collection, with @odata.nextLink when more remain. */
	function page(collection, entitySet, query, path) {
		if (quirks.refuseOrFilters && /\bor\b/.test(query.$filter ?? '') && (query.$filter.match(/\b(computerDnsName|id|machineId) eq /g) ?? []).length > 1) {
			throw new ODataError('The query specified in the URI is not valid: the node count limit has been exceeded');
		}
		let selected = collection;
		if (query.$filter !== undefined) selected = selected.filter(compileFilter(query.$filter));
		const skip = Number(query.$skip ?? 0);
		const top = query.$top === undefined ? undefined : Number(query.$top);
		if (Number.isNaN(skip) || (top !== undefined && (Number.isNaN(top) || top < 0 || top > 10_000))) {
			throw new ODataError('Invalid $top or $skip');
		}
		const take = Math.min(top ?? pageSize, pageSize);
		const value = selected.slice(skip, skip + take);
		const body = { '@odata.context': `${url}/api/$metadata#${entitySet}`, value };
		const remainingWanted = top === undefined ? Infinity : top - value.length;
		if (skip + value.length < selected.length && value.length === take && remainingWanted > 0) {
			const next = new URLSearchParams({ ...query, $skip: String(skip + value.length) });
			if (top !== undefined) next.set('$top', String(remainingWanted));
			body['@odata.nextLink'] = `${url}${path}?${next}`;
		}
		return body;
	}

	/** Entra's error answer: {error, error_description: "AADSTS…: …", error_codes, …}. */
	const aad = (status, error, code, description) => [
		status,
		{
			error,
			error_description: `AADSTS${code}: ${description}\r\nTrace ID: ${crypto.randomUUID()}\r\nCorrelation ID: ${crypto.randomUUID()}\r\nTimestamp: ${new Date(now()).toISOString()}`,
			error_codes: [code],
			timestamp: new Date(now()).toISOString(),
			trace_id: crypto.randomUUID(),
			correlation_id: crypto.randomUUID(),
		},
	];

	/** An access token; `grant` is { user, scopes } for a delegated sign-in, empty for the application itself. */
	function issueAccessToken(grant = {}) {
		const accessToken = crypto.randomBytes(32).toString('base64url');
		tokens.set(accessToken, { id: tokens.size + 1, expiresAtMs: now() + tokenLifetimeSeconds * 1000, calls: 0, valid: true, ...grant });
		return { accessToken, expiresIn: tokenLifetimeSeconds };
	}

	const delegated = createDelegatedSignIn({ credentials, now, issueAccessToken, aad, options: delegatedOptions });
	const GRANT_TYPES = new Set(['client_credentials', 'authorization_code', 'refresh_token']);

	function tokenEndpoint(tenant, form, basicAuth) {
		let clientId = form.client_id;
		let clientSecret = form.client_secret;
		if (basicAuth) [clientId, clientSecret] = Buffer.from(basicAuth, 'base64').toString().split(':');
		if (tokenBursts.burst429 > 0) {
			tokenBursts.burst429--;
			return [...aad(429, 'temporarily_unavailable', 50196, 'The server terminated an operation because it encountered a client request loop.'), { 'Retry-After': '2' }];
		}
		if (tokenBursts.burst5xx > 0) {
			tokenBursts.burst5xx--;
			return [503, 'Service Unavailable', { 'Content-Type': 'text/plain' }];
		}
		if (tenant !== credentials.tenantId) return aad(400, 'invalid_request', 90002, `Tenant '${tenant}' not found.`);
		if (!GRANT_TYPES.has(form.grant_type)) return aad(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
		if (clientId !== credentials.clientId) return aad(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory.`);
		if (quirks.token?.expiredSecret) {
			return aad(401, 'invalid_client', 7000222, `The provided client secret keys for app '${clientId}' are expired. Visit the Azure portal to create new keys for your app.`);
		}
		if (clientSecret !== credentials.clientSecret) return aad(401, 'invalid_client', 7000215, 'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.');
		if (form.grant_type !== 'client_credentials') return delegated.grant(form);
		if (!form.scope) return aad(400, 'invalid_request', 90014, "The request body must contain the following parameter: 'scope'.");
		const { accessToken, expiresIn } = issueAccessToken();
		return [200, { token_type: 'Bearer', expires_in: expiresIn, ext_expires_in: expiresIn, access_token: accessToken }];
	}

	const findDevice = (id) => devices.find((device) => device.id === id);

	/**
	 * The API itself, for an authenticated call within the limits. Returns [status, body]. `caller` is the access
	 * token's record: a delegated one (caller.user) acts within the user's permissions and device groups.
	 */
	function api(method, path, query, body, caller) {
		const refused = (need, device) => {
			const refusal = caller.user ? delegated.refusal(caller, need, device) : undefined;
			return refusal && [refusal[0], errorBody(refusal[1], refusal[2])];
		};
		const requestor = caller.user ?? credentials.clientId;
		const visible = (device) => delegated.canSee(caller, device);
		const denied = refused(method === 'GET' ? 'read' : 'act');
		if (denied) return denied;
		if (method === 'GET' && path === '/api/machines') return [200, page(devices.filter(visible), 'Machines', query, path)];
		const byIp = /^\/api\/machines\/findbyip\(ip='([^']*)',timestamp=([^)]*)\)$/.exec(path);
		if (method === 'GET' && byIp) {
			const at = Date.parse(decodeURIComponent(byIp[2]));
			if (Number.isNaN(at) || at < now() - 30 * 86_400_000) return [400, errorBody('InvalidInput', 'The given timestamp must be in the past 30 days.')];
			return [200, { '@odata.context': `${url}/api/$metadata#Machines`, value: devices.filter((device) => visible(device) && device.lastIpAddress === byIp[1]) }];
		}
		const machine = /^\/api\/machines\/([^/]+)(?:\/(isolate|unisolate))?$/.exec(path);
		if (machine) {
			const id = decodeURIComponent(machine[1]);
			const device = findDevice(id) ?? (method === 'GET' ? devices.find((d) => d.computerDnsName.toLowerCase() === id.toLowerCase()) : undefined);
			if (!device || (method === 'GET' && !visible(device))) return [404, errorBody('ResourceNotFound', `Machine ${id} was not found`)];
			const outsideGroups = method === 'POST' && refused('act', device);
			if (outsideGroups) return outsideGroups;
			if (method === 'GET' && !machine[2]) return [200, { '@odata.context': `${url}/api/$metadata#Machines/$entity`, ...device }];
			if (method !== 'POST' || !machine[2]) return [405, errorBody('BadRequest', 'Method not allowed')];
			if (body === undefined || typeof body !== 'object' || body === null) return [400, errorBody('InvalidRequestBody', 'Request body is incorrect')];
			if (typeof body.Comment !== 'string' || body.Comment === '') return [400, errorBody('MissingRequiredParameter', 'Parameter Comment is missing.')];
			const isolate = machine[2] === 'isolate';
			if (isolate && body.IsolationType !== undefined && !ISOLATION_TYPES.has(body.IsolationType)) {
				return [400, errorBody('InvalidInput', `Invalid input IsolationType ${body.IsolationType}`)];
			}
			const running = underWay(device);
			const type = isolate ? 'Isolate' : 'Unisolate';
			const scope = isolate ? (body.IsolationType ?? 'Full') : null;
			if (running.length && quirks.acceptWhilePending && !isolate && running.every((action) => action.type === 'Isolate')) {
				// Out of order: the release completes first, the older Isolate after it.
				const release = createAction(device, type, body.Comment, requestor, scope);
				const releaseDone = release.createdMs + (actionTimeline.pendingSeconds + actionTimeline.inProgressSeconds) * 1000;
				for (const action of running) action.completesAtMs = Math.max(action.completesAtMs ?? 0, releaseDone + 5_000);
				return [201, render(release)];
			}
			if (running.length && quirks.echoPendingAction) return [quirks.echoStatus ?? 201, render(running[0])];
			if (running.length) return [400, errorBody('ActiveRequestAlreadyExists', 'Action is already in progress')];
			const action = createAction(device, type, body.Comment, requestor, scope);
			return [201, render(action)];
		}
		if (method === 'GET' && path === '/api/machineactions') {
			const all = [...actions.values()].filter((action) => visible(action.machine)).sort((a, b) => b.createdMs - a.createdMs).map(render);
			return [200, page(all, 'MachineActions', query, path)];
		}
		const actionPath = /^\/api\/machineactions\/([^/]+)(\/cancel)?$/.exec(path);
		if (actionPath) {
			const action = actions.get(decodeURIComponent(actionPath[1]));
			if (!action || !visible(action.machine)) return [404, errorBody('ResourceNotFound', `MachineAction ${actionPath[1]} was not found`)];
			if (method === 'GET' && !actionPath[2]) return [200, render(action)];
			if (method === 'POST' && actionPath[2]) {
				const { status } = statusOf(action);
				if (FINAL.has(status)) return [400, errorBody('BadRequest', `Can't cancel an action in final state: ${status}`)];
				action.cancellation = { atMs: now(), requestor, comment: body?.Comment ?? null };
				return [200, render(action)];
			}
		}
		return [404, errorBody('NotFound', `Resource ${path} was not found`)];
	}

	/** Route name for fault filters, e.g. "POST /api/machines/:id/unisolate". */
	function routeOf(method, path) {
		return `${method} ${path
			.replace(/^\/api\/machines\/findbyip\(.*\)$/, '/api/machines/findbyip')
			.replace(/^\/api\/machines\/[^/]+/, (m) => (m === '/api/machines/findbyip' ? m : '/api/machines/:id'))
			.replace(/^\/api\/machineactions\/[^/]+/, '/api/machineactions/:id')}`;
	}

	/** Which injected fault, if any, hits this call. */
	function pickFault(route) {
		if (faults.only && !faults.only.includes(route)) return undefined;
		const roll = (rate) => rate > 0 && faultRandom() < rate;
		const burst = (kind) => (bursts[kind] > 0 ? (bursts[kind]--, true) : false);
		if (burst('burst429') || roll(faults.rate429)) return '429';
		if (burst('burst5xx') || roll(faults.rate5xx)) return '5xx';
		if (burst('burstDrop') || roll(faults.dropRate)) return faults.burstDrop?.afterProcessing || faults.dropAfterProcessing ? 'dropAfter' : 'drop';
		if (burst('burstMalformed') || roll(faults.malformedRate)) return 'malformed';
		return undefined;
	}

	function retryAfterHeader(seconds) {
		if (seconds === null) return {};
		if (faults.retryAfterAsDate) return { 'Retry-After': new Date(now() + seconds * 1000).toUTCString() };
		return { 'Retry-After': String(seconds) };
	}

	async function handle(req, res, rawBody) {
		const started = Date.now();
		if (req.url.length > maxUrlLength) {
			requests.push({ seq: requests.length + 1, method: req.method, path: '(URL too long)', query: {}, status: 414, simTime: new Date(now()).toISOString() });
			res.writeHead(414, { 'Content-Type': 'text/html' });
			return res.end('<html><body>414 Request-URI Too Long</body></html>');
		}
		const parsed = new URL(req.url, url);
		const path = decodeURIComponent(parsed.pathname);
		const query = Object.fromEntries(parsed.searchParams);
		const entry = { seq: requests.length + 1, method: req.method, path, query, body: undefined, hasBearer: false, tokenId: null, status: 0, fault: undefined, simTime: new Date(now()).toISOString(), realMs: 0 };
		requests.push(entry);
		const send = (status, body, headers = {}) => {
			entry.status = status;
			entry.realMs = Date.now() - started;
			// Defender's clock, in simulated time: the node reads it to place actions before or after its requests.
			res.writeHead(status, { ...ODATA_HEADERS, Date: new Date(now()).toUTCString(), ...headers });
			res.end(typeof body === 'string' ? body : JSON.stringify(body));
		};

		const authorizeRoute = /^\/([^/]+)\/oauth2\/v2\.0\/authorize$/.exec(path);
		if (req.method === 'GET' && authorizeRoute) {
			// The browser's visit: the configured user is signed in at once (no login page) and sent back with a code.
			const answer = delegated.authorize(authorizeRoute[1], query);
			entry.status = answer.status;
			entry.realMs = Date.now() - started;
			if (answer.location) {
				res.writeHead(302, { Location: answer.location, 'Cache-Control': 'no-store' });
				return res.end();
			}
			res.writeHead(answer.status, { 'Content-Type': 'text/plain; charset=utf-8' });
			return res.end(answer.text);
		}

		const tokenRoute = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(path);
		if (req.method === 'POST' && tokenRoute) {
			const form = Object.fromEntries(new URLSearchParams(rawBody));
			entry.body = { ...form };
			for (const secret of ['client_secret', 'code', 'refresh_token']) if (form[secret] !== undefined) entry.body[secret] = '[redacted]';
			const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
			if (quirks.token?.slowMs) await new Promise((resolve) => setTimeout(resolve, quirks.token.slowMs));
			if (tokenBursts.burstDrop > 0) {
				tokenBursts.burstDrop--;
				entry.status = 'dropped';
				return req.socket.destroy();
			}
			const [status, body, headers] = tokenEndpoint(tokenRoute[1], form, basic);
			return send(status, body, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
		}

		let body;
		if (rawBody.length) {
			try {
				body = JSON.parse(rawBody);
			} catch {
				body = null;
			}
		}
		entry.body = body;
		const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
		entry.hasBearer = Boolean(bearer);
		const token = bearer ? tokens.get(bearer) : undefined;
		if (token) entry.tokenId = token.id;
		if (!token || !token.valid || token.expiresAtMs <= now() || (faults.tokenExpireAfterCalls && token.calls >= faults.tokenExpireAfterCalls)) {
			return send(401, errorBody('Unauthorized', 'Unauthorized (invalid or expired authorization header).'));
		}

		const waitMs = rateLimits.admit(`${credentials.tenantId}|${credentials.clientId}`, now());
		if (waitMs > 0) {
			const seconds = Math.max(1, Math.ceil(waitMs / 1000));
			return send(429, errorBody('TooManyRequests', `Rate limit is exceeded. Try again in ${seconds} seconds.`), retryAfterHeader(seconds));
		}
		token.calls++;

		const fault = pickFault(routeOf(req.method, path));
		entry.fault = fault;
		if (faults.slowMs && (faults.slowRate === undefined || faultRandom() < faults.slowRate)) {
			entry.slow = true;
			await new Promise((resolve) => setTimeout(resolve, faults.slowMs));
		}
		if (fault === '429') {
			const seconds = faults.retryAfterSeconds === undefined ? 1 : faults.retryAfterSeconds;
			return send(429, errorBody('TooManyRequests', 'Rate limit is exceeded.'), retryAfterHeader(seconds));
		}
		if (fault === '5xx') return send(faults.burst5xx?.status ?? 503, errorBody('InternalServerError', 'Service temporarily unavailable'));
		if (fault === 'drop') {
			entry.status = 'dropped';
			return req.socket.destroy();
		}

		let status;
		let response;
		try {
			[status, response] = api(req.method, path, query, body, token);
		} catch (error) {
			if (!(error instanceof ODataError)) throw error;
			[status, response] = [400, errorBody('ODataError', `Invalid filter clause: ${error.message}`)];
		}
		if (fault === 'dropAfter') {
			entry.status = `dropped after ${status}`;
			return req.socket.destroy();
		}
		if (fault === 'malformed' && status < 300) return send(status, '{not json');
		return send(status, response);
	}

	const server = http.createServer((req, res) => {
		const chunks = [];
		req.on('data', (chunk) => chunks.push(chunk));
		req.on('end', () => {
			handle(req, res, Buffer.concat(chunks).toString('utf8')).catch((error) => {
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
	await new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, host, resolve);
	});
	const url = `http://${host}:${server.address().port}`;
	if (withSeededActions) seedActions();

	return {
		url,
		/** Real time (ms since epoch) at which simulated time started, for clocks in other processes. */
		epochMs: realStart,
		timeScale,
		apiBaseUrl: url,
		tokenUrl: `${url}/${credentials.tenantId}/oauth2/v2.0/token`,
		authorizeUrl: `${url}/${credentials.tenantId}/oauth2/v2.0/authorize`,
		/** Delegated sign-in controls: signInAs(upn), setConsentedScopes([...]), revokeRefreshTokens(), expireRefreshTokens(). */
		delegated,
		scope: SCOPE,
		credentials,
		devices,
		requests,
		now,
		setFaults,
		/** Every issued token stops working now: the next API call gets 401. */
		expireTokens() {
			for (const token of tokens.values()) token.valid = false;
		},
		/** Whether any access token this simulator issued appears in the text (for leak checks). */
		leaksToken: (text) => [...tokens.keys()].some((token) => text.includes(token)) || delegated.leaksRefreshToken(text),
		/** Calls admitted in the last simulated minute (for progress displays). */
		callsLastMinute: () => rateLimits.lastMinute(`${credentials.tenantId}|${credentials.clientId}`, now()),
		actionsOf: (machineId) => [...actions.values()].filter((action) => action.machine.id === machineId).map(render),
		stats() {
			const status = {};
			const byRoute = {};
			const postsByMachine = {};
			for (const request of requests) {
				status[request.status] = (status[request.status] ?? 0) + 1;
				const route = routeOf(request.method, request.path);
				byRoute[route] = (byRoute[route] ?? 0) + 1;
				const post = /^\/api\/machines\/([^/]+)\/(?:un)?isolate$/.exec(request.path);
				if (request.method === 'POST' && post) postsByMachine[post[1]] = (postsByMachine[post[1]] ?? 0) + 1;
			}
			const tokenRequests = requests.filter((request) => request.path.endsWith('/oauth2/v2.0/token')).length;
			const signInRequests = requests.filter((request) => request.path.endsWith('/oauth2/v2.0/authorize')).length;
			return { tokenRequests, signInRequests, apiRequests: requests.length - tokenRequests - signInRequests, byRoute, status, postsByMachine };
		},
		reset() {
			requests.length = 0;
			rateLimits.reset();
			actions.clear();
			if (withSeededActions) seedActions();
		},
		async close() {
			for (const socket of sockets) socket.destroy();
			await new Promise((resolve) => server.close(resolve));
		},
	};
}

module.exports = { startSimulator, DEFAULT_CREDENTIALS, DEFAULT_USERS, DUPLICATE_HOSTNAME, QUOTED_HOSTNAME, generateInventory };
