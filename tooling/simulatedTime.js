'use strict';
/**
 * A clock for the node that runs on the simulator's scaled time: now() is simulated time and a wait of N simulated
 * ms takes N / timeScale real ms. With it an hour of Defender's quota passes in a minute at time scale 60.
 */
function simulatedClock(simulator, timeScale) {
	return {
		now: () => simulator.now(),
		sleep: (ms, signal) =>
			new Promise((resolve, reject) => {
				if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
				const timer = setTimeout(resolve, ms / timeScale);
				signal?.addEventListener(
					'abort',
					() => {
						clearTimeout(timer);
						reject(signal.reason ?? new Error('aborted'));
					},
					{ once: true },
				);
			}),
	};
}

module.exports = { simulatedClock };
