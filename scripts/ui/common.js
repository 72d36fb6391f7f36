'use strict';
/** The browser test's steps: each counted, a failure reported with a screenshot; `ui: N passed, M failed` last. */
const { screenshot } = require('../lib/browser');

const counts = { passed: 0, failed: 0 };

class StepFailed extends Error {}

/** Runs one step; a failure is reported with a screenshot and ends the test (later steps depend on it). */
async function step(what, fn) {
	const started = Date.now();
	try {
		const detail = await fn();
		counts.passed++;
		console.log(
			`  ok   ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)${detail ? `: ${detail}` : ''}`,
		);
	} catch (error) {
		counts.failed++;
		const file = await screenshot(what);
		console.log(
			`  FAIL ${what}\n       ${String(error?.message ?? error)
				.split('\n')
				.join('\n       ')}${file ? `\n       screenshot: ${file}` : ''}`,
		);
		throw new StepFailed();
	}
}

/** An error outside a step (or before the first) counts as a failure too. */
async function unexpected(error) {
	if (error instanceof StepFailed) return;
	counts.failed++;
	const file = await screenshot('unexpected');
	console.log(`  FAIL ${error?.stack ?? error}${file ? `\n       screenshot: ${file}` : ''}`);
}

function finish() {
	console.log(`ui: ${counts.passed} passed, ${counts.failed} failed`);
	process.exitCode = counts.failed > 0 ? 1 : 0;
}

module.exports = { counts, step, unexpected, finish };
