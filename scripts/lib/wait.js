'use strict';
/** Waiting for local servers the scripts start (n8n main and workers, Chromium's debugging endpoint). */

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls a health URL until it answers 200; fails early if the process exits. */
async function waitForHealth(url, label, process_, timeoutMs = 3 * 60_000) {
	const giveUpAt = Date.now() + timeoutMs;
	for (;;) {
		if (process_ && process_.child.exitCode !== null)
			throw new Error(
				`${label} exited (code ${process_.child.exitCode}) before it answered ${url}`,
			);
		const status = await fetch(url).then(
			(response) => response.status,
			() => 0,
		);
		if (status === 200) return;
		if (Date.now() > giveUpAt)
			throw new Error(`${label} did not answer ${url} within ${timeoutMs / 1000} s`);
		await sleep(500);
	}
}

/**
 * Waits until n8n main has registered a POST webhook: a GET to it answers "not registered" before, "Did you mean to
 * make a POST request?" once it is.
 */
async function waitForWebhook(url, main, timeoutMs = 3 * 60_000) {
	const giveUpAt = Date.now() + timeoutMs;
	for (;;) {
		if (main.child.exitCode !== null)
			throw new Error(`n8n main exited (code ${main.child.exitCode})`);
		const text = await fetch(url).then(
			(response) => response.text(),
			() => '',
		);
		if (/Did you mean to make a POST request/.test(text)) return;
		if (Date.now() > giveUpAt)
			throw new Error(
				`n8n did not register the webhook ${url} within ${timeoutMs / 1000} s: ${text.slice(0, 300)}`,
			);
		await sleep(500);
	}
}

/** Polls a URL until it answers 2xx; resolves to its text. */
async function waitForHttp(url, timeoutMs) {
	const giveUp = Date.now() + timeoutMs;
	for (;;) {
		try {
			const response = await fetch(url);
			if (response.ok) return await response.text();
		} catch {
			// not up yet
		}
		if (Date.now() > giveUp) throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
		await sleep(500);
	}
}

module.exports = { sleep, waitForHealth, waitForWebhook, waitForHttp };
