import {
	DEFENDER_RATE_WINDOWS,
	SHARE,
	type NextSlot,
	type RateWindow,
	type Reservation,
	type SlotWait,
} from './rateWindows';

export * from './rateWindows';

/**
 * A client-side sliding-window limiter. Calls are granted in FIFO order: a reservation is a promise
 * to call at `atMs`, so concurrent callers queue instead of racing into a 429.
 */
export class SlidingWindowRateLimiter {
	/** Granted call times, ascending. */
	private readonly granted: number[] = [];

	/**
	 * When this process's calls were answered 429, within the longest window: Defender may count
	 * them.
	 */
	private readonly refused: number[] = [];

	/**
	 * The pauses unexplained 429s imposed, within the first window: how long throttling has
	 * persisted.
	 */
	private readonly unexplainedPauses: Array<{ fromMs: number; untilMs: number }> = [];

	private pausedUntilMs = 0;

	/**
	 * After an unexplained 429's pause, for as long again: the limit's calls spread over a quarter of
	 * the pause.
	 */
	private afterPause = { untilMs: 0, spacingMs: 0 };

	/**
	 * The calls allowed in the first (shortest) window: the ceiling when alone, less when the quota
	 * is shared.
	 */
	private limit: number;

	/** Counts throttling answers: a reservation booked under an older epoch is booked again. */
	private epoch = 0;

	private quietSinceMs = 0;

	/** Why the last booked call waits: a later call queued behind it waits for the same. */
	private lastBookingWait: SlotWait | undefined;

	/** Extra spacing at a window's edge, for clock granularity; latency is covered by settle(). */
	constructor(
		private readonly windows: RateWindow[],
		private readonly edgeMarginMs = 250,
	) {
		this.limit = windows[0].limit;
	}

	/**
	 * This process's current minute limit (the first window's): the ceiling unless Defender said the
	 * quota is shared.
	 */
	currentLimit(nowMs: number): number {
		this.recover(nowMs);
		return this.limit;
	}

	/** The earliest time, at or after `nowMs`, when a call would be within every window. */
	earliestSlot(nowMs: number): number {
		return this.nextSlot(nowMs).atMs;
	}

	/** The earliest slot, at or after `nowMs`, and what it waits for. A pure query: books nothing. */
	nextSlot(nowMs: number): NextSlot {
		this.recover(nowMs);
		this.forget(nowMs);
		let next: NextSlot = { atMs: nowMs };
		const later = (atMs: number, wait: SlotWait | undefined) => {
			if (atMs > next.atMs) next = { atMs, wait };
		};
		later(this.pausedUntilMs, { reason: 'retryAfter' });
		later(this.granted.at(-1) ?? 0, this.lastBookingWait);
		const ceiling = this.windows[0].limit;
		const share = this.limit / ceiling;
		for (const { limit, windowMs } of this.windows) {
			const effective = share < 1 ? Math.max(1, Math.floor(limit * share)) : limit;
			if (this.granted.length < effective) continue;
			const oldestInWindow = this.granted[this.granted.length - effective];
			const wait: SlotWait =
				share < 1 ? { reason: 'share', limit: this.limit } : { reason: 'quota', windowMs, limit };
			later(oldestInWindow + windowMs + this.edgeMarginMs, wait);
		}
		const spacingMs = Math.max(
			this.limit < ceiling ? this.windows[0].windowMs / (SHARE.paceFactor * this.limit) : 0,
			nowMs < this.afterPause.untilMs ? this.afterPause.spacingMs : 0,
		);
		if (spacingMs > 0 && this.granted.length) {
			later(Math.ceil(this.granted[this.granted.length - 1] + spacingMs), {
				reason: 'share',
				limit: this.limit,
			});
		}
		// While Defender's pause lasts, that is why calls wait, also those queued behind the first
		// after it.
		return this.pausedUntilMs > nowMs ? { atMs: next.atMs, wait: { reason: 'retryAfter' } } : next;
	}

	/** Books the earliest slot if the caller can wait that long; otherwise books nothing. */
	reserve(nowMs: number, maxWaitMs: number): Reservation {
		const slot = this.nextSlot(nowMs);
		if (slot.atMs - nowMs > maxWaitMs) return { granted: false, availableAtMs: slot.atMs };
		this.granted.push(slot.atMs);
		this.lastBookingWait = slot.wait;
		return { granted: true, atMs: slot.atMs, epoch: this.epoch };
	}

	/**
	 * Called when a reservation's time has come: true if the call may go. False when Defender
	 * throttled the app while it waited: its slot is given back and the caller books again, under the
	 * new share and pause.
	 */
	confirm(reservation: Reservation & { granted: true }): boolean {
		if (reservation.epoch === this.epoch) return true;
		this.release(reservation.atMs);
		return false;
	}

	/**
	 * The call booked for `bookedAtMs` has been answered at `answeredAtMs`. Defender counted it when
	 * it arrived, somewhere in between (after the token fetch, on a slow network): from now on the
	 * window counts it from the answer, so a later call can never reach Defender less than a window
	 * after it. A call Defender throttled is not booked any more (the window's calls are the admitted
	 * ones), but remembered as this process's attempt.
	 */
	settle(bookedAtMs: number, answeredAtMs: number, counted = true): void {
		if (!counted) {
			this.release(bookedAtMs);
			this.refused.push(answeredAtMs);
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
	 * Defender throttled a call this limiter let through (429): nobody calls before `untilMs` (its
	 * Retry-After plus jitter), and calls booked meanwhile book again. What else it means, see SHARE.
	 * Call settle(…, false) for the throttled call first.
	 */
	throttled(nowMs: number, untilMs: number): void {
		this.recover(nowMs);
		const sameBurst = nowMs < this.pausedUntilMs;
		this.pausedUntilMs = Math.max(this.pausedUntilMs, untilMs);
		this.epoch++;
		if (sameBurst || this.explainedByOwnCalls(nowMs)) return;
		if (this.pausedWithin(nowMs) > SHARE.persistentFraction * this.windows[0].windowMs) {
			const floor = Math.max(1, Math.ceil(this.windows[0].limit * SHARE.floorFraction));
			this.limit = Math.max(floor, Math.floor(this.limit * SHARE.decreaseFactor));
		}
		this.unexplainedPauses.push({ fromMs: nowMs, untilMs: this.pausedUntilMs });
		this.paceAfterPause(nowMs);
		this.quietSinceMs = this.pausedUntilMs;
	}

	/**
	 * For as long as the pause (at most a window) after it ends, the limit's calls spread over a part
	 * of the pause.
	 */
	private paceAfterPause(nowMs: number): void {
		const pauseMs = Math.min(this.pausedUntilMs - nowMs, this.windows[0].windowMs);
		const stillPacing = nowMs < this.afterPause.untilMs;
		this.afterPause = {
			untilMs: Math.max(stillPacing ? this.afterPause.untilMs : 0, this.pausedUntilMs + pauseMs),
			spacingMs: Math.max(
				stillPacing ? this.afterPause.spacingMs : 0,
				(pauseMs * SHARE.afterPauseSpread) / this.limit,
			),
		};
	}

	/**
	 * Whether this process's own attempts (admitted or answered 429) fill one of the quota's windows.
	 */
	private explainedByOwnCalls(nowMs: number): boolean {
		return this.windows.some(({ limit, windowMs }) => {
			const inWindow = (at: number) => at > nowMs - windowMs && at <= nowMs;
			return this.granted.filter(inWindow).length + this.refused.filter(inWindow).length >= limit;
		});
	}

	/** How long, in the first window before `nowMs`, unexplained 429s kept this process paused. */
	private pausedWithin(nowMs: number): number {
		const windowStart = nowMs - this.windows[0].windowMs;
		return this.unexplainedPauses.reduce(
			(sum, pause) =>
				sum + Math.max(0, Math.min(nowMs, pause.untilMs) - Math.max(windowStart, pause.fromMs)),
			0,
		);
	}

	/** Gives back a share step for every quiet recovery interval since the last pause or raise. */
	private recover(nowMs: number): void {
		const ceiling = this.windows[0].limit;
		const step = Math.max(1, Math.round(ceiling * SHARE.stepFraction));
		while (this.limit < ceiling && nowMs - this.quietSinceMs >= SHARE.recoveryIntervalMs) {
			this.quietSinceMs += SHARE.recoveryIntervalMs;
			this.limit = Math.min(ceiling, this.limit + step);
		}
	}

	private release(atMs: number): void {
		const index = this.granted.lastIndexOf(atMs);
		if (index !== -1) this.granted.splice(index, 1);
	}

	/**
	 * Drops what no window can count any more: calls older than the longest window, pauses older than
	 * the first.
	 */
	private forget(nowMs: number): void {
		const longestWindow = Math.max(...this.windows.map((window) => window.windowMs));
		const expired = (times: number[]) => {
			let count = 0;
			while (count < times.length && times[count] + longestWindow + this.edgeMarginMs <= nowMs)
				count++;
			if (count > 0) times.splice(0, count);
		};
		expired(this.granted);
		expired(this.refused);
		const firstWindowStart = nowMs - this.windows[0].windowMs;
		while (this.unexplainedPauses.length && this.unexplainedPauses[0].untilMs <= firstWindowStart)
			this.unexplainedPauses.shift();
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
