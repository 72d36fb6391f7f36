'use strict';
/** The simulator's options and their defaults (startSimulator's first argument). */

const DEFAULT_CREDENTIALS = {
	tenantId: '11111111-2222-3333-4444-555555555555',
	clientId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
	clientSecret: 'sim-secret-do-not-use-anywhere-else',
};

function resolveOptions(options = {}) {
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
		 * - holdWhileInactive: actions on a device whose healthStatus is not Active stay Pending (Defender holds them
		 *   until the device checks in);
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
		delegated = {},
	} = options;
	if (!/^(127\.\d+\.\d+\.\d+|localhost)$/.test(host))
		throw new Error('The simulator only listens on loopback');
	return {
		host,
		port,
		timeScale,
		credentials,
		deviceCount,
		limits,
		actionTimeline,
		tokenLifetimeSeconds,
		pageSize,
		seed,
		withSeededActions,
		historyActions,
		maxUrlLength,
		quirks,
		delegated,
		devices: options.devices,
		faults: options.faults,
	};
}

module.exports = { DEFAULT_CREDENTIALS, resolveOptions };
