'use strict';
/** What the e2e test's scenarios share: its report, its constants, and running `n8n execute` with its checks. */
const cli = require('../lib/n8n-cli');
const { createReport, seconds, clip } = require('../lib/checks');
const { nodeRun } = require('../lib/requests');

const report = createReport('e2e');
const { check } = report;

const CREDENTIAL = { id: 'defenderSimulator', name: 'Defender (simulator)' };
const DEFENDER_NODE = 'Release From Isolation';
const ISOLATED_NODE = 'Isolated for more than 24 hours';
/** Who isolated the simulator's seeded incidents. */
const SEEDED_REQUESTOR = 'soc@contoso.com';
const TICKET_COMMENT_TEMPLATE =
	'=Released after {{ $json.ticket }} was closed – scan "clean", approved by Zoë';
const ticketComment = (ticket) =>
	`Released after ${ticket} was closed – scan "clean", approved by Zoë`;
const scheduledComment = (reason) => `Scheduled release: ${reason}`;

/** Checks of the n8n process result common to every command. */
function checkProcess(label, result) {
	check(!result.timedOut, `${label}: finished in time (${seconds(result.ms)})`);
	check(
		result.code === 0,
		`${label}: exit code 0`,
		result.code === 0
			? undefined
			: clip(`exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`),
	);
	const unknownType = /Unrecognized node type|Unrecognized credential type|is not known/i.exec(
		result.stdout + result.stderr,
	);
	check(!unknownType, `${label}: n8n knows the node and credential types`, unknownType?.[0]);
}

/** Runs an n8n command with the test's environment; its output joins the transcript searched for secrets. */
async function n8nRun(t, label, args) {
	const result = await cli.runN8n(t.n8n, args, t.env);
	t.transcript.push({ label, ...result });
	return result;
}

/** `n8n execute --rawOutput` of an imported workflow, with the checks every execution of the examples passes. */
async function execute(t, workflow, defenderNode = DEFENDER_NODE) {
	const from = t.sim.requests.length;
	const result = await n8nRun(t, `execute ${workflow.id}`, [
		'execute',
		`--id=${workflow.id}`,
		'--rawOutput',
	]);
	const requests = t.sim.requests.slice(from, t.sim.requests.length);
	checkProcess(`n8n execute --id=${workflow.id}`, result);
	const output = cli.parseExecuteOutput(result.stdout);
	check(
		output !== undefined,
		`n8n execute --id=${workflow.id}: --rawOutput printed the run data`,
		output ? undefined : clip(result.stdout + result.stderr),
	);
	const runData = output?.data?.resultData?.runData ?? {};
	// n8n 1.85.3's `execute` prints a successful run with status "running"; `finished: true` is set on success only.
	const successStatus =
		output?.status === 'success' || (t.n8nVersion.startsWith('1.') && output?.status === 'running');
	check(
		successStatus && output?.finished === true && !output?.data?.resultData?.error,
		`n8n execute --id=${workflow.id}: execution finished with success`,
		output?.data?.resultData?.error ?? { status: output?.status, finished: output?.finished },
	);
	const defenderRun = nodeRun(runData, defenderNode);
	check(
		defenderRun !== undefined && defenderRun.executionStatus !== 'error',
		`n8n execute --id=${workflow.id}: the community node ran (its type was loaded from .n8n/nodes)`,
		defenderRun?.error ?? Object.keys(runData),
	);
	return { result, runData, requests };
}

/** Output item i is the MachineAction for `device`: a pending Unisolate with the comment sent. */
function checkAction(label, item, device, comment) {
	const json = item?.json ?? {};
	check(
		json.type === 'Unisolate' &&
			json.status === 'Pending' &&
			json.machineId === device.id &&
			json.requestorComment === comment &&
			typeof json.id === 'string' &&
			json.id.length > 0,
		`${label}: MachineAction Unisolate/Pending for ${device.computerDnsName} (${device.id.slice(0, 8)}…)`,
		json,
	);
}

module.exports = {
	report,
	check,
	CREDENTIAL,
	DEFENDER_NODE,
	ISOLATED_NODE,
	SEEDED_REQUESTOR,
	TICKET_COMMENT_TEMPLATE,
	ticketComment,
	scheduledComment,
	checkProcess,
	n8nRun,
	execute,
	checkAction,
};
