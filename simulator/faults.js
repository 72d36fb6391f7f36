'use strict';
/** Injected faults (setFaults): bursts and rates of 429, 5xx, dropped connections and malformed bodies, per route. */
const { seededRandom } = require('./random');

const BURSTS = ['burst429', 'burst5xx', 'burstDrop', 'burstMalformed'];

/** Route name for fault filters, e.g. "POST /api/machines/:id/unisolate". */
function routeOf(method, path) {
	return `${method} ${path
		.replace(/^\/api\/machines\/findbyip\(.*\)$/, '/api/machines/findbyip')
		.replace(/^\/api\/machines\/[^/]+/, (m) =>
			m === '/api/machines/findbyip' ? m : '/api/machines/:id',
		)
		.replace(/^\/api\/machineactions\/[^/]+/, '/api/machineactions/:id')}`;
}

/** The fault settings in force, their seeded random source and the bursts left. */
function createFaults(seed) {
	const state = { settings: {}, random: seededRandom(seed), bursts: {} };
	return {
		get settings() {
			return state.settings;
		},
		random: () => state.random(),
		set(next = {}) {
			state.settings = { ...next };
			state.random = seededRandom(next.seed ?? seed);
			for (const kind of BURSTS) state.bursts[kind] = next[kind]?.count ?? 0;
		},
		pick: (route) => pickFault(state, route),
	};
}

/** Which injected fault, if any, hits this call. */
function pickFault({ settings: faults, random, bursts }, route) {
	if (faults.only && !faults.only.includes(route)) return undefined;
	const roll = (rate) => rate > 0 && random() < rate;
	const burst = (kind) => (bursts[kind] > 0 ? (bursts[kind]--, true) : false);
	if (burst('burst429') || roll(faults.rate429)) return '429';
	if (burst('burst5xx') || roll(faults.rate5xx)) return '5xx';
	if (burst('burstDrop') || roll(faults.dropRate))
		return faults.burstDrop?.afterProcessing || faults.dropAfterProcessing ? 'dropAfter' : 'drop';
	if (burst('burstMalformed') || roll(faults.malformedRate)) return 'malformed';
	return undefined;
}

module.exports = { routeOf, createFaults };
