import { sleep } from 'n8n-workflow';

import type { RateLimiterRegistry } from '../../lib/rateLimiter';
import { rateLimiters } from './processState';

/** Time as the transport sees it: production uses the wall clock and n8n's cancellable sleep. */
export interface Clock {
	now(): number;
	sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The wall clock and n8n's cancellable sleep. */
export const wallClock: Clock = {
	now: () => Date.now(),
	sleep: async (ms, signal) => await sleep(ms, signal),
};

/**
 * What a node's calls run on: a clock, and the rate limiters of Defender's quota. A node that n8n
 * constructs runs on the wall clock and this process's limiters; the benchmark and the demo pass
 * their own (the simulator's scaled clock, a registry whose state the demo's status line reads).
 */
export interface Runtime {
	clock: Clock;
	rateLimiters: RateLimiterRegistry;
}

export const processRuntime: Runtime = { clock: wallClock, rateLimiters };

/** The runtime with whatever a caller chose to give in place of the process's own. */
export function runtimeWith(choices: Partial<Runtime> = {}): Runtime {
	return { ...processRuntime, ...choices };
}
