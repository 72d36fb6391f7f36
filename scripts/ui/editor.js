'use strict';
/** The browser test's steps in n8n's editor up to a working application credential: one function per step. */
const crypto = require('node:crypto');

const {
	WAIT,
	browser,
	byTestId,
	visible,
	waitForText,
	clickText,
	chooseOption,
	typeInto,
} = require('../lib/browser');
const { sleep, waitForHttp } = require('../lib/wait');

const OWNER = {
	email: 'ui-test@example.com',
	firstName: 'UI',
	lastName: 'Test',
	password: `Ui-${crypto.randomBytes(9).toString('hex')}1`,
};

async function n8nStarts(u) {
	await waitForHttp(`${u.base}/healthz/readiness`, 180_000);
	const setup = await fetch(`${u.base}/rest/owner/setup`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify(OWNER),
	});
	const body = await setup.json().catch(() => undefined);
	if (!setup.ok || !body?.data) throw new Error(`owner setup answered ${setup.status}`);
	return u.base;
}

async function chromiumRuns(u, debugPort) {
	const version = JSON.parse(
		await waitForHttp(`http://127.0.0.1:${debugPort}/json/version`, 60_000),
	);
	u.browser = await u.puppeteer.connect({
		browserURL: `http://127.0.0.1:${debugPort}`,
		defaultViewport: { width: 1600, height: 1000 },
	});
	const page = await u.browser.newPage();
	browser.page = page;
	page.setDefaultTimeout(WAIT);
	// What the editor sends to /rest/credentials (field names, and values that are not secrets), for failures.
	page.on('request', (request) => {
		if (!/\/rest\/credentials/.test(request.url()) || request.method() === 'GET') return;
		try {
			const body = JSON.parse(request.postData() ?? '{}');
			const data = body.credentials?.data ?? body.data ?? {};
			const shown = Object.fromEntries(
				Object.entries(data).map(([key, value]) => [
					key,
					/secret|oauthTokenData/i.test(key) && !String(value).startsWith('=') ? '[hidden]' : value,
				]),
			);
			u.credentialPosts.push(
				`${request.method()} ${new URL(request.url()).pathname} ${JSON.stringify(shown)}`,
			);
		} catch {
			u.credentialPosts.push(`${request.method()} ${request.url()} (no JSON body)`);
		}
	});
	return version.Browser;
}

async function signIn(u) {
	const { page } = browser;
	await page.goto(`${u.base}/signin`, { waitUntil: 'domcontentloaded' });
	await typeInto('input[name="emailOrLdapLoginId"], input[type="email"]', OWNER.email);
	await typeInto('input[name="password"], input[type="password"]', OWNER.password);
	await page.keyboard.press('Enter');
	await page.waitForFunction(() => !location.pathname.startsWith('/signin'), { timeout: WAIT });
	await page.goto(`${u.base}/workflow/new`, { waitUntil: 'domcontentloaded' });
	await visible(byTestId('canvas-plus-button') + ', ' + byTestId('canvas-add-button'));
}

/**
 * The package has a trigger too: on an empty canvas n8n's node creator lists the package's triggers first and folds
 * its actions under "Actions (N)". Unfolds them, as a user would, when they are folded.
 */
async function unfoldActions() {
	const { page } = browser;
	const creator = byTestId('node-creator');
	const header = await page
		.waitForFunction(
			(sel) => {
				const text = document.querySelector(sel)?.innerText ?? '';
				if (text.includes('Release a device from isolation')) return 'unfolded';
				return text.match(/^Actions \(\d+\)$/m)?.[0] ?? null;
			},
			{ timeout: WAIT },
			creator,
		)
		.then(async (handle) => await handle.jsonValue());
	if (header !== 'unfolded') await clickText(header, creator);
}

async function nodeCreator() {
	const { page } = browser;
	await page
		.click(byTestId('canvas-add-button'))
		.catch(async () => await page.click(byTestId('canvas-plus-button')));
	await visible(byTestId('node-creator-search-bar'));
	await page.type(byTestId('node-creator-search-bar'), 'Defender', { delay: 20 });
	await clickText('Defender for Endpoint', byTestId('node-creator'));
	await unfoldActions();
	await waitForText('Release a device from isolation', WAIT, byTestId('node-creator'));
	const text = await page.$eval(byTestId('node-creator'), (el) => el.innerText);
	if (/machine action actions/i.test(text))
		throw new Error('the node creator still shows "MACHINE ACTION ACTIONS"');
	// The node's icon shows, and its dark-theme variant is served too.
	const icons = await page.$$eval(`${byTestId('node-creator')} img`, (imgs) =>
		imgs
			.filter((img) => /defenderForEndpoint/.test(img.src))
			.map((img) => ({ src: img.src, shown: img.complete && img.naturalWidth > 0 })),
	);
	if (!icons.some((icon) => icon.shown))
		throw new Error(`the node's icon does not show: ${JSON.stringify(icons)}`);
	const dark = icons[0].src.replace(/defenderForEndpoint\.svg/, 'defenderForEndpoint.dark.svg');
	const darkStatus = await page.evaluate(async (url) => (await fetch(url)).status, dark);
	if (darkStatus !== 200) throw new Error(`the dark icon ${dark} answered ${darkStatus}`);
	await clickText('Release a device from isolation', byTestId('node-creator'));
	await visible(byTestId('ndv'));
}

/** The credential form's fields, in order, each once, with the defaults this package sets. */
async function checkCredentialForm(modal) {
	const { page } = browser;
	const labels = await page.$$eval(
		`${modal} ${byTestId('credential-connection-parameter')}`,
		(els) => els.map((el) => el.innerText.split('\n')[0].trim()),
	);
	const expected = [
		/^Cloud/,
		/^Tenant ID/,
		/^Client ID \(Application ID\)/,
		/^Client Secret/,
		/^Allowed HTTP Request Domains/,
	];
	if (!expected.every((pattern, index) => pattern.test(labels[index] ?? '')))
		throw new Error(`fields in this order: ${labels.join(' | ')}`);
	if (labels.filter((label) => /^Allowed HTTP Request Domains/.test(label)).length !== 1)
		throw new Error(`Allowed HTTP Request Domains shown more than once: ${labels.join(' | ')}`);
	const domains = await page.$eval(
		`${modal} ${byTestId('parameter-input-httpRequestDomains')} input`,
		(el) => el.value,
	);
	if (domains !== "This Cloud's Hosts")
		throw new Error(
			`Allowed HTTP Request Domains defaults to "${domains}", not "This Cloud's Hosts"`,
		);
	if (labels.filter((label) => /^Client (ID|Secret)/.test(label)).length !== 2)
		throw new Error(`Client ID / Secret shown more than once: ${labels.join(' | ')}`);
	if (labels.some((label) => /Send Additional Body Properties/.test(label)))
		throw new Error('"Send Additional Body Properties" is shown');
}

/** Types the simulator's tenant, app, secret and URLs into the open credential modal (`urls`: field → value). */
async function fillSimulatorCredential(modal, sim, urls) {
	await typeInto(
		`${modal} ${byTestId('parameter-input-tenantId')} input`,
		sim.credentials.tenantId,
	);
	await typeInto(
		`${modal} ${byTestId('parameter-input-applicationId')} input`,
		sim.credentials.clientId,
	);
	await typeInto(
		`${modal} ${byTestId('parameter-input-applicationSecret')} input`,
		sim.credentials.clientSecret,
	);
	for (const [field, value] of Object.entries(urls))
		await typeInto(`${modal} ${byTestId(`parameter-input-${field}`)} input`, value);
}

/** Closes the credential modal if n8n left it open (n8n 2.41.1 closes it by itself after a passed test). */
async function closeModal(modal) {
	await sleep(1000);
	const close = await browser.page.$(`${modal} .el-dialog__close`);
	if (close && (await close.isVisible())) await close.click();
}

module.exports = {
	n8nStarts,
	chromiumRuns,
	signIn,
	nodeCreator,
	checkCredentialForm,
	fillSimulatorCredential,
	closeModal,
};
