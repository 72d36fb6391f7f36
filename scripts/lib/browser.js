'use strict';
/**
 * Driving n8n's editor in Debian's Chromium with puppeteer-core (scripts/ui-test.js): the browser on loopback only,
 * and helpers that find, click and type the way a user does. `browser.page` is the page they act on.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');

const { sleep } = require('./wait');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const WAIT = 60_000;

const browser = { page: undefined, shotDir: undefined, shots: 0 };

async function screenshot(label) {
	const { page } = browser;
	if (!page) return undefined;
	browser.shotDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-mde-ui-shots-'));
	const file = path.join(
		browser.shotDir,
		`${String(++browser.shots).padStart(2, '0')}-${label.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.png`,
	);
	await page.screenshot({ path: file }).catch(() => undefined);
	return file;
}

const byTestId = (id) => `[data-test-id="${id}"]`;

async function visible(selector, timeout = WAIT) {
	return await browser.page.waitForSelector(selector, { visible: true, timeout });
}

/** Waits until the page's visible text contains `text` (or matches a RegExp). */
async function waitForText(text, timeout = WAIT, scope = 'body') {
	const pattern =
		text instanceof RegExp
			? { source: text.source, flags: text.flags }
			: { source: text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), flags: '' };
	await browser.page.waitForFunction(
		(sel, p) => {
			const root = document.querySelector(sel);
			return Boolean(root && new RegExp(p.source, p.flags).test(root.innerText));
		},
		{ timeout },
		scope,
		pattern,
	);
}

/** Clicks the innermost visible element under `scope` whose own text is exactly `text`. */
async function clickText(text, scope = 'body', timeout = WAIT) {
	const handle = await browser.page.waitForFunction(
		(sel, wanted) => {
			const roots = [...document.querySelectorAll(sel)];
			for (const root of roots) {
				const all = [...root.querySelectorAll('*')].filter(
					(el) => el.offsetParent !== null && el.innerText?.trim() === wanted,
				);
				const innermost = all.filter(
					(el) => !all.some((other) => other !== el && el.contains(other)),
				);
				if (innermost.length > 0) return innermost[0];
			}
			return null;
		},
		{ timeout },
		scope,
		text,
	);
	await handle.asElement().click();
}

/** Picks the option `text` of the open select dropdown, scrolling the list to it first (headless does not scroll). */
async function chooseOption(text, timeout = WAIT) {
	const handle = await browser.page.waitForFunction(
		(wanted) => {
			const options = [...document.querySelectorAll('.el-select-dropdown__item, [role="option"]')];
			return (
				options.find((el) => el.offsetParent !== null && el.innerText?.trim() === wanted) ?? null
			);
		},
		{ timeout },
		text,
	);
	// The dropdown opens with an animation during which the option has no clickable box: click it in the page.
	await handle.evaluate((el) => {
		el.scrollIntoView({ block: 'center' });
		el.click();
	});
}

async function typeInto(selector, text) {
	const input = await visible(selector);
	await input.click({ clickCount: 3 });
	await browser.page.keyboard.press('Backspace');
	await input.type(text, { delay: 5 });
}

/** Leaves the field just typed into and waits until the editor has taken its value (it lags the key strokes). */
async function settle() {
	await browser.page.keyboard.press('Tab');
	await sleep(1500);
}

function startChromium(port, userDataDir) {
	const args = [
		'--headless=new',
		'--no-sandbox',
		'--disable-gpu',
		'--disable-dev-shm-usage',
		'--remote-debugging-address=127.0.0.1',
		`--remote-debugging-port=${port}`,
		'--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
		'--no-first-run',
		'--disable-background-networking',
		'--disable-component-update',
		'--disable-sync',
		'--disable-breakpad',
		'--disable-crash-reporter',
		'--window-size=1600,1000',
		`--user-data-dir=${userDataDir}`,
		'about:blank',
	];
	return spawn(CHROMIUM, args, { stdio: 'ignore', detached: true });
}

/** Ends a detached child's process group. */
function killGroup(child) {
	if (!child || child.exitCode !== null) return;
	try {
		process.kill(-child.pid, 'SIGTERM');
	} catch {
		// gone
	}
}

module.exports = {
	CHROMIUM,
	WAIT,
	browser,
	screenshot,
	byTestId,
	visible,
	waitForText,
	clickText,
	chooseOption,
	typeInto,
	settle,
	startChromium,
	killGroup,
};
