'use strict';
/** The browser test's steps from the credential on: the device picker, releases, and the delegated sign-in. */
const {
	WAIT,
	browser,
	byTestId,
	visible,
	waitForText,
	clickText,
	chooseOption,
	settle,
	typeInto,
} = require('../lib/browser');
const { checkCredentialForm, fillSimulatorCredential, closeModal } = require('./editor');

const MODAL = byTestId('editCredential-modal');

/** What the user sees when the credential test fails: the error's details and the form's non-secret values. */
async function credentialTestFailure(u, result) {
	const { page } = browser;
	await clickText('More details', MODAL, 5_000).catch(() => undefined);
	const form = await page
		.$eval(MODAL, (el) => el.innerText.replace(/\s+/g, ' ').slice(0, 1500))
		.catch(() => '(closed)');
	const values = await page.$$eval(`${MODAL} input:not([type="password"])`, (els) =>
		els.map(
			(el) =>
				`${el.closest('[data-test-id^="parameter-input-"]')?.getAttribute('data-test-id') ?? '?'}=${el.value}`,
		),
	);
	return new Error(
		`the credential test answered ${JSON.stringify(result)}\nform: ${form}\nvalues: ${values.join(' ')}\nsent: ${u.credentialPosts.join('\n      ')}`,
	);
}

async function createCredential(u) {
	const { page } = browser;
	const { sim } = u;
	await clickText('Connect to Defender for Endpoint', byTestId('ndv'));
	await visible(MODAL);
	await checkCredentialForm(MODAL);
	await page.click(`${MODAL} ${byTestId('parameter-input-cloud')}`);
	await chooseOption('Custom');
	await fillSimulatorCredential(MODAL, sim, {
		customApiBaseUrl: sim.apiBaseUrl,
		customTokenUrl: sim.tokenUrl,
	});
	// The editor takes a field's value a moment after the last key stroke (a Save right away sent "h" as the
	// Token URL): leave the field, as a user does, and wait for the value to settle.
	await settle();
	const testAnswer = page.waitForResponse(
		(response) => response.url().includes('/rest/credentials/test'),
		{ timeout: 90_000 },
	);
	await page.click(`${MODAL} ${byTestId('credential-save-button')}`);
	// n8n runs the credential test on Save; its answer is what the modal shows.
	const result = (await (await testAnswer).json().catch(() => ({})))?.data ?? {};
	if (result.status !== 'OK') throw await credentialTestFailure(u, result);
	// The credential test's own request (GET /api/machines?$top=1) was answered 200 by the simulator.
	const probe = sim.requests.find(
		(request) =>
			request.method === 'GET' &&
			request.path === '/api/machines' &&
			request.query.$top === '1' &&
			request.status === 200,
	);
	if (!probe)
		throw new Error(
			`the credential test passed without reading a device at the simulator: ${sim.requests.map((request) => `${request.method} ${request.path} ${request.status}`).join('; ')}`,
		);
	// A modal opened from the node panel closes by itself after a passed test (n8n 2.41.1); the node then uses it.
	await closeModal(MODAL);
	await page.waitForFunction(
		() =>
			![
				...document.querySelectorAll('[data-test-id="editCredential-modal"] .el-dialog__close'),
			].some((el) => el.checkVisibility()),
		{ timeout: WAIT },
	);
	const tokenRequests = sim.requests.filter((request) =>
		/oauth2\/v2\.0\/token/.test(request.path ?? request.url ?? ''),
	).length;
	return `test passed: "${result.message}" (${tokenRequests} token request(s) at the simulator)`;
}

async function devicePicker() {
	const { page } = browser;
	const locator = byTestId('resource-locator-device');
	await visible(locator);
	await page
		.click(`${locator} ${byTestId('rlc-input')}`)
		.catch(async () => await page.click(locator));
	await visible(byTestId('rlc-search'));
	// n8n 2.41.1 puts the test ID on the search input itself (older editors on its wrapper).
	const search =
		(await page.$(`${byTestId('rlc-search')} input`)) ??
		(await page.$(`input${byTestId('rlc-search')}`));
	if (!search) throw new Error('no search field in the device picker');
	await search.type('ws-000', { delay: 20 });
	await waitForText('ws-0001.contoso.local', WAIT);
	// The list's rows, read from the page (n8n 2.41.1 renders the dropdown outside the locator).
	const items = await page.$$eval('*', (els) =>
		els
			.filter(
				(el) =>
					el.children.length === 0 &&
					/^ws-\d{4}\.contoso\.local\b/.test(el.innerText?.trim() ?? '') &&
					el.checkVisibility(),
			)
			.map((el) => el.innerText.trim()),
	);
	if (items.length === 0) throw new Error('no device listed');
	await page.keyboard.press('Tab');
	return `${items.length} devices, first ${items[0]}`;
}

async function setHostname(hostname) {
	const locator = byTestId('resource-locator-device');
	await browser.page.click(`${locator} ${byTestId('rlc-mode-selector')}`);
	await chooseOption('Name');
	await modeShownWhole(`${locator} ${byTestId('rlc-mode-selector')}`, 'Name');
	await typeInto(`${locator} input[type="text"]:not([readonly])`, hostname);
	await settle();
}

/** The locator's mode selector shows `label` whole: n8n 2.41.1's node panel cut the mode "Hostname" to "Hostnam". */
async function modeShownWhole(selector, label) {
	const shown = await browser.page.$eval(
		selector,
		(el, wanted) => {
			const holders = [...el.querySelectorAll('input')].filter(
				(input) => input.value.trim() === wanted,
			);
			holders.push(
				...[...el.querySelectorAll('*')].filter(
					(part) => part.children.length === 0 && part.innerText?.trim() === wanted,
				),
			);
			const cut = holders
				.filter((part) => part.scrollWidth > part.clientWidth + 1)
				.map((part) => `${part.scrollWidth} px of text in ${part.clientWidth} px`);
			return {
				found: holders.length,
				cut,
				text:
					el.innerText.trim() ||
					[...el.querySelectorAll('input')].map((input) => input.value).join(' '),
			};
		},
		label,
	);
	if (shown.found === 0 || shown.cut.length > 0)
		throw new Error(
			`the Device mode selector shows "${shown.text}"${shown.cut.length ? `, cut: ${shown.cut.join('; ')}` : `, not "${label}"`}`,
		);
}

async function releaseByHostname({ sim, target }) {
	await setHostname(target.computerDnsName);
	await typeInto(
		`${byTestId('parameter-input-comment')} input, ${byTestId('parameter-input-comment')} textarea`,
		'Released by the UI test',
	);
	await settle();
	await browser.page.click(byTestId('node-execute-button'));
	await waitForText(target.id, 90_000, byTestId('output-panel'));
	await waitForText('created', WAIT, byTestId('output-panel'));
	const posts = sim.requests.filter(
		(request) =>
			request.method === 'POST' &&
			String(request.path ?? request.url).includes(`/api/machines/${target.id}/unisolate`),
	);
	if (posts.length !== 1)
		throw new Error(`${posts.length} unisolate POSTs for ${target.id} at the simulator`);
	if (posts[0].body?.Comment !== 'Released by the UI test')
		throw new Error(`the POST carried the comment ${JSON.stringify(posts[0].body?.Comment)}`);
	return 'output shows the machine action; one POST at the simulator';
}

async function ambiguousHostname({ sim }, hostname) {
	const before = sim.requests.filter((request) => request.method === 'POST').length;
	await setHostname(hostname);
	await browser.page.click(byTestId('node-execute-button'));
	await waitForText(/2 Defender devices are named/, 90_000, byTestId('ndv'));
	const after = sim.requests.filter((request) => request.method === 'POST').length;
	if (after !== before) throw new Error(`${after - before} POST(s) sent for an ambiguous hostname`);
	return 'error shown, nothing posted';
}

module.exports = {
	MODAL,
	createCredential,
	devicePicker,
	setHostname,
	releaseByHostname,
	ambiguousHostname,
};
