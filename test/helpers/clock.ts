import type { Clock } from '../../nodes/DefenderForEndpoint/v1/transport';
import { wallClock } from '../../nodes/DefenderForEndpoint/v1/transport';

let current: Clock = wallClock;

/**
 * The clock every node that newEngine() constructs runs on: the wall clock, or one a test moves (waits pass at once)
 * or the simulator's scaled time. The node gets it through its constructor, as the benchmark and the demo do.
 */
export const testClock: Clock = {
	now: () => current.now(),
	sleep: async (ms, signal) => await current.sleep(ms, signal),
};

/** Runs the nodes on `clock` until called again; undefined goes back to the wall clock. */
export function useClock(clock: Clock | undefined): void {
	current = clock ?? wallClock;
}
