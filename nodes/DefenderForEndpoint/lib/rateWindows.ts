/* The quota's windows, the share rule's constants, and what a limiter answers: the vocabulary of rateLimiter.ts. */

/** At most `limit` calls in any rolling `windowMs`. */
export interface RateWindow {
	limit: number;
	windowMs: number;
}

/**
 * Defender's documented throttling, per tenant and application: 100 calls a minute and 1,500 an
 * hour.
 */
export const DEFENDER_RATE_WINDOWS: RateWindow[] = [
	{ limit: 100, windowMs: 60_000 },
	{ limit: 1_500, windowMs: 3_600_000 },
];

/**
 * A booked call: `epoch` tells whether Defender throttled the app after it was booked (see
 * confirm).
 */
export type Reservation =
	| { granted: true; atMs: number; epoch: number }
	| { granted: false; availableAtMs: number };

/**
 * How a limiter learns its share of a quota that other clients use too (other n8n workers, other
 * integrations of the same app registration), additive increase, multiplicative decrease:
 * - a 429 that the process's own calls explain (it made the window's limit itself, counting calls
 *   answered 429) or that answers a call sent before the current pause: the pause (Retry-After plus
 *   jitter), nothing learned;
 * - any other 429 is unexplained. It pauses the process for its Retry-After, then, for as long
 *   again (at most a window), spreads the limit's calls over a quarter of the pause: a quota that
 *   others filled for most of a minute (Retry-After near a minute) is taken up again one call at a
 *   time and costs one 429 when it fills, not a burst; a stray 429 (Retry-After 2 s) costs about
 *   its Retry-After;
 * - throttling persists when the process has been paused by unexplained 429s for more than half of
 *   the last window (strays at 1 call in 20 with Retry-After 2 pause it about 15 s a minute; a
 *   shared quota that is full pauses it until the window frees): only then does the share drop, to
 *   70 % of itself, at least FLOOR of the ceiling, and its calls go one at a time, the share spread
 *   over a sixth of the window;
 * - each quiet recovery interval (10 s, counted from the end of the last pause) gives back a step
 *   (10 % of the ceiling): from the floor to the ceiling in 90 s.
 * At the ceiling and after the pacing that follows a pause the limiter is alone again: full bursts.
 */
export const SHARE = {
	floorFraction: 0.1,
	decreaseFactor: 0.7,
	/** Throttling persists beyond this part of the first window spent paused by unexplained 429s. */
	persistentFraction: 0.5,
	stepFraction: 0.1,
	recoveryIntervalMs: 10_000,
	/** A lowered share: calls at least window ÷ (paceFactor × limit) apart. */
	paceFactor: 6,
	/** After an unexplained 429's pause, the limit's calls are spread over this part of the pause. */
	afterPauseSpread: 0.25,
};

/**
 * Why the next slot is later than now: the state a status display or an error message can explain.
 */
export type SlotWait =
	/** Defender answered 429 and asked to wait (Retry-After, plus jitter). */
	| { reason: 'retryAfter' }
	/** The quota's window (the minute, the hour) is full with this process's own calls. */
	| { reason: 'quota'; windowMs: number; limit: number }
	/**
	 * The process's learned share of a quota others use too: a lowered limit, or the pacing of a
	 * shared quota.
	 */
	| { reason: 'share'; limit: number };

export interface NextSlot {
	atMs: number;
	/** Undefined when the slot is now. */
	wait?: SlotWait;
}
