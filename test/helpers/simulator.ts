import { randomUUID } from 'node:crypto';

import type { IDataObject } from 'n8n-workflow';

import { useClock } from '../helpers/clock';
import { CREDENTIAL_ID, type Engine } from './workflow';

/* eslint-disable @typescript-eslint/no-require-imports */
const { startSimulator, DEFAULT_CREDENTIALS } = require('../../simulator') as {
	startSimulator: (options?: object) => Promise<Simulator>;
	DEFAULT_CREDENTIALS: Simulator['credentials'];
};
const { simulatedClock } = require('../../tooling/simulatedTime') as {
	simulatedClock: (simulator: Simulator, timeScale: number) => Parameters<typeof useClock>[0];
};
const { simulatorCredential, simulatorDelegatedCredential, signInAtSimulator } =
	require('../../tooling/simulatorCredential') as {
		simulatorCredential: (simulator: Simulator) => IDataObject;
		simulatorDelegatedCredential: (
			simulator: Simulator,
			oauthTokenData?: IDataObject,
		) => IDataObject;
		signInAtSimulator: (simulator: Simulator) => Promise<IDataObject>;
	};
/* eslint-enable @typescript-eslint/no-require-imports */

export interface SimRequest {
	seq: number;
	method: string;
	path: string;
	query: Record<string, string>;
	body: IDataObject | null | undefined;
	hasBearer: boolean;
	status: number | string;
	fault?: string;
}

export interface Simulator {
	url: string;
	apiBaseUrl: string;
	tokenUrl: string;
	authorizeUrl: string;
	scope: string;
	credentials: { tenantId: string; clientId: string; clientSecret: string };
	devices: Array<{
		id: string;
		computerDnsName: string;
		lastIpAddress: string;
		rbacGroupName: string;
	}>;
	delegated: {
		signInAs(upn: string): void;
		setConsentedScopes(scopes: string[]): void;
		revokeRefreshTokens(): void;
		expireRefreshTokens(): void;
	};
	leaksToken(text: string): boolean;
	requests: SimRequest[];
	now(): number;
	setFaults(faults: object): void;
	expireTokens(): void;
	actionsOf(machineId: string): IDataObject[];
	stats(): {
		tokenRequests: number;
		signInRequests: number;
		apiRequests: number;
		byRoute: Record<string, number>;
		status: Record<string, number>;
		postsByMachine: Record<string, number>;
	};
	close(): Promise<void>;
}

/**
 * Starts the simulator at `timeScale` and puts the node on the same scaled clock, so Retry-After, backoff and the
 * rate limiter take simulated seconds; call the returned stop() in afterEach.
 */
export async function simulatorFor(
	engine: Engine,
	options: { timeScale?: number } & Record<string, unknown> = {},
) {
	const timeScale = options.timeScale ?? 1;
	// A client ID of its own: the node's rate limiter is per tenant and app for the whole process, and every simulator
	// runs its own clock.
	const credentials = { ...DEFAULT_CREDENTIALS, clientId: randomUUID() };
	const sim = await startSimulator({ deviceCount: 30, ...options, timeScale, credentials });
	useClock(timeScale === 1 ? undefined : simulatedClock(sim, timeScale));
	engine.credentialsHelper.save(
		CREDENTIAL_ID,
		'defenderForEndpointOAuth2Api',
		simulatorCredential(sim),
	);
	const stop = async () => {
		useClock(undefined);
		await sim.close();
	};
	return { sim, stop };
}

/**
 * Like simulatorFor, with the delegated credential CREDENTIAL_ID signed in as the simulator's user (`connected`: false
 * leaves it unconnected, as a credential saved before "Connect my account").
 */
export async function delegatedSimulatorFor(
	engine: Engine,
	options: Record<string, unknown> & { connected?: boolean } = {},
) {
	const { connected = true, ...simulatorOptions } = options;
	const credentials = { ...DEFAULT_CREDENTIALS, clientId: randomUUID() };
	const sim = await startSimulator({ deviceCount: 30, ...simulatorOptions, credentials });
	const oauthTokenData = connected ? await signInAtSimulator(sim) : undefined;
	engine.credentialsHelper.save(
		CREDENTIAL_ID,
		'defenderForEndpointDelegatedOAuth2Api',
		simulatorDelegatedCredential(sim, oauthTokenData),
	);
	return { sim, oauthTokenData, stop: async () => await sim.close() };
}

/** Unisolate actions the simulator created per device. */
export function unisolatesPerDevice(sim: Simulator): Map<string, number> {
	const counts = new Map<string, number>();
	for (const device of sim.devices) {
		const count = sim.actionsOf(device.id).filter((action) => action.type === 'Unisolate').length;
		if (count) counts.set(device.id, count);
	}
	return counts;
}
