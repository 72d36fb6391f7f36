import {
	DEFAULT_RETRY_POLICY,
	backoffDelay,
	isActionInProgress,
	isTransientStatus,
	parseRetryAfter,
	planRetry,
	planThrottleWait,
	throttleJitterMs,
	type RetryPolicy,
} from '../../nodes/DefenderForEndpoint/lib/retryPolicy';

const NOW = Date.parse('2025-03-10T12:00:00Z');
const ALMOST_ONE = 1 - Number.EPSILON;
const zero = () => 0;
const almostOne = () => ALMOST_ONE;

const POLICY: RetryPolicy = {
	maxRetries: 5,
	maxTotalWaitMs: 300_000,
	baseDelayMs: 1_000,
	maxDelayMs: 60_000,
};

describe('parseRetryAfter', () => {
	describe('delta-seconds', () => {
		it.each([
			['0', 0],
			['1', 1_000],
			['59', 59_000],
			['60', 60_000],
		])('reads the integer %p as %p ms', (header, expected) => {
			expect(parseRetryAfter(header, NOW)).toBe(expected);
		});

		it.each([
			['1.5', 1_500],
			['0.25', 250],
			['2.0', 2_000],
		])('reads the fractional %p as %p ms', (header, expected) => {
			expect(parseRetryAfter(header, NOW)).toBe(expected);
		});

		it('rounds a sub-millisecond fraction up, never down to zero', () => {
			expect(parseRetryAfter('0.0001', NOW)).toBe(1);
			expect(parseRetryAfter('1.0004', NOW)).toBe(1_001);
		});

		it('does not depend on the current time', () => {
			expect(parseRetryAfter('30', 0)).toBe(30_000);
			expect(parseRetryAfter('30', NOW)).toBe(30_000);
		});

		it('ignores surrounding whitespace', () => {
			expect(parseRetryAfter('  30  ', NOW)).toBe(30_000);
			expect(parseRetryAfter('\t7\r\n', NOW)).toBe(7_000);
		});
	});

	describe('HTTP-date', () => {
		const date = 'Mon, 10 Mar 2025 12:00:45 GMT'; // NOW + 45 s

		it('returns the time left until a date in the future', () => {
			expect(parseRetryAfter(date, NOW)).toBe(45_000);
		});

		it('measures the time left from the given now, not the wall clock', () => {
			expect(parseRetryAfter(date, NOW + 30_000)).toBe(15_000);
			expect(parseRetryAfter(date, NOW - 10_000)).toBe(55_000);
		});

		it('returns 0 (retry now) for a date that has already passed, never a negative delay', () => {
			expect(parseRetryAfter('Mon, 10 Mar 2025 11:59:00 GMT', NOW)).toBe(0);
			expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', NOW)).toBe(0);
		});

		it('returns 0 for a date exactly at now', () => {
			expect(parseRetryAfter('Mon, 10 Mar 2025 12:00:00 GMT', NOW)).toBe(0);
		});

		it('ignores surrounding whitespace around a date', () => {
			expect(parseRetryAfter(`   ${date}  `, NOW)).toBe(45_000);
		});
	});

	describe('array header', () => {
		it('uses the first value', () => {
			expect(parseRetryAfter(['7', '99'], NOW)).toBe(7_000);
			expect(parseRetryAfter(['Mon, 10 Mar 2025 12:00:45 GMT', '1'], NOW)).toBe(45_000);
		});

		it('returns undefined for an empty array', () => {
			expect(parseRetryAfter([], NOW)).toBeUndefined();
		});

		it('returns undefined when the first value is blank', () => {
			expect(parseRetryAfter(['  ', '5'], NOW)).toBeUndefined();
		});
	});

	describe('one bad header cannot hold the process', () => {
		it.each([
			['120', 60_000],
			['3600', 60_000],
			['Mon, 10 Mar 2025 12:30:00 GMT', 60_000],
		])('caps the real wait %p at the minute window (%p ms)', (header, expected) => {
			expect(parseRetryAfter(header, NOW)).toBe(expected);
		});

		it.each([
			'3601',
			'86400',
			'99999999999999',
			'1e400',
			'Tue, 11 Mar 2025 12:00:00 GMT',
			'Fri, 31 Dec 9999 23:59:59 GMT',
		])(
			'ignores %p, which cannot be a real wait (beyond the hour window): backoff instead',
			(header) => {
				expect(parseRetryAfter(header, NOW)).toBeUndefined();
			},
		);
	});

	describe('absent or unreadable', () => {
		it.each([undefined, '', '   ', '\t\n'])('returns undefined for %p', (header) => {
			expect(parseRetryAfter(header, NOW)).toBeUndefined();
		});

		it.each([
			'soon',
			'abc',
			'10s',
			'1e3',
			'NaN',
			'Infinity',
			'1,000',
			'0x10',
			'in 5 minutes',
			'tomorrow',
		])('returns undefined for garbage %p, so the caller falls back to backoff', (header) => {
			expect(parseRetryAfter(header, NOW)).toBeUndefined();
		});

		it.each(['-5', '-1', '1 2', 'foo 12', '1.2.3'])(
			'returns undefined for malformed %p instead of reading it as an ancient date (delay 0)',
			(header) => {
				expect(parseRetryAfter(header, NOW)).toBeUndefined();
			},
		);
	});
});

describe('backoffDelay', () => {
	it('doubles from the base delay on each retry (lower jitter bound)', () => {
		const delays = [1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, POLICY, zero));
		expect(delays).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000]);
	});

	it('doubles from the base delay on each retry (upper jitter bound)', () => {
		const delays = [1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, POLICY, almostOne));
		expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000]);
	});

	it('caps the delay at maxDelayMs', () => {
		// retry 7 would be 64 s uncapped
		expect(backoffDelay(7, POLICY, almostOne)).toBe(60_000);
		expect(backoffDelay(7, POLICY, zero)).toBe(30_000);
		expect(backoffDelay(20, POLICY, almostOne)).toBe(60_000);
	});

	it('stays finite and capped for absurdly high retry numbers', () => {
		for (const n of [50, 1_024, 5_000]) {
			const delay = backoffDelay(n, POLICY, almostOne);
			expect(Number.isFinite(delay)).toBe(true);
			expect(delay).toBe(60_000);
		}
	});

	it('treats retry 0 and negative numbers like the first retry', () => {
		expect(backoffDelay(0, POLICY, almostOne)).toBe(1_000);
		expect(backoffDelay(-3, POLICY, almostOne)).toBe(1_000);
	});

	it('puts the jitter in the upper half: random 0.5 gives three quarters of the capped delay', () => {
		expect(backoffDelay(3, POLICY, () => 0.5)).toBe(3_000);
	});

	it('never retries immediately and never exceeds the capped delay, whatever random returns', () => {
		for (let n = 1; n <= 10; n++) {
			const capped = Math.min(POLICY.maxDelayMs, POLICY.baseDelayMs * 2 ** (n - 1));
			for (const r of [0, 0.1, 0.3333, 0.5, 0.9, ALMOST_ONE]) {
				const delay = backoffDelay(n, POLICY, () => r);
				expect(delay).toBeGreaterThanOrEqual(capped / 2);
				expect(delay).toBeLessThanOrEqual(capped);
				expect(Number.isInteger(delay)).toBe(true);
			}
		}
	});

	it('uses Math.random by default and stays within [capped/2, capped]', () => {
		const delays = Array.from({ length: 500 }, () => backoffDelay(4, POLICY));
		expect(Math.min(...delays)).toBeGreaterThanOrEqual(4_000);
		expect(Math.max(...delays)).toBeLessThanOrEqual(8_000);
		expect(new Set(delays).size).toBeGreaterThan(1); // really random
	});

	it('follows the policy it is given', () => {
		const policy: RetryPolicy = {
			maxRetries: 3,
			maxTotalWaitMs: 10_000,
			baseDelayMs: 200,
			maxDelayMs: 1_000,
		};
		expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, policy, almostOne))).toEqual([
			200, 400, 800, 1_000, 1_000,
		]);
	});
});

describe('planRetry', () => {
	it('allows a retry within attempts and wait budget, with the backoff delay', () => {
		expect(planRetry(1, 0, POLICY, undefined, zero)).toEqual({ retry: true, delayMs: 500 });
		expect(planRetry(3, 10_000, POLICY, undefined, almostOne)).toEqual({
			retry: true,
			delayMs: 4_000,
		});
	});

	it('allows the last retry (retryNumber === maxRetries)', () => {
		expect(planRetry(5, 0, POLICY, undefined, zero)).toEqual({ retry: true, delayMs: 8_000 });
	});

	it('stops with reason "attempts" once retryNumber exceeds maxRetries', () => {
		expect(planRetry(6, 0, POLICY, undefined, zero)).toEqual({
			retry: false,
			reason: 'attempts',
			delayMs: 16_000,
		});
	});

	it('refuses even the first retry when maxRetries is 0', () => {
		const decision = planRetry(1, 0, { ...POLICY, maxRetries: 0 }, undefined, zero);
		expect(decision).toMatchObject({ retry: false, reason: 'attempts' });
	});

	it('reports "attempts" rather than "wait" when both budgets are exhausted', () => {
		expect(planRetry(6, 300_000, POLICY, undefined, zero)).toMatchObject({
			retry: false,
			reason: 'attempts',
		});
	});

	it('allows a retry that uses exactly the remaining wait budget', () => {
		// random 0 → delay 500
		expect(planRetry(1, 299_500, POLICY, undefined, zero)).toEqual({ retry: true, delayMs: 500 });
	});

	it('stops with reason "wait" when waited + delay would exceed maxTotalWaitMs', () => {
		expect(planRetry(1, 299_501, POLICY, undefined, zero)).toEqual({
			retry: false,
			reason: 'wait',
			delayMs: 500,
		});
	});

	it('uses Retry-After instead of backoff, ignoring jitter', () => {
		expect(planRetry(1, 0, POLICY, 42_000, zero)).toEqual({ retry: true, delayMs: 42_000 });
		expect(planRetry(1, 0, POLICY, 42_000, almostOne)).toEqual({ retry: true, delayMs: 42_000 });
	});

	it('uses Retry-After even when it is longer than maxDelayMs', () => {
		expect(planRetry(1, 0, POLICY, 120_000, zero)).toEqual({ retry: true, delayMs: 120_000 });
	});

	it('honours a Retry-After of 0 (retry now) rather than falling back to backoff', () => {
		expect(planRetry(2, 0, POLICY, 0, almostOne)).toEqual({ retry: true, delayMs: 0 });
	});

	it('stops with reason "wait" when Retry-After does not fit the remaining budget, reporting that delay', () => {
		expect(planRetry(1, 100_000, POLICY, 200_001, zero)).toEqual({
			retry: false,
			reason: 'wait',
			delayMs: 200_001,
		});
		expect(planRetry(1, 100_000, POLICY, 200_000, zero)).toEqual({ retry: true, delayMs: 200_000 });
	});

	it('still enforces maxRetries when Retry-After is given', () => {
		expect(planRetry(6, 0, POLICY, 1_000, zero)).toEqual({
			retry: false,
			reason: 'attempts',
			delayMs: 1_000,
		});
	});

	it('with the default policy, a full sequence of retries fits the 5-minute budget at the upper jitter bound', () => {
		let waited = 0;
		const delays: number[] = [];
		for (let n = 1; ; n++) {
			const decision = planRetry(n, waited, DEFAULT_RETRY_POLICY, undefined, almostOne);
			if (!decision.retry) {
				expect(decision.reason).toBe('attempts');
				expect(n).toBe(DEFAULT_RETRY_POLICY.maxRetries + 1);
				break;
			}
			delays.push(decision.delayMs);
			waited += decision.delayMs;
		}
		expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
	});
});

describe('isTransientStatus', () => {
	it.each([429, 500, 502, 503, 504])('treats %p as transient', (status) => {
		expect(isTransientStatus(status)).toBe(true);
	});

	it.each([200, 201, 204, 400, 401, 403, 404, 409, 422, 501, 505, 0])(
		'treats %p as not transient',
		(status) => {
			expect(isTransientStatus(status)).toBe(false);
		},
	);
});

describe('isActionInProgress', () => {
	it('recognises the ActiveRequestAlreadyExists code on a 400', () => {
		expect(isActionInProgress(400, 'ActiveRequestAlreadyExists', undefined)).toBe(true);
		expect(isActionInProgress(400, 'ActiveRequestAlreadyExists', 'anything')).toBe(true);
	});

	it.each([
		'Action is already in progress',
		'action is already in progress',
		'ACTION IS ALREADY IN PROGRESS',
		'aCtIoN iS aLrEaDy In PrOgReSs',
		'Cannot isolate: Action is already in progress on this machine.',
	])('recognises the message %p on a 400 without a code', (message) => {
		expect(isActionInProgress(400, undefined, message)).toBe(true);
		expect(isActionInProgress(400, 'BadRequest', message)).toBe(true);
	});

	it.each([401, 403, 404, 409, 429, 500])(
		'ignores status %p even with the code and the message',
		(status) => {
			expect(
				isActionInProgress(status, 'ActiveRequestAlreadyExists', 'Action is already in progress'),
			).toBe(false);
		},
	);

	it('returns false on a 400 with another code and message', () => {
		expect(isActionInProgress(400, 'InvalidInput', 'Machine id is invalid')).toBe(false);
		expect(isActionInProgress(400, undefined, undefined)).toBe(false);
		expect(isActionInProgress(400, '', '')).toBe(false);
	});

	it('does not match a message that only resembles the phrase', () => {
		expect(isActionInProgress(400, undefined, 'Action is in progress')).toBe(false);
		expect(isActionInProgress(400, undefined, 'Action is already completed')).toBe(false);
		expect(isActionInProgress(400, 'ActiveRequestExists', undefined)).toBe(false);
	});
});

describe('throttleJitterMs', () => {
	it.each([
		[0, 500],
		[1_000, 500],
		[2_000, 1_000],
		[57_000, 2_000],
	])('a wait of %p ms gets up to %p ms of jitter', (waitMs, span) => {
		expect(throttleJitterMs(waitMs, zero)).toBe(0);
		expect(throttleJitterMs(waitMs, almostOne)).toBe(span);
	});

	it('spreads workers told the same Retry-After over the jitter span', () => {
		let state = 7;
		const random = () => (state = (state * 7_919 + 17) % 1_000) / 1_000;
		const wakeUps = new Set(
			Array.from({ length: 30 }, () => Math.floor(throttleJitterMs(1_000, random) / 50)),
		);
		expect(wakeUps.size).toBeGreaterThan(5);
	});
});

describe('planThrottleWait: 429 is waiting, not failing', () => {
	it('waits Retry-After plus jitter however many 429s came before: Max Retries does not count them', () => {
		const policy = { ...POLICY, maxRetries: 0 };
		expect(planThrottleWait(1, 0, policy, 1_000, zero)).toEqual({ wait: true, delayMs: 1_000 });
		expect(planThrottleWait(50, 100_000, policy, 1_000, almostOne)).toEqual({
			wait: true,
			delayMs: 1_500,
		});
	});

	it('is bounded by Max Wait: a Retry-After beyond what is left fails', () => {
		expect(planThrottleWait(1, 299_500, POLICY, 1_000, zero)).toEqual({
			wait: false,
			delayMs: 1_000,
		});
		expect(planThrottleWait(1, 0, { ...POLICY, maxTotalWaitMs: 10_000 }, 60_000, zero)).toEqual({
			wait: false,
			delayMs: 60_000,
		});
	});

	it('never lets the jitter fail an item whose Retry-After fits: the wait is cut to what is left', () => {
		expect(planThrottleWait(1, 298_800, POLICY, 1_000, almostOne)).toEqual({
			wait: true,
			delayMs: 1_200,
		});
	});

	it('without Retry-After, backs off by the number of 429s, within Max Wait', () => {
		expect(planThrottleWait(1, 0, POLICY, undefined, zero)).toEqual({
			wait: true,
			delayMs: backoffDelay(1, POLICY, zero),
		});
		expect(planThrottleWait(8, 0, POLICY, undefined, zero)).toEqual({
			wait: true,
			delayMs: 30_000,
		});
		expect(planThrottleWait(8, 280_000, POLICY, undefined, zero)).toEqual({
			wait: false,
			delayMs: 30_000,
		});
	});

	it('over a long 429 stream the waits add up to at most Max Wait', () => {
		let waited = 0;
		let answers = 0;
		for (;;) {
			const decision = planThrottleWait(answers + 1, waited, POLICY, 1_000, almostOne);
			if (!decision.wait) break;
			waited += decision.delayMs;
			answers++;
		}
		expect(waited).toBeLessThanOrEqual(POLICY.maxTotalWaitMs);
		expect(answers).toBeGreaterThan(POLICY.maxRetries * 10);
	});
});
