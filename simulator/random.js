'use strict';
/** A small seeded PRNG (mulberry32): the same seed gives the same inventory and the same faults every run. */
function seededRandom(seed) {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** Lower-case hex of the given length from a PRNG. */
function hex(random, length) {
	let out = '';
	while (out.length < length) out += Math.floor(random() * 16).toString(16);
	return out;
}

module.exports = { seededRandom, hex };
