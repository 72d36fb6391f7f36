/** At most `limit` calls in any rolling `windowMs`. */
export interface RateWindow {
	limit: number;
	windowMs: number;
}

/** Defender's documented throttling, per tenant and application: 100 calls a minute and 1,500 an hour. */
export const DEFENDER_RATE_WINDOWS: RateWindow[] = [
	{ limit: 100, windowMs: 60_000 },
	{ limit: 1_500, windowMs: 3_600_000 },
];

export type Reservation = { granted: true; atMs: number } | { granted: false; availableAtMs: number };

/**
 * A client-side sliding-window limiter. Calls are granted in FIFO order: a reservation is a promise
 * to call at `atMs`, so concurrent callers queue instead of racing into a 429.
 */
export class SlidingWindowRateLimiter {
	/** Granted call times, ascending. */
	private readonly granted: number[] = [];

	private pausedUntilMs = 0;

	/** Extra spacing at a window's edge, for clock granularity; latency is covered by settle(). */
	constructor(
		private readonly windows: RateWindow[],
		private readonly edgeMarginMs = 250,
	) {}

	/** The earliest time, at or after `nowMs`, when a call would be within every window. */
	earliestSlot(nowMs: number): number {
		this.forget(nowMs);
		let slot = Math.max(nowMs, this.pausedUntilMs, this.granted.at(-1) ?? 0);
		for (const { limit, windowMs } of this.windows) {
			if (this.granted.length >= limit) {
				const oldestInWindow = this.granted[this.granted.length - limit];
				slot = Math.max(slot, oldestInWindow + windowMs + this.edgeMarginMs);
			}
		}
		return slot;
	}

	/** Books the earliest slot if the caller can wait that long; otherwise books nothing. */
	reserve(nowMs: number, maxWaitMs: number): Reservation {
		const slot = this.earliestSlot(nowMs);
		if (slot - nowMs > maxWaitMs) return { granted: false, availableAtMs: slot };
		this.granted.push(slot);
		return { granted: true, atMs: slot };
	}

	/**
	 * The call booked for `bookedAtMs` has been answered at `answeredAtMs`. Defender counted it when it arrived,
	 * somewhere in between (after the token fetch, on a slow network): from now on the window counts it from the
	 * answer, so a later call can never reach Defender less than a window after it.
	 */
	settle(bookedAtMs: number, answeredAtMs: number): void {
		const index = this.granted.lastIndexOf(bookedAtMs);
		if (index === -1 || answeredAtMs <= bookedAtMs) return;
		this.granted.splice(index, 1);
		let insertAt = this.granted.length;
		while (insertAt > 0 && this.granted[insertAt - 1] > answeredAtMs) insertAt--;
		this.granted.splice(insertAt, 0, answeredAtMs);
	}

	/** The server throttled us (429): nobody calls before `untilMs`. */
	pauseUntil(untilMs: number): void {
		this.pausedUntilMs = Math.max(this.pausedUntilMs, untilMs);
	}

	private forget(nowMs: number): void {
		const longestWindow = Math.max(...this.windows.map((window) => window.windowMs));
		let expired = 0;
		while (expired < this.granted.length && this.granted[expired] + longestWindow + this.edgeMarginMs <= nowMs) {
			expired++;
		}
		if (expired > 0) this.granted.splice(0, expired);
	}
}

/** One limiter per Defender tenant and application, shared by every execution in this process. */
export class RateLimiterRegistry {
	private readonly limiters = new Map<string, SlidingWindowRateLimiter>();

	constructor(private readonly windows: RateWindow[] = DEFENDER_RATE_WINDOWS) {}

	forClient(tenantId: string, clientId: string): SlidingWindowRateLimiter {
		const key = `${tenantId.toLowerCase()}|${clientId.toLowerCase()}`;
		let limiter = this.limiters.get(key);
		if (!limiter) {
			limiter = new SlidingWindowRateLimiter(this.windows);
			this.limiters.set(key, limiter);
		}
		return limiter;
	}
}
