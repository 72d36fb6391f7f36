'use strict';
/**
 * The simulator's state, shared by its route handlers: the clock, the inventory, issued tokens, actions, the
 * request log, rate limits, injected faults and the delegated sign-in. One clock: simulated time = start + real
 * time elapsed × timeScale.
 */
const crypto = require('node:crypto');

const { entraError } = require('./answers');
const { createDelegatedSignIn } = require('./delegated');
const { createFaults } = require('./faults');
const { generateInventory } = require('./inventory');
const { RateLimits } = require('./limits');

function createState(options) {
	const realStart = Date.now();
	const simStart = realStart;
	const now = () => simStart + (Date.now() - realStart) * options.timeScale;
	const { quirks, credentials, seed } = options;
	const sim = {
		options,
		realStart,
		simStart,
		now,
		credentials,
		url: undefined, // set once the server listens
		devices:
			options.devices ??
			generateInventory(options.deviceCount, simStart, seed, {
				mergedRecords: quirks.mergedRecords,
			}),
		tokenBursts: {
			burst429: quirks.token?.burst429 ?? 0,
			burst5xx: quirks.token?.burst5xx ?? 0,
			burstDrop: quirks.token?.burstDrop ?? 0,
		},
		rateLimits: new RateLimits(options.limits),
		/** The key Defender's quota is counted under: tenant and app, whoever calls. */
		quotaKey: `${credentials.tenantId}|${credentials.clientId}`,
		tokens: new Map(),
		actions: new Map(),
		requests: [],
		faults: createFaults(seed),
		aad: (...args) => entraError(now, ...args),
	};
	sim.faults.set(options.faults);
	sim.issueAccessToken = (grant) => issueAccessToken(sim, grant);
	sim.delegated = createDelegatedSignIn({
		credentials,
		now,
		issueAccessToken: sim.issueAccessToken,
		aad: sim.aad,
		options: options.delegated,
	});
	return sim;
}

/** An access token; `grant` is { user, scopes } for a delegated sign-in, empty for the application itself. */
function issueAccessToken(sim, grant = {}) {
	const { tokenLifetimeSeconds } = sim.options;
	const accessToken = crypto.randomBytes(32).toString('base64url');
	sim.tokens.set(accessToken, {
		id: sim.tokens.size + 1,
		expiresAtMs: sim.now() + tokenLifetimeSeconds * 1000,
		calls: 0,
		valid: true,
		...grant,
	});
	return { accessToken, expiresIn: tokenLifetimeSeconds };
}

module.exports = { createState };
