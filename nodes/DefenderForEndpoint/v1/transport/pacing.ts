import type { INode } from 'n8n-workflow';

import type { SlidingWindowRateLimiter } from '../../lib/rateLimiter';
import { planRetry, planThrottleWait } from '../../lib/retryPolicy';
import type { CallContext, RetryBudget } from './call';
import { describeRateLimitWait, operationError } from './errors';
import type { Clock } from './runtime';

/**
 * When a call may go: its slot under Defender's quota (the process's limiter), the wait after a
 * 429, and the backoff before a retry; every wait is drawn from the item's retry budget, and one it
 * cannot cover fails the item.
 */
export class Pacer {
	constructor(
		private readonly limiter: SlidingWindowRateLimiter,
		private readonly clock: Clock,
		private readonly node: () => INode,
		/** Sleeps unless the execution is cancelled, which ends the wait at once. */
		private readonly sleep: (ms: number) => Promise<void>,
	) {}

	/** The call booked for `bookedAtMs` was answered now; a call Defender throttled did not count. */
	settle(bookedAtMs: number, counted: boolean): void {
		this.limiter.settle(bookedAtMs, this.clock.now(), counted);
	}

	/** Waits before the next retry, or throws when the item's retry budget cannot cover it. */
	async backoff(
		context: CallContext,
		retryAfterMs: number | undefined,
		giveUpMessage: string,
	): Promise<void> {
		const { budget, itemIndex, what } = context;
		const decision = planRetry(budget.retries + 1, budget.waitedMs, budget.policy, retryAfterMs);
		if (!decision.retry) {
			const retryAt = new Date(this.clock.now() + decision.delayMs).toISOString();
			const limit =
				decision.reason === 'attempts'
					? `after ${budget.policy.maxRetries} retries`
					: `within the Max Wait of ${Math.round(budget.policy.maxTotalWaitMs / 1000)} s`;
			throw operationError(
				this.node(),
				itemIndex,
				`${giveUpMessage} ${limit} while trying to ${what}; retry after ${retryAt}`,
				'Raise "Max Retries" or "Max Wait" in the node options, or run the workflow again later.',
			);
		}
		budget.retries++;
		await this.pause(decision.delayMs, budget);
	}

	/**
	 * Defender throttled the call (429): a request to wait, not a failure. The item waits Retry-After
	 * plus jitter (so that workers told the same wait do not return together) as often as Defender
	 * asks, within its Max Wait; the process's limiter pauses as long, and lowers its share of the
	 * quota only when throttling persists (SHARE).
	 */
	async waitOutThrottling(context: CallContext, retryAfterMs: number | undefined): Promise<void> {
		const { budget, itemIndex, what } = context;
		const decision = planThrottleWait(
			budget.throttles + 1,
			budget.waitedMs,
			budget.policy,
			retryAfterMs,
		);
		const now = this.clock.now();
		this.limiter.throttled(now, now + decision.delayMs);
		if (!decision.wait) {
			const retryAt = new Date(now + decision.delayMs).toISOString();
			const answers = budget.throttles + 1;
			throw operationError(
				this.node(),
				itemIndex,
				`Defender kept answering HTTP 429 Too Many Requests (${answers} answer${answers === 1 ? '' : 's'}) and the next wait goes beyond the Max Wait of ${Math.round(budget.policy.maxTotalWaitMs / 1000)} s while trying to ${what}; retry after ${retryAt}`,
				'Another client uses this app registration’s quota too. Raise "Max Wait" in the node options (throttling answers do not count against Max Retries), or run the workflow again later.',
			);
		}
		budget.throttles++;
		await this.pause(decision.delayMs, budget);
	}

	/** Waits for the call's slot under Defender's quota and returns it. */
	async slot(context: CallContext): Promise<number> {
		const { budget, itemIndex, what } = context;
		for (;;) {
			const now = this.clock.now();
			const reservation = this.limiter.reserve(now, budget.remainingMs);
			if (!reservation.granted) {
				const retryAt = new Date(reservation.availableAtMs).toISOString();
				const why = describeRateLimitWait(this.limiter.nextSlot(now).wait);
				throw operationError(
					this.node(),
					itemIndex,
					`Rate limit budget exhausted: Defender allows this app 100 calls a minute and 1,500 an hour, and the next free slot is beyond the Max Wait of ${Math.round(budget.policy.maxTotalWaitMs / 1000)} s (${why}); retry after ${retryAt}`,
					`Nothing was sent to ${what}. Re-run the failed items after ${retryAt}, or raise "Max Wait" in the node options.`,
				);
			}
			await this.pause(reservation.atMs - now, budget);
			// Defender throttled the app while this call waited for its slot: book again under the new
			// share.
			if (this.limiter.confirm(reservation)) return reservation.atMs;
		}
	}

	private async pause(ms: number, budget: RetryBudget): Promise<void> {
		await this.sleep(ms);
		budget.waitedMs += Math.max(0, ms);
	}
}
