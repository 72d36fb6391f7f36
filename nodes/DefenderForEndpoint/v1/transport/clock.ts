import { sleep } from 'n8n-workflow';

/** Time as the transport sees it: production uses the wall clock and n8n's cancellable sleep. */
export interface Clock {
	now(): number;
	sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The wall clock and n8n's cancellable sleep: what a node constructed by n8n runs on. */
export const wallClock: Clock = {
	now: () => Date.now(),
	sleep: async (ms, signal) => await sleep(ms, signal),
};
