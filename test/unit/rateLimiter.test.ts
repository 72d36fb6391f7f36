import {
	DEFENDER_RATE_WINDOWS,
	SHARE,
	RateLimiterRegistry,
	SlidingWindowRateLimiter,
	type Reservation,
} from '../../nodes/DefenderForEndpoint/lib/rateLimiter';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const MARGIN = 250; // the limiter's default edge margin
const T0 = 1_000_000; // an arbitrary, non-zero start for the fake clock

const newLimiter = () => new SlidingWindowRateLimiter(DEFENDER_RATE_WINDOWS);

function granted(reservation: Reservation): number {
	if (!reservation.granted) throw new Error(`expected a grant, got ${JSON.stringify(reservation)}`);
	return reservation.atMs;
}

/** The simulator's seeded PRNG, so randomised tests are reproducible. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { seededRandom: prng } = require('../../simulator/random') as {
	seededRandom: (seed: number) => () => number;
};

/** The largest number of grants inside any closed interval [t, t + windowMs] (two-pointer scan over sorted times). */
function maxInAnyWindow(times: number[], windowMs: number): number {
	let max = 0;
	let i = 0;
	for (let j = 0; j < times.length; j++) {
		while (times[j] - times[i] > windowMs) i++;
		max = Math.max(max, j - i + 1);
	}
	return max;
}

describe('maxInAnyWindow (test helper)', () => {
	it('counts the densest closed window', () => {
		expect(maxInAnyWindow([0, 10, 20, 30], 20)).toBe(3);
		expect(maxInAnyWindow([0, 10, 20, 30], 9)).toBe(1);
		expect(maxInAnyWindow([], 5)).toBe(0);
	});
});

describe('SlidingWindowRateLimiter', () => {
	describe('per-minute window (100 calls)', () => {
		it('grants 100 calls in the same instant at once', () => {
			const limiter = newLimiter();
			for (let i = 0; i < 100; i++) {
				expect(limiter.reserve(T0, 0)).toMatchObject({ granted: true, atMs: T0 });
			}
		});

		it('schedules the 101st call one minute plus the edge margin after the first', () => {
			const limiter = newLimiter();
			for (let i = 0; i < 100; i++) granted(limiter.reserve(T0, 0));
			expect(limiter.earliestSlot(T0)).toBe(T0 + MINUTE + MARGIN);
			expect(limiter.reserve(T0, Infinity)).toMatchObject({
				granted: true,
				atMs: T0 + MINUTE + MARGIN,
			});
		});

		it('counts from the first of the last 100 calls when calls were spread within the minute', () => {
			const limiter = newLimiter();
			// one call every 500 ms: the 100th is at T0 + 49.5 s
			for (let i = 0; i < 100; i++)
				expect(granted(limiter.reserve(T0 + i * 500, 0))).toBe(T0 + i * 500);
			const now = T0 + 50_000;
			expect(granted(limiter.reserve(now, Infinity))).toBe(T0 + MINUTE + MARGIN);
			// the 102nd follows the 2nd call
			expect(granted(limiter.reserve(now, Infinity))).toBe(T0 + 500 + MINUTE + MARGIN);
		});

		it('grants immediately again once the minute (plus margin) has passed', () => {
			const limiter = newLimiter();
			for (let i = 0; i < 100; i++) granted(limiter.reserve(T0, 0));
			const later = T0 + MINUTE + MARGIN + 1;
			expect(limiter.reserve(later, 0)).toMatchObject({ granted: true, atMs: later });
		});

		it('groups a burst of 300 calls into three waves a minute (plus margin) apart', () => {
			const limiter = newLimiter();
			const times = Array.from({ length: 300 }, () => granted(limiter.reserve(T0, Infinity)));
			expect(new Set(times.slice(0, 100))).toEqual(new Set([T0]));
			expect(new Set(times.slice(100, 200))).toEqual(new Set([T0 + MINUTE + MARGIN]));
			expect(new Set(times.slice(200, 300))).toEqual(new Set([T0 + 2 * (MINUTE + MARGIN)]));
		});
	});

	describe('per-hour window (1,500 calls)', () => {
		it('pushes call 1,501 to an hour (plus margin) after the first, even when calls were spread over the hour', () => {
			const limiter = newLimiter();
			// one call every 2.4 s: 25 a minute, well under the minute limit
			for (let i = 0; i < 1_500; i++) {
				expect(granted(limiter.reserve(T0 + i * 2_400, 0))).toBe(T0 + i * 2_400);
			}
			const now = T0 + 1_500 * 2_400; // = T0 + 1 h, still inside the first call's window + margin
			expect(limiter.reserve(now, 0)).toEqual({
				granted: false,
				availableAtMs: T0 + HOUR + MARGIN,
			});
			expect(granted(limiter.reserve(now, Infinity))).toBe(T0 + HOUR + MARGIN);
		});

		it('makes a caller wait ~35 minutes after 1,500 calls spread over 25 minutes', () => {
			const limiter = newLimiter();
			for (let i = 0; i < 1_500; i++) granted(limiter.reserve(T0 + i * 1_000, 0));
			const now = T0 + 1_500 * 1_000;
			expect(granted(limiter.reserve(now, Infinity))).toBe(T0 + HOUR + MARGIN);
		});

		it('sends a burst of 1,500 calls in 15 waves, then waits for the hour', () => {
			const limiter = newLimiter();
			const times = Array.from({ length: 1_501 }, () => granted(limiter.reserve(T0, Infinity)));
			expect(times[1_499]).toBe(T0 + 14 * (MINUTE + MARGIN));
			expect(times[1_500]).toBe(T0 + HOUR + MARGIN);
		});
	});

	describe('reserve with a wait budget', () => {
		function fullMinute(): SlidingWindowRateLimiter {
			const limiter = newLimiter();
			for (let i = 0; i < 100; i++) granted(limiter.reserve(T0, 0));
			return limiter;
		}

		it('refuses when the needed wait exceeds maxWaitMs and says when a slot is available', () => {
			const limiter = fullMinute();
			expect(limiter.reserve(T0, MINUTE)).toEqual({
				granted: false,
				availableAtMs: T0 + MINUTE + MARGIN,
			});
			expect(limiter.reserve(T0 + 30_000, 30_249)).toEqual({
				granted: false,
				availableAtMs: T0 + MINUTE + MARGIN,
			});
		});

		it('grants when the needed wait equals maxWaitMs exactly', () => {
			const limiter = fullMinute();
			expect(limiter.reserve(T0, MINUTE + MARGIN)).toMatchObject({
				granted: true,
				atMs: T0 + MINUTE + MARGIN,
			});
		});

		it('books nothing when it refuses: a later caller with a bigger budget gets the same slot', () => {
			const limiter = fullMinute();
			for (let i = 0; i < 50; i++) {
				expect(limiter.reserve(T0, 1_000)).toEqual({
					granted: false,
					availableAtMs: T0 + MINUTE + MARGIN,
				});
			}
			expect(limiter.earliestSlot(T0)).toBe(T0 + MINUTE + MARGIN);
			expect(limiter.reserve(T0, Infinity)).toMatchObject({
				granted: true,
				atMs: T0 + MINUTE + MARGIN,
			});
		});

		it('refusals do not eat into the next wave: exactly 100 calls still fit in it', () => {
			const limiter = fullMinute();
			for (let i = 0; i < 100; i++) expect(limiter.reserve(T0, 0).granted).toBe(false);
			const wave = Array.from({ length: 101 }, () => granted(limiter.reserve(T0, Infinity)));
			expect(wave.filter((t) => t === T0 + MINUTE + MARGIN)).toHaveLength(100);
			expect(wave[100]).toBe(T0 + 2 * (MINUTE + MARGIN));
		});

		it('earliestSlot is a pure query and books nothing', () => {
			const limiter = newLimiter();
			const slots = new Set(Array.from({ length: 1_000 }, () => limiter.earliestSlot(T0)));
			expect(slots).toEqual(new Set([T0]));
			for (let i = 0; i < 100; i++) granted(limiter.reserve(T0, 0));
			expect(limiter.earliestSlot(T0)).toBe(T0 + MINUTE + MARGIN);
		});
	});

	describe('FIFO order', () => {
		it('never grants a later caller an earlier slot than a previous grant', () => {
			const limiter = newLimiter();
			for (let i = 0; i < 100; i++) granted(limiter.reserve(T0, 0));
			const queued = granted(limiter.reserve(T0, Infinity)); // T0 + 60.25 s
			// a caller arriving a moment later, with only a small budget, cannot jump the queue
			expect(limiter.reserve(T0 + 1, 10_000)).toEqual({ granted: false, availableAtMs: queued });
			expect(granted(limiter.reserve(T0 + 1, Infinity))).toBeGreaterThanOrEqual(queued);
		});

		it('a granted slot is at or after now and at or after the previous grant, under a random workload', () => {
			const random = prng(42);
			const limiter = newLimiter();
			let now = T0;
			let last = -Infinity;
			let grants = 0;
			let refusals = 0;
			const violations: string[] = [];
			for (let i = 0; i < 4_000; i++) {
				now += Math.floor(random() * 3_000); // callers arrive 0–3 s apart
				const maxWait = random() < 0.3 ? Math.floor(random() * 120_000) : Infinity;
				const reservation = limiter.reserve(now, maxWait);
				if (reservation.granted) {
					grants++;
					if (reservation.atMs < now)
						violations.push(`#${i}: granted ${reservation.atMs} before now ${now}`);
					if (reservation.atMs < last)
						violations.push(`#${i}: granted ${reservation.atMs} before previous ${last}`);
					if (reservation.atMs - now > maxWait)
						violations.push(`#${i}: waited longer than ${maxWait}`);
					last = reservation.atMs;
				} else {
					refusals++;
					if (reservation.availableAtMs - now <= maxWait)
						violations.push(`#${i}: refused although it fitted ${maxWait}`);
					if (reservation.availableAtMs < last)
						violations.push(`#${i}: offered ${reservation.availableAtMs} before ${last}`);
				}
			}
			expect(violations).toEqual([]);
			expect(grants).toBeGreaterThan(1_000);
			expect(refusals).toBeGreaterThan(0); // the workload really queues
		});
	});

	describe('throttled: the pause', () => {
		it('delays the next slot until the pause ends', () => {
			const limiter = newLimiter();
			limiter.throttled(T0, T0 + 5_000);
			expect(limiter.earliestSlot(T0)).toBe(T0 + 5_000);
			expect(limiter.reserve(T0, 4_999)).toEqual({ granted: false, availableAtMs: T0 + 5_000 });
			expect(limiter.reserve(T0, Infinity)).toMatchObject({ granted: true, atMs: T0 + 5_000 });
		});

		it('does not shorten a longer pause already in force', () => {
			const limiter = newLimiter();
			limiter.throttled(T0, T0 + 5_000);
			limiter.throttled(T0, T0 + 2_000);
			expect(limiter.earliestSlot(T0)).toBe(T0 + 5_000);
			limiter.throttled(T0, T0 + 8_000);
			expect(limiter.earliestSlot(T0)).toBe(T0 + 8_000);
		});

		it('has no effect once the pause is over', () => {
			const limiter = newLimiter();
			limiter.throttled(T0, T0 + 5_000);
			expect(limiter.reserve(T0 + 6_000, 0)).toMatchObject({ granted: true, atMs: T0 + 6_000 });
		});

		it('combines with the window: the later of pause end and window slot wins', () => {
			const limiter = newLimiter();
			for (let i = 0; i < 100; i++) granted(limiter.reserve(T0, 0));
			limiter.throttled(T0, T0 + 10_000);
			expect(limiter.earliestSlot(T0)).toBe(T0 + MINUTE + MARGIN);
			limiter.throttled(T0, T0 + 2 * MINUTE);
			expect(limiter.earliestSlot(T0)).toBe(T0 + 2 * MINUTE);
		});
	});

	describe('nextSlot: why the next call waits', () => {
		it('says nothing when the slot is now, and names the full window otherwise: the minute, then the hour', () => {
			const limiter = newLimiter();
			expect(limiter.nextSlot(T0)).toEqual({ atMs: T0 });
			for (let i = 0; i < 100; i++) granted(limiter.reserve(T0, 0));
			expect(limiter.nextSlot(T0)).toEqual({
				atMs: T0 + MINUTE + MARGIN,
				wait: { reason: 'quota', windowMs: MINUTE, limit: 100 },
			});
			for (let i = 0; i < 1_400; i++) granted(limiter.reserve(T0, Infinity));
			expect(limiter.nextSlot(T0).wait).toEqual({ reason: 'quota', windowMs: HOUR, limit: 1_500 });
		});
	});

	describe('forgetting old calls', () => {
		it('grants immediately after a long idle period, even after hitting both limits', () => {
			const limiter = newLimiter();
			for (let i = 0; i < 1_600; i++) granted(limiter.reserve(T0, Infinity));
			const idle = T0 + 3 * HOUR;
			for (let i = 0; i < 100; i++)
				expect(limiter.reserve(idle, 0)).toMatchObject({ granted: true, atMs: idle });
		});

		it('keeps memory bounded: only calls inside the longest window are retained (white-box)', () => {
			const limiter = newLimiter();
			const internal = limiter as unknown as { granted: number[] };
			let now = T0;
			let largest = 0;
			for (let i = 0; i < 6_000; i++) {
				now = granted(limiter.reserve(now, Infinity));
				largest = Math.max(largest, internal.granted.length);
			}
			expect(largest).toBeGreaterThanOrEqual(1_500);
			expect(largest).toBeLessThanOrEqual(1_501);
			limiter.earliestSlot(now + HOUR + MARGIN);
			expect(internal.granted).toHaveLength(0);
		});
	});

	describe('custom windows and margin', () => {
		it('honours the given limits and edge margin exactly', () => {
			const limiter = new SlidingWindowRateLimiter([{ limit: 2, windowMs: 1_000 }], 0);
			const times = Array.from({ length: 6 }, () => granted(limiter.reserve(0, Infinity)));
			expect(times).toEqual([0, 0, 1_000, 1_000, 2_000, 2_000]);
		});

		it('with no margin, a call exactly windowMs after the oldest is allowed', () => {
			const limiter = new SlidingWindowRateLimiter([{ limit: 1, windowMs: 1_000 }], 0);
			granted(limiter.reserve(0, 0));
			expect(limiter.reserve(999, 0)).toEqual({ granted: false, availableAtMs: 1_000 });
			expect(limiter.reserve(1_000, 0)).toMatchObject({ granted: true, atMs: 1_000 });
		});
	});

	describe('property: the limits hold in every rolling window', () => {
		function simulate(count: number, arrival: (slot: number) => number): number[] {
			const limiter = newLimiter();
			const times: number[] = [];
			let now = T0;
			let early = 0;
			for (let i = 0; i < count; i++) {
				const at = granted(limiter.reserve(now, Infinity));
				if (at < now) early++;
				times.push(at);
				now = arrival(at);
			}
			expect(early).toBe(0);
			return times;
		}

		it('5,000 back-to-back callers: ≤100 per rolling minute, ≤1,500 per rolling hour, near the ceiling', () => {
			const times = simulate(5_000, (at) => at);
			expect(times.every((t, i) => i === 0 || t >= times[i - 1])).toBe(true);

			expect(maxInAnyWindow(times, MINUTE)).toBe(100);
			expect(maxInAnyWindow(times, HOUR)).toBe(1_500);

			// throughput: the hourly budget is used within ~15 minutes, and all of it in the first hour
			const first = times[0];
			expect(times[1_499] - first).toBeLessThanOrEqual(15 * MINUTE + 15 * MARGIN);
			expect(times.filter((t) => t < first + HOUR).length).toBe(1_500);
			expect(times[1_500] - first).toBeLessThanOrEqual(HOUR + 2 * MARGIN);
			// 5,000 calls need three full hours plus a few minutes, and no more
			expect(times[4_999] - first).toBeLessThanOrEqual(3 * (HOUR + MARGIN) + 5 * (MINUTE + MARGIN));
		});

		it('5,000 callers with random gaps: the limits still hold in every rolling window', () => {
			const random = prng(7);
			const times = simulate(5_000, (at) => at + Math.floor(random() ** 4 * 5_000));
			expect(maxInAnyWindow(times, MINUTE)).toBeLessThanOrEqual(100);
			expect(maxInAnyWindow(times, HOUR)).toBeLessThanOrEqual(1_500);
		});

		it('grants stay at least windowMs + margin apart from the grant `limit` places earlier', () => {
			const times = simulate(5_000, (at) => at);
			const minuteGaps = times.slice(100).map((t, i) => t - times[i]);
			const hourGaps = times.slice(1_500).map((t, i) => t - times[i]);
			expect(Math.min(...minuteGaps)).toBe(MINUTE + MARGIN);
			expect(Math.min(...hourGaps)).toBe(HOUR + MARGIN);
		});
	});
});

describe('RateLimiterRegistry', () => {
	it('returns the same limiter for the same tenant and client', () => {
		const registry = new RateLimiterRegistry();
		expect(registry.forClient('contoso.onmicrosoft.com', 'app-1')).toBe(
			registry.forClient('contoso.onmicrosoft.com', 'app-1'),
		);
	});

	it('matches tenant and client case-insensitively', () => {
		const registry = new RateLimiterRegistry();
		const tenant = 'A1B2C3D4-0000-1111-2222-333344445555';
		expect(registry.forClient(tenant, 'APP-ID')).toBe(
			registry.forClient(tenant.toLowerCase(), 'app-id'),
		);
	});

	it('returns different limiters for a different tenant or a different client', () => {
		const registry = new RateLimiterRegistry();
		const base = registry.forClient('t1.example.com', 'c1');
		expect(registry.forClient('t2.example.com', 'c1')).not.toBe(base);
		expect(registry.forClient('t1.example.com', 'c2')).not.toBe(base);
		expect(registry.forClient('t2.example.com', 'c2')).not.toBe(base);
	});

	it('keeps separate budgets: exhausting one client does not slow another', () => {
		const registry = new RateLimiterRegistry();
		const busy = registry.forClient('t.example.com', 'busy');
		for (let i = 0; i < 100; i++) granted(busy.reserve(T0, 0));
		expect(busy.reserve(T0, 0).granted).toBe(false);
		expect(registry.forClient('t.example.com', 'quiet').reserve(T0, 0)).toMatchObject({
			granted: true,
			atMs: T0,
		});
		// and the shared instance remembers the busy client's calls
		expect(registry.forClient('T.EXAMPLE.COM', 'BUSY').reserve(T0, 0).granted).toBe(false);
	});

	it('gives separate registries separate limiters', () => {
		expect(new RateLimiterRegistry().forClient('t.example.com', 'c')).not.toBe(
			new RateLimiterRegistry().forClient('t.example.com', 'c'),
		);
	});

	it('builds limiters with the windows it was given', () => {
		const registry = new RateLimiterRegistry([{ limit: 1, windowMs: 1_000 }]);
		const limiter = registry.forClient('t.example.com', 'c');
		granted(limiter.reserve(0, 0));
		expect(limiter.reserve(0, Infinity)).toMatchObject({ granted: true, atMs: 1_000 + MARGIN });
	});

	it('uses Defender’s documented limits by default', () => {
		expect(DEFENDER_RATE_WINDOWS).toEqual([
			{ limit: 100, windowMs: MINUTE },
			{ limit: 1_500, windowMs: HOUR },
		]);
		const limiter = new RateLimiterRegistry().forClient('t.example.com', 'c');
		for (let i = 0; i < 100; i++) granted(limiter.reserve(T0, 0));
		expect(limiter.earliestSlot(T0)).toBe(T0 + MINUTE + MARGIN);
	});
});

describe('SlidingWindowRateLimiter.settle', () => {
	it('counts a slow call from its answer, so the next window starts a full window after Defender saw it', () => {
		const limiter = new SlidingWindowRateLimiter([{ limit: 2, windowMs: 60_000 }], 0);
		const first = limiter.reserve(0, Infinity);
		const second = limiter.reserve(0, Infinity);
		expect([first, second]).toEqual([
			{ granted: true, atMs: 0, epoch: 0 },
			{ granted: true, atMs: 0, epoch: 0 },
		]);
		// The first call took 5 s to be answered (say, a token fetch before it): it may have arrived at 4.9 s.
		limiter.settle(0, 5_000);
		expect(limiter.earliestSlot(10_000)).toBe(60_000);
		limiter.settle(0, 2_000);
		expect(limiter.earliestSlot(10_000)).toBe(62_000);
	});

	it('ignores unknown bookings and answers that are not later', () => {
		const limiter = new SlidingWindowRateLimiter([{ limit: 1, windowMs: 1_000 }], 0);
		limiter.reserve(100, Infinity);
		limiter.settle(999, 5_000);
		limiter.settle(100, 50);
		expect(limiter.earliestSlot(100)).toBe(1_100);
	});
});

/** Books and answers a call at `atMs` (answered at once); returns whether it was granted at `atMs` itself. */
function callAt(limiter: SlidingWindowRateLimiter, atMs: number): boolean {
	const reservation = limiter.reserve(atMs, 0);
	if (!reservation.granted) return false;
	limiter.settle(reservation.atMs, atMs);
	return true;
}

describe('SlidingWindowRateLimiter: learning its share of a shared quota', () => {
	it('alone it never lowers its limit: a 429 after 100 calls of its own is its own doing, not another client', () => {
		const limiter = newLimiter();
		for (let i = 0; i < 100; i++) expect(callAt(limiter, T0)).toBe(true);
		limiter.throttled(T0 + 1_000, T0 + 2_000);
		expect(limiter.currentLimit(T0 + 1_000)).toBe(100);
	});

	it('a first unexplained 429 after 30 admitted calls costs its Retry-After: the limit stays, the throttled call is not counted', () => {
		const limiter = newLimiter();
		for (let i = 0; i < 31; i++) expect(callAt(limiter, T0 + i * 10)).toBe(true);
		// Call 31 was answered 429 with Retry-After 2 (plus jitter): Defender did not count it.
		limiter.settle(T0 + 300, T0 + 310, false);
		limiter.throttled(T0 + 310, T0 + 2_810);
		expect(limiter.currentLimit(T0 + 310)).toBe(100);
		expect(limiter.nextSlot(T0 + 1_000)).toEqual({
			atMs: T0 + 2_810,
			wait: { reason: 'retryAfter' },
		});
		// Then 70 more calls fit the minute (the 30 admitted and these 70 make the 100): the limit's calls spread over
		// a quarter of the 2.5 s pause for 2.5 s (6.25 ms apart, on whole milliseconds 7), then at once.
		const times = Array.from({ length: 70 }, () => granted(limiter.reserve(T0 + 2_810, Infinity)));
		expect(times[1] - times[0]).toBe(7);
		expect(times.at(-1)!).toBe(T0 + 2_810 + 69 * 7);
		expect(limiter.earliestSlot(times.at(-1)!)).toBe(T0 + MINUTE + MARGIN);
	});

	it('a stray 429 (a 2 s pause) spreads the limit’s calls over 0.5 s for 2 s, then the process bursts again', () => {
		const limiter = newLimiter();
		limiter.throttled(T0, T0 + 2_000);
		const paced = granted(limiter.reserve(T0 + 2_000, 0));
		expect(limiter.nextSlot(paced)).toEqual({
			atMs: paced + 5,
			wait: { reason: 'share', limit: 100 },
		});
		const later = T0 + 4_001;
		for (let i = 0; i < 50; i++)
			expect(limiter.reserve(later, 0)).toMatchObject({ granted: true, atMs: later });
	});

	it('strays (one call in twenty answered 429, Retry-After 2 s) never lower the share, over 2,000 calls', () => {
		const random = prng(20);
		const limiter = newLimiter();
		let now = T0;
		let strays = 0;
		for (let i = 0; i < 2_000; i++) {
			const bookedAt = granted(limiter.reserve(now, Infinity));
			now = bookedAt + 50;
			const stray = random() < 0.05;
			limiter.settle(bookedAt, now, !stray);
			if (stray) {
				strays++;
				limiter.throttled(now, now + 2_000 + Math.round(random() * 1_000));
			}
			expect(limiter.currentLimit(now)).toBe(100);
		}
		expect(strays).toBeGreaterThan(50);
	});

	it('a 429 that its own calls explain (100 in the minute, counting calls answered 429) changes nothing but the pause', () => {
		const limiter = newLimiter();
		for (let i = 0; i < 95; i++) callAt(limiter, T0 + i);
		for (let i = 0; i < 5; i++)
			limiter.settle(granted(limiter.reserve(T0 + 100, 0)), T0 + 100, false);
		limiter.throttled(T0 + 200, T0 + MINUTE);
		expect(limiter.currentLimit(T0 + 200)).toBe(100);
		// No pacing after the pause: the next minute's 100 calls go at once.
		for (let i = 0; i < 100; i++) expect(callAt(limiter, T0 + MINUTE + MARGIN + 100)).toBe(true);
	});

	it('throttling that persists (paused over half the minute by unexplained 429s) multiplies the share by 0.7, down to the floor', () => {
		const limiter = newLimiter();
		// Another client fills the quota: every call is answered 429, Retry-After until its window frees (50 s).
		let now = T0;
		const limits: number[] = [];
		for (let round = 0; round < 10; round++) {
			limiter.settle(granted(limiter.reserve(now, Infinity)), now, false);
			limiter.throttled(now, now + 50_000);
			limits.push(limiter.currentLimit(now));
			now = limiter.earliestSlot(now);
		}
		expect(limits).toEqual([100, 70, 49, 34, 23, 16, 11, 10, 10, 10]);
		expect(100 * SHARE.decreaseFactor).toBe(70);
		expect(SHARE.floorFraction * 100).toBe(10);
	});

	it('a lowered share goes out one call at a time, spaced so that it takes a sixth of the minute', () => {
		const limiter = newLimiter();
		// Seventeen 2 s pauses back to back: the 17th 429 comes after 32 s of the minute paused, over half of it.
		for (let n = 0; n < 17; n++) limiter.throttled(T0 + n * 2_000, T0 + (n + 1) * 2_000);
		expect(limiter.currentLimit(T0 + 32_000)).toBe(70);
		const times = Array.from({ length: 70 }, () => granted(limiter.reserve(T0 + 34_000, Infinity)));
		const spacing = MINUTE / (SHARE.paceFactor * 70);
		for (let i = 1; i < times.length; i++)
			expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(spacing);
		expect(times.at(-1)! - times[0]).toBeLessThan(MINUTE / SHARE.paceFactor);
		expect(limiter.nextSlot(times.at(-1)!).wait).toEqual({ reason: 'share', limit: 70 });
	});

	it('after a pause of most of a minute (others filled the quota), the limit’s calls are spread over a quarter of the pause, for as long as the pause', () => {
		const limiter = newLimiter();
		for (let i = 0; i < 30; i++) callAt(limiter, T0);
		limiter.throttled(T0 + 1_000, T0 + 59_000);
		const times = Array.from({ length: 50 }, () => granted(limiter.reserve(T0 + 59_000, Infinity)));
		expect(times.slice(1).map((t, i) => t - times[i])).toEqual(
			Array.from({ length: 49 }, () => 145),
		);
		expect(limiter.nextSlot(times.at(-1)!)).toEqual({
			atMs: times.at(-1)! + 145,
			wait: { reason: 'share', limit: 100 },
		});
		// As long again as the pause: then the process is alone again and bursts.
		const alone = T0 + 59_000 + 58_000;
		for (let i = 0; i < 30; i++)
			expect(limiter.reserve(alone, 0)).toMatchObject({ granted: true, atMs: alone });
	});

	it('when 429s stop, the share climbs a step (10 % of the ceiling) per 10 quiet seconds from the pause’s end: the floor is back at 100 in 90 s', () => {
		const limiter = newLimiter();
		let now = T0;
		for (let round = 0; round < 8; round++) {
			limiter.throttled(now, now + 50_000);
			now += 50_000;
		}
		expect(limiter.currentLimit(now)).toBe(10);
		expect(limiter.currentLimit(now + SHARE.recoveryIntervalMs - 1)).toBe(10);
		expect(limiter.currentLimit(now + SHARE.recoveryIntervalMs)).toBe(20);
		expect(limiter.currentLimit(now + 5 * SHARE.recoveryIntervalMs)).toBe(60);
		expect(limiter.currentLimit(now + 9 * SHARE.recoveryIntervalMs)).toBe(100);
		expect(9 * SHARE.recoveryIntervalMs).toBeLessThanOrEqual(90_000);
		// At the ceiling and a window after the last pause: alone again, full bursts.
		const idle = now + 9 * SHARE.recoveryIntervalMs + MINUTE;
		for (let i = 0; i < 100; i++) expect(callAt(limiter, idle)).toBe(true);
	});

	it('several 429s from one burst count once: answers that arrive during the pause add nothing', () => {
		const limiter = newLimiter();
		for (let i = 0; i < 40; i++) callAt(limiter, T0);
		limiter.throttled(T0 + 100, T0 + 45_000);
		const inFlight = Array.from({ length: 5 }, () => granted(limiter.reserve(T0 + 100, Infinity)));
		for (const bookedAt of inFlight) {
			limiter.settle(bookedAt, T0 + 200, false);
			limiter.throttled(T0 + 200, T0 + 46_000);
		}
		expect(limiter.currentLimit(T0 + 200)).toBe(100);
		// One unexplained pause of 45 s, not six: the next 429 after it is the second signal, and persistent.
		limiter.throttled(T0 + 46_000, T0 + 47_000);
		expect(limiter.currentLimit(T0 + 46_000)).toBe(70);
	});

	it('a reservation booked before a 429 is given back and booked again under the new share', () => {
		const limiter = newLimiter();
		const booked = limiter.reserve(T0, 0);
		if (!booked.granted) throw new Error('expected a grant');
		expect(limiter.confirm(booked)).toBe(true);
		const waiting = limiter.reserve(T0, 0);
		if (!waiting.granted) throw new Error('expected a grant');
		limiter.throttled(T0, T0 + 5_000);
		expect(limiter.confirm(waiting)).toBe(false);
		const again = limiter.reserve(T0, Infinity);
		expect(granted(again)).toBe(T0 + 5_000);
		if (again.granted) expect(limiter.confirm(again)).toBe(true);
	});

	it('three processes sharing one quota with unbounded demand: the quota is used and under 5 % of calls are throttled', () => {
		// A deterministic model of three workers with unbounded demand, calling whenever their limiter lets them, and
		// one Defender counting all calls: 429 (not counted) when the app made 100 in the last minute.
		const limiters = [newLimiter(), newLimiter(), newLimiter()];
		const admitted: number[] = [];
		let throttledCalls = 0;
		let total = 0;
		for (let t = T0; t < T0 + 12 * MINUTE; t += 50) {
			for (const limiter of limiters) {
				const reservation = limiter.reserve(t, 0);
				if (!reservation.granted) continue;
				total++;
				while (admitted.length && admitted[0] <= t - MINUTE) admitted.shift();
				if (admitted.length >= 100) {
					throttledCalls++;
					limiter.settle(reservation.atMs, t, false);
					limiter.throttled(t, admitted[0] + MINUTE);
				} else {
					admitted.push(t);
					limiter.settle(reservation.atMs, t);
				}
			}
		}
		// The quota is used (100 a minute over 12 minutes, under the hour's 1,500), and few calls are throttled.
		expect(total - throttledCalls).toBeGreaterThan(0.9 * 12 * 100);
		expect(throttledCalls / total).toBeLessThan(0.05);
	});
});
