'use strict';
/**
 * F: release-with-approval.json up to the approver's answer. The example's Wait node waits for a person; the e2e
 * stands in for the approver with the answer "Do not release", so the run shows what a change board sees: the dry
 * run's plan for every isolated device, and nothing sent. (Scenario E then releases the same devices for real.)
 */
const { outputItems, unisolatePosts } = require('../lib/requests');
const { readExample, withManualTrigger, nodeNamed } = require('../lib/workflows');
const { check, SEEDED_REQUESTOR, execute } = require('./common');

const DRY_RUN_NODE = 'Release (Dry Run)';
const LISTER_NODE = 'Isolated devices';

/** The example with a Manual Trigger as shipped, and the approver's answer in place of the Wait node. */
function approvalWorkflow() {
	const example = readExample('release-with-approval.json');
	const workflow = withManualTrigger(example, 'n8n-nodes-base.manualTrigger');
	workflow.id = 'e2eReleaseWithApproval';
	workflow.name = `${example.name} (e2e: not approved)`;
	// The simulator's incidents were isolated by soc@contoso.com, not by this app.
	nodeNamed(workflow, LISTER_NODE).parameters.filters.requestor = SEEDED_REQUESTOR;
	Object.assign(nodeNamed(workflow, 'Approval'), {
		type: 'n8n-nodes-base.code',
		typeVersion: 2,
		parameters: { jsCode: "return [{ json: { Decision: 'Do not release' } }];" },
	});
	return workflow;
}

async function releaseWithApprovalRefused(t) {
	const run = await execute(t, t.workflows.approval, DRY_RUN_NODE);
	const listed = outputItems(run.runData, LISTER_NODE).map((item) => item.json);
	const planned = outputItems(run.runData, DRY_RUN_NODE).map((item) => item.json);
	check(listed.length >= 5, `Get Isolated Devices listed the isolated devices (${listed.length})`);
	check(
		planned.length === listed.length &&
			planned.every(
				(item, n) =>
					item.dryRun === true &&
					item.machineId === listed[n].machineId &&
					item.wouldSend === true &&
					item.isolationState === 'isolated' &&
					typeof item.reason === 'string',
			),
		`the dry run planned a release for each of the ${listed.length} devices (dryRun, wouldSend, isolationState, reason)`,
		planned.slice(0, 3),
	);
	check(
		unisolatePosts(run.requests).length === 0 &&
			run.requests.every(
				(request) => request.method === 'GET' || request.path.includes('/oauth2/'),
			),
		'the dry run and the refused approval sent nothing: no POST to Defender',
		run.requests.filter((request) => request.method !== 'GET').map((r) => `${r.method} ${r.path}`),
	);
	const toRelease = outputItems(run.runData, 'Devices to release');
	check(toRelease.length === 0, 'not approved: no device goes on to the release');
	return run;
}

module.exports = { approvalWorkflow, releaseWithApprovalRefused };
