'use strict';
/** Reporting for the scripts that test real n8n (e2e, queue mode): named checks, timed phases, a summary line. */

function createReport(label) {
	let passed = 0;
	let failed = 0;
	const failures = [];
	const timings = [];

	function check(condition, what, detail) {
		if (condition) {
			passed++;
			console.log(`  ok   ${what}`);
		} else {
			failed++;
			failures.push(what);
			console.log(
				`  FAIL ${what}${detail === undefined ? '' : `\n       ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`}`,
			);
		}
		return Boolean(condition);
	}

	/** An error that ended the run early: counted as a failure. */
	function fail(error) {
		failed++;
		failures.push(error.message ?? String(error));
		console.log(`\n  FAIL ${error.stack ?? error}`);
	}

	async function phase(name, fn) {
		const started = Date.now();
		console.log(`\n== ${name}`);
		try {
			return await fn();
		} finally {
			timings.push([name, Date.now() - started]);
		}
	}

	/** Prints the timings, the failures and `<label>: N passed, M failed` last; sets the exit code. */
	function finish(extraTimings = '') {
		console.log(
			`\ntimings: ${timings.map(([name, ms]) => `${name.split(' (')[0]} ${seconds(ms)}`).join('; ')}${extraTimings}`,
		);
		if (failures.length)
			console.log(`failed: ${failures.map((f) => `\n  - ${f.split('\n')[0]}`).join('')}`);
		console.log(`${label}: ${passed} passed, ${failed} failed`);
		process.exitCode = failed === 0 ? 0 : 1;
	}

	return { check, fail, phase, finish };
}

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const clip = (text, max = 4000) =>
	text.length > max ? `${text.slice(0, max)}\n… (${text.length - max} more characters)` : text;

module.exports = { createReport, seconds, clip };
