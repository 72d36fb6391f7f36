'use strict';
/**
 * The workflows under test: the examples as shipped (their shape checked; triggers swapped where `n8n execute`
 * needs it), a copy of the ticket example whose tickets name an ambiguous and an unknown hostname, and an HTTP
 * Request workflow with the credential.
 */
const fs = require('node:fs');
const path = require('node:path');

const {
	NODE_TYPE,
	CREDENTIAL_TYPE,
	readExample,
	nodeNamed,
	itemsCode,
	withManualTrigger,
} = require('../lib/workflows');
const { approvalWorkflow } = require('./approval');
const {
	check,
	CREDENTIAL,
	DEFENDER_NODE,
	ISOLATED_NODE,
	SEEDED_REQUESTOR,
	TICKET_COMMENT_TEMPLATE,
} = require('./common');

const HTTP_ALLOWED_NODE = 'Cloud API host';
const HTTP_OTHER_HOST_NODE = 'Another host';
const FAILURE_TICKETS = [
	{ ticket: 'INC-2001', hostname: 'ws-0012.contoso.local' },
	{ ticket: 'INC-2002', hostname: 'dup-host.contoso.local' },
	{ ticket: 'INC-2003', hostname: 'no-such-host.contoso.local' },
	{ ticket: 'INC-2004', hostname: 'ws-0015.contoso.local' },
];

function checkExampleShape(file, workflow) {
	const defender = nodeNamed(workflow, DEFENDER_NODE);
	check(
		defender &&
			defender.type === NODE_TYPE &&
			defender.typeVersion === 1 &&
			defender.parameters.resource === 'device' &&
			defender.parameters.operation === 'releaseFromIsolation',
		`${file}: "${DEFENDER_NODE}" is ${NODE_TYPE} v1, device → releaseFromIsolation`,
		defender,
	);
	check(
		defender?.credentials?.[CREDENTIAL_TYPE]?.id === CREDENTIAL.id &&
			defender?.credentials?.[CREDENTIAL_TYPE]?.name === CREDENTIAL.name,
		`${file}: uses the ${CREDENTIAL_TYPE} credential "${CREDENTIAL.name}"`,
		defender?.credentials,
	);
	const allowed = new Set([
		'n8n-nodes-base.manualTrigger',
		'n8n-nodes-base.scheduleTrigger',
		'n8n-nodes-base.code',
		'n8n-nodes-base.set',
		NODE_TYPE,
	]);
	const others = workflow.nodes.filter((node) => !allowed.has(node.type)).map((node) => node.type);
	check(others.length === 0, `${file}: only core n8n nodes besides Defender for Endpoint`, others);
	return defender;
}

/** The examples' shape, as the scenarios expect it. */
function checkExamples({ ticketExample, scheduledExample, waitExample, isolatedExample }) {
	const ticketDefender = checkExampleShape('ticket-to-release.json', ticketExample);
	check(
		ticketDefender?.parameters?.device?.__rl === true &&
			ticketDefender.parameters.device.mode === 'hostname',
		'ticket-to-release.json: device by hostname (resource locator)',
		ticketDefender?.parameters?.device,
	);
	check(
		ticketDefender?.parameters?.comment === TICKET_COMMENT_TEMPLATE,
		'ticket-to-release.json: the comment this test expects, with a quote and non-ASCII characters',
		ticketDefender?.parameters?.comment,
	);
	check(
		nodeNamed(ticketExample, 'Closed tickets')?.type === 'n8n-nodes-base.code' &&
			ticketExample.nodes.some((n) => n.type === 'n8n-nodes-base.manualTrigger'),
		'ticket-to-release.json: Manual Trigger → Code node with the tickets',
	);
	const scheduledDefender = checkExampleShape('scheduled-bulk-release.json', scheduledExample);
	check(
		scheduledExample.nodes.some((n) => n.type === 'n8n-nodes-base.scheduleTrigger'),
		'scheduled-bulk-release.json: starts with a Schedule Trigger',
	);
	check(
		scheduledDefender?.parameters?.device?.mode === 'id',
		'scheduled-bulk-release.json: device by machine ID (resource locator)',
		scheduledDefender?.parameters?.device,
	);

	const waitDefender = checkExampleShape('release-and-wait.json', waitExample);
	check(
		waitDefender?.parameters?.waitForCompletion === true &&
			waitDefender?.parameters?.comment === TICKET_COMMENT_TEMPLATE,
		'release-and-wait.json: Wait for Completion on, the same comment as the ticket example',
		waitDefender?.parameters,
	);

	const isolatedDefender = checkExampleShape('release-isolated-devices.json', isolatedExample);
	const lister = nodeNamed(isolatedExample, ISOLATED_NODE);
	check(
		lister?.type === NODE_TYPE &&
			lister.parameters.operation === 'getIsolatedDevices' &&
			lister.parameters.filters?.states?.join() === 'isolated' &&
			/minus\(24, 'hours'\)/.test(lister.parameters.filters?.isolatedBefore),
		`release-isolated-devices.json: "${ISOLATED_NODE}" lists devices isolated more than 24 hours ago`,
		lister?.parameters,
	);
	check(
		isolatedDefender?.parameters?.device?.value === '={{ $json.machineId }}',
		'release-isolated-devices.json: releases each listed device by its machine ID',
		isolatedDefender?.parameters?.device,
	);
}

/** The "workflows" phase: checks the examples and writes the seven workflows to import. */
function prepareWorkflows(t) {
	const examples = {
		ticketExample: readExample('ticket-to-release.json'),
		scheduledExample: readExample('scheduled-bulk-release.json'),
		waitExample: readExample('release-and-wait.json'),
		isolatedExample: readExample('release-isolated-devices.json'),
	};
	checkExamples(examples);
	const { ticketExample, scheduledExample, waitExample, isolatedExample } = examples;
	const tickets = {
		...structuredClone(ticketExample),
		id: 'e2eTicketsAsShipped',
		name: `${ticketExample.name} (e2e)`,
	};
	const waiting = {
		...structuredClone(waitExample),
		id: 'e2eReleaseAndWait',
		name: `${waitExample.name} (e2e)`,
	};
	const failuresCase = structuredClone(ticketExample);
	failuresCase.id = 'e2eTicketsFailures';
	failuresCase.name = `${ticketExample.name} (e2e: ambiguous and unknown hosts)`;
	const failureTickets = structuredClone(FAILURE_TICKETS);
	nodeNamed(failuresCase, 'Closed tickets').parameters.jsCode = itemsCode(failureTickets);
	const { scheduled, scheduledDevices } = scheduledWorkflow(t, scheduledExample);
	const isolated = withManualTrigger(isolatedExample, 'n8n-nodes-base.scheduleTrigger');
	isolated.id = 'e2eReleaseIsolated';
	isolated.name = `${isolatedExample.name} (e2e)`;
	// The simulator's incidents were isolated by soc@contoso.com, not by this app.
	nodeNamed(isolated, ISOLATED_NODE).parameters.filters.requestor = SEEDED_REQUESTOR;
	const httpRequest = httpRequestWorkflow(t.sim.apiBaseUrl);
	const approval = approvalWorkflow();

	const file = path.join(t.temp, 'workflows.json');
	fs.writeFileSync(
		file,
		JSON.stringify(
			[tickets, failuresCase, scheduled, waiting, isolated, httpRequest, approval],
			null,
			2,
		),
	);
	return {
		file,
		tickets,
		failuresCase,
		failureTickets,
		scheduled,
		scheduledDevices,
		waiting,
		isolated,
		httpRequest,
		approval,
	};
}

/** The scheduled example with a Manual Trigger: the same devices, looked up in this simulator, plus one listed twice. */
function scheduledWorkflow(t, scheduledExample) {
	const scheduled = withManualTrigger(scheduledExample, 'n8n-nodes-base.scheduleTrigger');
	scheduled.id = 'e2eScheduledBulk';
	scheduled.name = `${scheduledExample.name} (e2e)`;
	const scheduledDevices = [
		'ws-0018.contoso.local',
		'ws-0011.contoso.local',
		'ws-0013.contoso.local',
		'ws-0013.contoso.local',
	].map((hostname, index) => ({
		machineId: t.oneByName(hostname).id,
		reason: `CHG-${3001 + index} containment window ended`,
	}));
	nodeNamed(scheduled, 'Devices due for release').parameters.jsCode = itemsCode(scheduledDevices);
	return { scheduled, scheduledDevices };
}

/** Manual Trigger → HTTP Request to the API host → the same request to another name of the same machine. */
function httpRequestWorkflow(apiBaseUrl) {
	const request = (name, baseUrl, x) => ({
		id: name,
		name,
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		position: [x, 0],
		parameters: {
			url: `${baseUrl}/api/machines?$top=1`,
			authentication: 'predefinedCredentialType',
			nodeCredentialType: CREDENTIAL_TYPE,
			options: {},
		},
		credentials: { [CREDENTIAL_TYPE]: CREDENTIAL },
		onError: 'continueRegularOutput',
	});
	return {
		id: 'e2eHttpRequestDomains',
		name: 'HTTP Request with the Defender credential (e2e)',
		active: false,
		settings: {},
		nodes: [
			{
				id: 'trigger',
				name: 'Start',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			request(HTTP_ALLOWED_NODE, apiBaseUrl, 200),
			request(HTTP_OTHER_HOST_NODE, apiBaseUrl.replace('127.0.0.1', 'localhost'), 400),
		],
		connections: {
			Start: { main: [[{ node: HTTP_ALLOWED_NODE, type: 'main', index: 0 }]] },
			[HTTP_ALLOWED_NODE]: { main: [[{ node: HTTP_OTHER_HOST_NODE, type: 'main', index: 0 }]] },
		},
	};
}

module.exports = { prepareWorkflows, HTTP_ALLOWED_NODE, HTTP_OTHER_HOST_NODE };
