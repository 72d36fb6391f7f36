'use strict';
/**
 * F: delegated sign-in, against a simulator of its own (the request-log checks stay about the app). The credential
 * holds what n8n stores after "Connect my account" (a code redeemed at the simulator); its access token is expired
 * first, so n8n itself renews it with the refresh token grant.
 */
const fs = require('node:fs');
const path = require('node:path');

const cli = require('../lib/n8n-cli');
const { isTokenRequest, outputItems } = require('../lib/requests');
const { NODE_TYPE, itemsCode } = require('../lib/workflows');
const { check, DEFENDER_NODE, checkProcess, n8nRun } = require('./common');
const { databaseFiles } = require('./audit');

const { REPO_ROOT } = cli;
const CREDENTIAL = {
	id: 'defenderDelegated',
	name: 'Analyst (simulator)',
	type: 'defenderForEndpointDelegatedOAuth2Api',
};
const WORKFLOW_ID = 'e2eDelegatedRelease';

const grants = (requests) =>
	requests.filter(isTokenRequest).map((request) => `${request.body?.grant_type}:${request.status}`);
const jsonOf = (items) => items.map((item) => item.json);

/** Start → the two devices → Release From Isolation as the signed-in user, errors to the error output. */
function delegatedWorkflow(inside, outside) {
	const defender = {
		id: 'd3',
		name: DEFENDER_NODE,
		type: NODE_TYPE,
		typeVersion: 1,
		position: [400, 0],
		parameters: {
			authentication: 'delegated',
			resource: 'device',
			operation: 'releaseFromIsolation',
			device: { __rl: true, mode: 'id', value: '={{ $json.machineId }}' },
			comment: 'Released by the analyst (e2e)',
		},
		credentials: { [CREDENTIAL.type]: { id: CREDENTIAL.id, name: CREDENTIAL.name } },
		onError: 'continueErrorOutput',
	};
	return {
		id: WORKFLOW_ID,
		name: 'Delegated release (e2e)',
		nodes: [
			{
				id: 'd1',
				name: 'Start',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			{
				id: 'd2',
				name: 'Devices',
				type: 'n8n-nodes-base.code',
				typeVersion: 2,
				position: [200, 0],
				parameters: { jsCode: itemsCode([{ machineId: inside.id }, { machineId: outside.id }]) },
			},
			defender,
		],
		connections: {
			Start: { main: [[{ node: 'Devices', type: 'main', index: 0 }]] },
			Devices: { main: [[{ node: DEFENDER_NODE, type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	};
}

/** Imports the credential holding the stored sign-in, and the workflow. */
async function importDelegated(t, delegatedSim, tokenData, workflow) {
	const { simulatorDelegatedCredential } = require(
		path.join(REPO_ROOT, 'tooling', 'simulatorCredential'),
	);
	const credentialsFile = path.join(t.temp, 'delegated-credentials.json');
	fs.writeFileSync(
		credentialsFile,
		JSON.stringify([
			{ ...CREDENTIAL, data: simulatorDelegatedCredential(delegatedSim, tokenData) },
		]),
	);
	const workflowFile = path.join(t.temp, 'delegated-workflow.json');
	fs.writeFileSync(workflowFile, JSON.stringify([workflow]));
	const importedCredential = await n8nRun(t, 'import:credentials (delegated)', [
		'import:credentials',
		`--input=${credentialsFile}`,
	]);
	fs.rmSync(credentialsFile);
	checkProcess('n8n import:credentials (delegated, with the stored sign-in)', importedCredential);
	checkProcess(
		'n8n import:workflow (delegated)',
		await n8nRun(t, 'import:workflow (delegated)', ['import:workflow', `--input=${workflowFile}`]),
	);
}

/** One `n8n execute` of the delegated workflow, with the requests it made. */
async function runOnce(t, delegatedSim, label) {
	const from = delegatedSim.requests.length;
	const result = await n8nRun(t, label, ['execute', `--id=${WORKFLOW_ID}`, '--rawOutput']);
	const output = cli.parseExecuteOutput(result.stdout);
	return {
		result,
		output,
		runData: output?.data?.resultData?.runData ?? {},
		requests: delegatedSim.requests.slice(from),
	};
}

/** First run: the device inside the analyst's groups is released as the analyst, the other refused; one refresh. */
async function firstRun(t, s) {
	const first = await runOnce(t, s.sim, 'execute delegated release');
	checkProcess('n8n execute (delegated release)', first.result);
	const released = jsonOf(outputItems(first.runData, DEFENDER_NODE, 0));
	const refused = jsonOf(outputItems(first.runData, DEFENDER_NODE, 1));
	check(
		released.length === 1 &&
			released[0].machineId === s.inside.id &&
			released[0].requestor === s.upn &&
			released[0].outcome === 'created',
		`delegated: the device in the analyst's device group is released with requestor ${s.upn}`,
		released,
	);
	const insideActions = s.sim.actionsOf(s.inside.id);
	check(
		insideActions.length === 1 && insideActions[0].requestor === s.upn,
		`delegated: the simulator recorded the Unisolate action as requested by ${s.upn}`,
		insideActions,
	);
	check(
		refused.length === 1 &&
			refused[0].error ===
				`Defender refused the signed-in user permission to unisolate device ${s.outside.id}` &&
			/device groups/.test(refused[0].details ?? '') &&
			s.sim.actionsOf(s.outside.id).length === 0,
		"delegated: the device outside the analyst's device groups is an error item that explains the 403, and no action exists for it",
		refused,
	);
	check(
		JSON.stringify(grants(first.requests)) === JSON.stringify(['refresh_token:200']),
		'delegated: n8n renewed the expired access token with the refresh token grant, once',
		grants(first.requests),
	);
}

/** After the sign-in was revoked: "reconnect the credential" for both items, after one refresh attempt. */
async function revokedRun(t, s) {
	s.sim.expireTokens();
	s.sim.delegated.revokeRefreshTokens();
	const revoked = await runOnce(
		t,
		s.sim,
		'execute delegated release after the sign-in was revoked',
	);
	const errors = jsonOf(outputItems(revoked.runData, DEFENDER_NODE, 1));
	check(
		errors.length === 2 &&
			errors.every(
				(item) =>
					item.error ===
					'The delegated sign-in has expired or was revoked: reconnect the credential',
			) &&
			grants(revoked.requests).join() === 'refresh_token:400',
		'delegated: a revoked refresh token (AADSTS50173) gives "reconnect the credential" for both items, after one refresh attempt',
		{ errors, grants: grants(revoked.requests) },
	);
	check(
		revoked.requests
			.filter((request) => request.path.startsWith('/api/'))
			.map((request) => `${request.method} ${request.status}`)
			.join() === 'GET 401',
		'delegated: with a revoked sign-in the run made one API call (answered 401) and posted nothing; the second item failed without a call',
		revoked.requests.map((r) => `${r.method} ${r.path} ${r.status}`),
	);
}

/** No access or refresh token in the delegated commands' output, nor the refresh token in clear in n8n's database. */
function checkDelegatedLeaks(t, s) {
	const refreshToken = s.tokenData.refresh_token;
	const mine = t.transcript.filter((entry) => /delegated/.test(entry.label));
	const leaks = mine
		.filter(
			(entry) =>
				s.sim.leaksToken(entry.stdout + entry.stderr) ||
				(entry.stdout + entry.stderr).includes(refreshToken),
		)
		.map((entry) => entry.label);
	check(
		leaks.length === 0,
		'delegated: no access or refresh token in the output of the delegated n8n commands',
		leaks,
	);
	const dbLeaks = databaseFiles(t.userFolder).filter((file) =>
		fs.readFileSync(path.join(t.userFolder, '.n8n', file)).includes(Buffer.from(refreshToken)),
	);
	check(
		dbLeaks.length === 0,
		"delegated: the refresh token is not in clear in n8n's database",
		dbLeaks,
	);
}

async function delegatedSignIn(t) {
	const { startSimulator } = require(path.join(REPO_ROOT, 'simulator'));
	const { signInAtSimulator } = require(path.join(REPO_ROOT, 'tooling', 'simulatorCredential'));
	const sim = await startSimulator({ port: 0, deviceCount: 12, seedActions: false });
	try {
		const s = { sim, upn: sim.delegated.users[0].upn };
		s.inside = sim.devices.find((device) => device.rbacGroupName === 'SOC devices');
		s.outside = sim.devices.find((device) => device.rbacGroupName === 'Finance servers');
		s.tokenData = await signInAtSimulator(sim);
		sim.expireTokens();
		await importDelegated(t, sim, s.tokenData, delegatedWorkflow(s.inside, s.outside));
		await firstRun(t, s);
		const second = await runOnce(t, sim, 'execute delegated release again');
		checkProcess('n8n execute (delegated, second run)', second.result);
		check(
			grants(second.requests).length === 0 &&
				second.requests.every((request) => request.status !== 401),
			'delegated: the next execution uses the renewed token n8n stored (no token request, no 401)',
			grants(second.requests),
		);
		await revokedRun(t, s);
		checkDelegatedLeaks(t, s);
	} finally {
		await sim.close();
	}
}

module.exports = { delegatedSignIn };
