/**
 * How hard one request is retried. Every wait — backoff, Retry-After and rate-limiter queueing —
 * counts against maxTotalWaitMs. maxRetries bounds retries after real failures (5xx, lost
 * connections); throttling (429) is a request to wait, bounded by maxTotalWaitMs alone.
 */
export interface RetryPolicy {
	/** Retries after the first attempt, not counting waits Defender asked for with 429. */
	maxRetries: number;
	maxTotalWaitMs: number;
	baseDelayMs: number;
	maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
	maxRetries: 5,
	maxTotalWaitMs: 300_000,
	baseDelayMs: 1_000,
	maxDelayMs: 60_000,
};

/** Statuses that say "not now" rather than "never": throttling and server-side failures. */
const TRANSIENT_STATUSES = new Set([429, 500, 502, 503, 504]);

export function isTransientStatus(status: number): boolean {
	return TRANSIENT_STATUSES.has(status);
}

/** Defender's answer when another action on the same device has not finished yet. */
export function isActionInProgress(
	status: number,
	code: string | undefined,
	message: string | undefined,
): boolean {
	return (
		status === 400 &&
		(code === 'ActiveRequestAlreadyExists' || /action is already in progress/i.test(message ?? ''))
	);
}

/** RFC 9110 HTTP-date: IMF-fixdate, and the obsolete RFC 850 and asctime forms. */
const HTTP_DATE = [
	/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/,
	/^[A-Z][a-z]+, \d{2}-[A-Z][a-z]{2}-\d{2} \d{2}:\d{2}:\d{2} GMT$/,
	/^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/,
];

/**
 * Defender's throttling windows are a minute and an hour: no real Retry-After is longer than the
 * hour.
 */
const LONGEST_REAL_RETRY_AFTER_MS = 3_600_000;
/**
 * One answer may hold back calls for at most the minute window; if Defender still throttles, it
 * says so again.
 */
const RETRY_AFTER_CAP_MS = 60_000;

/**
 * Parses Retry-After (delta-seconds or an HTTP date) into milliseconds from now, at most
 * RETRY_AFTER_CAP_MS. Returns undefined when the header is absent, unreadable or cannot be a real
 * wait (beyond the hour window), so the caller falls back to backoff: one bad header must never
 * hold the process's shared limiter for a day.
 */
export function parseRetryAfter(
	header: string | string[] | undefined,
	nowMs: number,
): number | undefined {
	const value = (Array.isArray(header) ? header[0] : header)?.trim();
	if (!value) return undefined;
	let waitMs: number;
	if (/^\d+(\.\d+)?$/.test(value)) {
		waitMs = Math.ceil(Number(value) * 1000);
	} else {
		// Only real HTTP dates: Date.parse alone reads "-5" as a year, which would mean "retry now".
		if (!HTTP_DATE.some((format) => format.test(value))) return undefined;
		const date = Date.parse(value);
		if (Number.isNaN(date)) return undefined;
		waitMs = Math.max(0, date - nowMs);
	}
	if (!Number.isFinite(waitMs) || waitMs > LONGEST_REAL_RETRY_AFTER_MS) return undefined;
	return Math.min(waitMs, RETRY_AFTER_CAP_MS);
}

/**
 * Capped exponential backoff with "equal jitter": half the delay is fixed, half random,
 * so concurrent retries spread out but never retry immediately.
 */
export function backoffDelay(
	retryNumber: number,
	policy: RetryPolicy,
	random: () => number = Math.random,
): number {
	const exponential = policy.baseDelayMs * 2 ** Math.max(0, retryNumber - 1);
	const capped = Math.min(policy.maxDelayMs, exponential);
	return Math.round(capped / 2 + random() * (capped / 2));
}

export type RetryDecision =
	| { retry: true; delayMs: number }
	| { retry: false; reason: 'attempts' | 'wait'; delayMs: number };

/**
 * Decides whether the next retry fits the policy. retryNumber counts retries (1 for the first
 * retry); waitedMs is what this request has already waited.
 */
export function planRetry(
	retryNumber: number,
	waitedMs: number,
	policy: RetryPolicy,
	retryAfterMs: number | undefined,
	random: () => number = Math.random,
): RetryDecision {
	const delayMs = retryAfterMs ?? backoffDelay(retryNumber, policy, random);
	if (retryNumber > policy.maxRetries) return { retry: false, reason: 'attempts', delayMs };
	if (waitedMs + delayMs > policy.maxTotalWaitMs) return { retry: false, reason: 'wait', delayMs };
	return { retry: true, delayMs };
}

/**
 * Jitter added to a throttling wait: half the wait, at least 0.5 s and at most 2 s, so workers do
 * not wake together.
 */
const THROTTLE_JITTER_MIN_MS = 500;
const THROTTLE_JITTER_MAX_MS = 2_000;

export function throttleJitterMs(waitMs: number, random: () => number = Math.random): number {
	const span = Math.min(THROTTLE_JITTER_MAX_MS, Math.max(THROTTLE_JITTER_MIN_MS, waitMs / 2));
	return Math.round(random() * span);
}

export type ThrottleDecision = { wait: true; delayMs: number } | { wait: false; delayMs: number };

/**
 * Decides how long to wait after Defender throttled a call (429). A throttling answer is not a
 * failure: it does not use a retry, and the item waits as often as Defender asks, for as long as
 * its Max Wait allows. throttleNumber counts the item's 429 answers (1 for the first), for backoff
 * when Retry-After is missing.
 */
export function planThrottleWait(
	throttleNumber: number,
	waitedMs: number,
	policy: RetryPolicy,
	retryAfterMs: number | undefined,
	random: () => number = Math.random,
): ThrottleDecision {
	const remainingMs = policy.maxTotalWaitMs - waitedMs;
	if (retryAfterMs === undefined) {
		const delayMs = backoffDelay(throttleNumber, policy, random);
		return { wait: delayMs <= remainingMs, delayMs };
	}
	// The jitter never makes an item fail whose Retry-After itself fits.
	if (retryAfterMs > remainingMs) return { wait: false, delayMs: retryAfterMs };
	return {
		wait: true,
		delayMs: Math.min(remainingMs, retryAfterMs + throttleJitterMs(retryAfterMs, random)),
	};
}
