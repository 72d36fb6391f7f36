/** Waits between checks of a machine action: 5 s, growing by half each time, at most a minute. */
export function pollDelayMs(pollNumber: number): number {
	return Math.min(60_000, Math.round(5_000 * 1.5 ** Math.max(0, pollNumber - 1)));
}
