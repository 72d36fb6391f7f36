import { RateLimiterRegistry } from '../../lib/rateLimiter';
import { ServerClock } from '../../lib/serverClock';

/*
 * The state every execution of this n8n process shares: Defender's quota per tenant and app,
 * Defender's clock per API host, and the first-token gate per credential. Nothing else in the
 * transport outlives a run.
 */

/**
 * Shared by every execution in this n8n process: Defender's quota is per tenant and application.
 */
export const rateLimiters = new RateLimiterRegistry();

/**
 * Defender's clock as seen from this process, per API host (the clocks of our host and Defender's
 * differ).
 */
const serverClocks = new Map<string, ServerClock>();

export function serverClockFor(apiBaseUrl: string): ServerClock {
	let serverClock = serverClocks.get(apiBaseUrl);
	if (!serverClock) {
		serverClock = new ServerClock();
		serverClocks.set(apiBaseUrl, serverClock);
	}
	return serverClock;
}

/**
 * Per credential, the first request of this process that fetches a token, while it is under way.
 * n8n fetches a token for every request made while the credential holds none, so executions
 * starting together (a queue-mode worker picks up several at once) wait for this one and then use
 * the token n8n stored.
 */
const firstTokenRequests = new Map<string, Promise<void>>();

/**
 * The first caller for a credential gets a function to call once its request is answered; the
 * others wait for that (outside their deadline) and get undefined: they then go with the token n8n
 * stored.
 */
export async function firstTokenTurn(key: string): Promise<(() => void) | undefined> {
	const pending = firstTokenRequests.get(key);
	if (pending) {
		await pending;
		return undefined;
	}
	let answered = () => {};
	firstTokenRequests.set(key, new Promise<void>((resolve) => (answered = resolve)));
	return () => {
		firstTokenRequests.delete(key);
		answered();
	};
}
