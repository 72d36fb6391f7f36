'use strict';
/**
 * The browser test's delegated sign-in: the Authentication choice, the delegated credential connected through n8n's
 * real consent redirect (editor → popup → the simulator's authorize endpoint → n8n's /rest/oauth2-credential/callback,
 * which redeems the code), then a release that Defender records as requested by the analyst.
 */
const {
	WAIT,
	browser,
	byTestId,
	visible,
	waitForText,
	clickText,
	chooseOption,
	settle,
} = require('../lib/browser');
const { fillSimulatorCredential, closeModal } = require('./editor');
const { sleep } = require('../lib/wait');
const { MODAL, setHostname } = require('./release');

async function delegatedForm() {
	const { page } = browser;
	// n8n's editor shows a node's Authentication parameter not in the node panel but as the new credential's
	// "connect using" choice.
	await page.click(byTestId('node-credentials-select'));
	await clickText('Create new credential');
	await visible(MODAL);
	// The "connect using" choice is a select at the top right of the modal.
	await clickText('Application (Client Credentials)', MODAL);
	await clickText('Delegated (Signed-In User)');
	await visible(`${MODAL} ${byTestId('parameter-input-applicationId')}`);
	await page.click(`${MODAL} ${byTestId('parameter-input-cloud')}`);
	await chooseOption('Custom');
	await visible(`${MODAL} ${byTestId('parameter-input-customAuthUrl')}`);
	return 'Authorization URL field shown for the Custom cloud';
}

/** Clicks "Connect my account" and waits for the consent window to open. */
async function openConsentWindow(u) {
	const popup = new Promise((resolve) => u.browser.once('targetcreated', resolve));
	const connectButton = await browser.page.waitForFunction(
		(sel) =>
			[...document.querySelectorAll(`${sel} button, ${sel} [role="button"]`)].find(
				(el) =>
					el.checkVisibility() &&
					/connect my account|sign in with microsoft|^connect$/i.test(el.innerText?.trim() ?? ''),
			) ?? null,
		{ timeout: WAIT },
		MODAL,
	);
	await connectButton.asElement().click();
	// The timer is cleared once the window opened: a pending one kept the process alive for a minute after the summary.
	let noPopup;
	await Promise.race([
		popup,
		new Promise(
			(_, reject) =>
				(noPopup = setTimeout(() => reject(new Error('no consent window opened')), WAIT)),
		),
	]).finally(() => clearTimeout(noPopup));
}

async function connectDelegated(u) {
	const { sim, base } = u;
	await fillSimulatorCredential(MODAL, sim, {
		customApiBaseUrl: sim.apiBaseUrl,
		customAuthUrl: sim.authorizeUrl,
		customTokenUrl: sim.tokenUrl,
	});
	await settle();
	await openConsentWindow(u);
	// n8n redeems the code in its callback and then closes the modal (n8n 2.41.1), as after a passed credential test.
	const giveUp = Date.now() + 90_000;
	while (
		!sim.requests.some(
			(request) => request.body?.grant_type === 'authorization_code' && request.status === 200,
		)
	) {
		if (Date.now() > giveUp)
			throw new Error(
				`n8n did not redeem a code: ${sim.requests
					.slice(-5)
					.map((r) => `${r.method} ${r.path} ${r.status}`)
					.join('; ')}`,
			);
		await sleep(250);
	}
	await browser.page.waitForFunction(
		() =>
			!document.querySelector('[data-test-id="editCredential-modal"]')?.checkVisibility() ||
			/connected/i.test(
				document.querySelector('[data-test-id="editCredential-modal"]')?.innerText ?? '',
			),
		{ timeout: WAIT },
	);
	const visits = sim.requests.filter((request) => request.path.endsWith('/oauth2/v2.0/authorize'));
	const redeemed = sim.requests.filter(
		(request) => request.body?.grant_type === 'authorization_code' && request.status === 200,
	);
	if (visits.length !== 1 || visits[0].status !== 302)
		throw new Error(`authorize endpoint visits: ${JSON.stringify(visits.map((v) => v.status))}`);
	const redirect = visits[0].query.redirect_uri;
	if (redirect !== `${base}/rest/oauth2-credential/callback`)
		throw new Error(`redirect_uri ${redirect}`);
	if (redeemed.length !== 1)
		throw new Error(`${redeemed.length} code redemptions at the simulator`);
	if (
		!/Machine\.Isolate/.test(visits[0].query.scope) ||
		!/offline_access/.test(visits[0].query.scope)
	)
		throw new Error(`scope ${visits[0].query.scope}`);
	await closeModal(MODAL);
	return `redirect_uri ${redirect}; scope "${visits[0].query.scope}"; one code redeemed`;
}

async function releaseAsAnalyst({ sim }, device, analyst) {
	await setHostname(device.computerDnsName);
	await browser.page.click(byTestId('node-execute-button'));
	await waitForText(device.id, 90_000, byTestId('output-panel'));
	await waitForText(analyst, WAIT, byTestId('output-panel'));
	const actions = sim.actionsOf(device.id).filter((action) => action.type === 'Unisolate');
	if (actions.length !== 1 || actions[0].requestor !== analyst)
		throw new Error(`actions at the simulator: ${JSON.stringify(actions.map((a) => a.requestor))}`);
	return `requestor ${actions[0].requestor} at the simulator and in the output panel`;
}

module.exports = { delegatedForm, connectDelegated, releaseAsAnalyst };
