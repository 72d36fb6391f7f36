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

/** A booked call: `epoch` tells whether Defender throttled the app after it was booked (see confirm). */
export type Reservation = { granted: true; atMs: number; epoch: number } | { granted: false; availableAtMs: number };

/**
 * How a limiter learns its share of a quota that other clients use too (other n8n workers, other integrations of
 * the same app registration): when Defender throttles a call this limiter let through, the others used the rest,
 * so this process's minute limit drops to what Defender admitted from it in the last minute (at least FLOOR of the
 * ceiling), and its calls go out one at a time, spaced so that the share takes a sixth of the window: a freed window
 * is used within seconds, yet a share that is too large costs one 429, not a burst of them. Each quiet recovery
 * interval (20 s) gives back a step (10 % of the ceiling); a raise that is throttled again within a minute doubles the
 * interval (up to 160 s), a raise that holds a minute halves it again.
 * At the ceiling the limiter is alone again: full bursts, no pacing.
 */
export const SHARE = {
	floorFraction: 0.1,
	stepFraction: 0.1,
	recoveryIntervalMs: 20_000,
	maxRecoveryIntervalMs: 160_000,
	/** In a shared quota, calls at least window ÷ (paceFactor × limit) apart. */
	paceFactor: 6,
};

/**
 * A client-side sliding-window limiter. Calls are granted in FIFO order: a reservation is a promise
 * to call at `atMs`, so concurrent callers queue instead of racing into a 429.
 */
export class SlidingWindowRateLimiter {
	/** Granted call times, ascending. */
	private readonly granted: number[] = [];

	private pausedUntilMs = 0;

	/** The calls allowed in the first (shortest) window: the ceiling when alone, less when the quota is shared. */
	private limit: number;

	/** Counts throttling answers: a reservation booked under an older epoch is booked again. */
	private epoch = 0;

	private quietSinceMs = 0;

	private recoveryIntervalMs = SHARE.recoveryIntervalMs;

	private lastRaiseAtMs: number | undefined;

	/** Extra spacing at a window's edge, for clock granularity; latency is covered by settle(). */
	constructor(
		private readonly windows: RateWindow[],
		private readonly edgeMarginMs = 250,
	) {
		this.limit = windows[0].limit;
	}

	/** This process's current minute limit (the first window's): the ceiling unless Defender said the quota is shared. */
	currentLimit(nowMs: number): number {
		this.recover(nowMs);
		return this.limit;
	}

	/** The earliest time, at or after `nowMs`, when a call would be within every window. */
	earliestSlot(nowMs: number): number {
		this.recover(nowMs);
		this.forget(nowMs);
		let slot = Math.max(nowMs, this.pausedUntilMs, this.granted.at(-1) ?? 0);
		for (const { limit, windowMs } of this.effectiveWindows()) {
			if (this.granted.length >= limit) {
				const oldestInWindow = this.granted[this.granted.length - limit];
				slot = Math.max(slot, oldestInWindow + windowMs + this.edgeMarginMs);
			}
		}
		if (this.limit < this.windows[0].limit && this.granted.length) {
			const spacingMs = this.windows[0].windowMs / (SHARE.paceFactor * this.limit);
			slot = Math.max(slot, Math.ceil(this.granted[this.granted.length - 1] + spacingMs));
		}
		return slot;
	}

	/** Books the earliest slot if the caller can wait that long; otherwise books nothing. */
	reserve(nowMs: number, maxWaitMs: number): Reservation {
		const slot = this.earliestSlot(nowMs);
		if (slot - nowMs > maxWaitMs) return { granted: false, availableAtMs: slot };
		this.granted.push(slot);
		return { granted: true, atMs: slot, epoch: this.epoch };
	}

	/**
	 * Called when a reservation's time has come: true if the call may go. False when Defender throttled the app while
	 * it waited: its slot is given back and the caller books again, under the new share and pause.
	 */
	confirm(reservation: Reservation & { granted: true }): boolean {
		if (reservation.epoch === this.epoch) return true;
		this.release(reservation.atMs);
		return false;
	}

	/**
	 * The call booked for `bookedAtMs` has been answered at `answeredAtMs`. Defender counted it when it arrived,
	 * somewhere in between (after the token fetch, on a slow network): from now on the window counts it from the
	 * answer, so a later call can never reach Defender less than a window after it. A call Defender throttled was not
	 * counted by Defender and is forgotten.
	 */
	settle(bookedAtMs: number, answeredAtMs: number, counted = true): void {
		if (!counted) {
			this.release(bookedAtMs);
			return;
		}
		const index = this.granted.lastIndexOf(bookedAtMs);
		if (index === -1 || answeredAtMs <= bookedAtMs) return;
		this.granted.splice(index, 1);
		let insertAt = this.granted.length;
		while (insertAt > 0 && this.granted[insertAt - 1] > answeredAtMs) insertAt--;
		this.granted.splice(insertAt, 0, answeredAtMs);
	}

	/**
	 * Defender throttled a call this limiter let through (429): someone else uses the quota too. Nobody calls before
	 * `untilMs`, and the limit drops to the calls Defender admitted from this process in the last minute.
	 * Call settle(…, false) for the throttled call first, so that it is not counted as admitted.
	 */
	throttled(nowMs: number, untilMs: number): void {
		this.recover(nowMs);
		this.pausedUntilMs = Math.max(this.pausedUntilMs, untilMs);
		this.epoch++;
		const ceiling = this.windows[0].limit;
		if (this.lastRaiseAtMs !== undefined && nowMs - this.lastRaiseAtMs < this.windows[0].windowMs) {
			this.recoveryIntervalMs = Math.min(SHARE.maxRecoveryIntervalMs, 2 * this.recoveryIntervalMs);
		}
		this.lastRaiseAtMs = undefined;
		const admitted = this.granted.filter((at) => at > nowMs - this.windows[0].windowMs && at <= nowMs).length;
		const floor = Math.max(1, Math.ceil(ceiling * SHARE.floorFraction));
		this.limit = Math.min(this.limit, Math.max(floor, admitted));
		this.quietSinceMs = nowMs;
	}

	/** Gives back a share step for every quiet recovery interval since the last throttling or raise. */
	private recover(nowMs: number): void {
		const ceiling = this.windows[0].limit;
		for (;;) {
			if (this.lastRaiseAtMs !== undefined && nowMs - this.lastRaiseAtMs >= this.windows[0].windowMs) {
				// The last raise held for a whole window: recover faster again.
				this.recoveryIntervalMs = Math.max(SHARE.recoveryIntervalMs, this.recoveryIntervalMs / 2);
				this.lastRaiseAtMs = undefined;
			}
			if (this.limit >= ceiling || nowMs - this.quietSinceMs < this.recoveryIntervalMs) return;
			this.quietSinceMs += this.recoveryIntervalMs;
			this.lastRaiseAtMs = this.quietSinceMs;
			this.limit = Math.min(ceiling, this.limit + Math.max(1, Math.round(ceiling * SHARE.stepFraction)));
			if (this.limit >= ceiling) {
				this.lastRaiseAtMs = undefined;
				this.recoveryIntervalMs = SHARE.recoveryIntervalMs;
			}
		}
	}

	/** The windows scaled to this process's share of the quota. */
	private effectiveWindows(): RateWindow[] {
		const ceiling = this.windows[0].limit;
		if (this.limit >= ceiling) return this.windows;
		const share = this.limit / ceiling;
		return this.windows.map(({ limit, windowMs }) => ({ limit: Math.max(1, Math.floor(limit * share)), windowMs }));
	}

	private release(atMs: number): void {
		const index = this.granted.lastIndexOf(atMs);
		if (index !== -1) this.granted.splice(index, 1);
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
