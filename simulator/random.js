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

/** A version-4-shaped GUID from a PRNG. */
function guid(random) {
	const h = hex(random, 32);
	return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

module.exports = { seededRandom, hex, guid };
