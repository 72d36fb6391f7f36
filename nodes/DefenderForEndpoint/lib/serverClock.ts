/**
 * What Defender's clock says, learned from the HTTP Date header of its answers. Actions carry
 * Defender's timestamps; deciding whether an action was created before or after one of our requests
 * needs Defender's time, not ours.
 *
 * Each answer bounds the offset (Defender's time minus ours): the header was written between our
 * send and our receipt, and truncated to the second. Until an answer has been seen, the clocks are
 * assumed to agree within UNMEASURED_SKEW_MS (NTP-synchronised hosts; real Defender answers always
 * carry a Date header).
 */
export const UNMEASURED_SKEW_MS = 30_000;
/** HTTP dates have a resolution of one second. */
const DATE_RESOLUTION_MS = 1_000;

export interface OffsetBounds {
	/** Defender's time is at least our time plus this. */
	minMs: number;
	/** Defender's time is at most our time plus this. */
	maxMs: number;
}

export class ServerClock {
	private bounds: OffsetBounds | undefined;

	/**
	 * Narrows the offset with one answer: sent and received on our clock, `dateHeader` on Defender's.
	 */
	observe(sentAtMs: number, receivedAtMs: number, dateHeader: unknown): void {
		if (typeof dateHeader !== 'string') return;
		const serverMs = Date.parse(dateHeader);
		if (Number.isNaN(serverMs) || receivedAtMs < sentAtMs) return;
		const minMs = serverMs - receivedAtMs;
		const maxMs = serverMs + DATE_RESOLUTION_MS - sentAtMs;
		// Clocks drift and hosts change: the newest answer wins when it contradicts what was learned
		// before.
		const previous = this.bounds;
		if (previous && minMs <= previous.maxMs && maxMs >= previous.minMs) {
			this.bounds = {
				minMs: Math.max(minMs, previous.minMs),
				maxMs: Math.min(maxMs, previous.maxMs),
			};
		} else {
			this.bounds = { minMs, maxMs };
		}
	}

	offset(): OffsetBounds {
		return this.bounds ?? { minMs: -UNMEASURED_SKEW_MS, maxMs: UNMEASURED_SKEW_MS };
	}

	/** The earliest Defender time that our local time `localMs` can be. */
	earliest(localMs: number): number {
		return localMs + this.offset().minMs;
	}

	/** The latest Defender time that our local time `localMs` can be. */
	latest(localMs: number): number {
		return localMs + this.offset().maxMs;
	}
}
