'use strict';
/** Defender's throttling: at most `perMinute` calls in any rolling minute and `perHour` in any rolling hour, per key. */
class RateLimits {
	constructor({ perMinute = 100, perHour = 1500 } = {}) {
		this.windows = [
			{ limit: perMinute, ms: 60_000 },
			{ limit: perHour, ms: 3_600_000 },
		];
		/** @type {Map<string, number[]>} call times (simulated ms), ascending */
		this.calls = new Map();
	}

	/** Records the call and returns 0, or returns how many simulated ms until a call would be allowed. */
	admit(key, nowMs) {
		const times = this.calls.get(key) ?? [];
		const longest = this.windows.at(-1).ms;
		while (times.length && times[0] <= nowMs - longest) times.shift();
		let waitMs = 0;
		for (const { limit, ms } of this.windows) {
			const inWindow = times.filter((time) => time > nowMs - ms);
			if (inWindow.length >= limit)
				waitMs = Math.max(waitMs, inWindow[inWindow.length - limit] + ms - nowMs);
		}
		if (waitMs > 0) return waitMs;
		times.push(nowMs);
		this.calls.set(key, times);
		return 0;
	}

	/** Calls admitted for the key in the last simulated minute. */
	lastMinute(key, nowMs) {
		return (this.calls.get(key) ?? []).filter((time) => time > nowMs - 60_000).length;
	}

	reset() {
		this.calls.clear();
	}
}

module.exports = { RateLimits };
