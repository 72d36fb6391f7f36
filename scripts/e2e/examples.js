'use strict';
/** The e2e scenarios that execute the example workflows (A–E) and the HTTP Request node with the credential. */
const cli = require('../lib/n8n-cli');
const {
	outputItems,
	unisolatePosts,
	postMachineId,
	lookups,
	countBy,
	isTokenRequest,
} = require('../lib/requests');
const {
	check,
	DEFENDER_NODE,
	ISOLATED_NODE,
	SEEDED_REQUESTOR,
	ticketComment,
	scheduledComment,
	checkProcess,
	n8nRun,
	execute,
	checkAction,
} = require('./common');
const { HTTP_ALLOWED_NODE, HTTP_OTHER_HOST_NODE } = require('./workflows');

const jsonOf = (items) => items.map((item) => item.json);

/** A: the ticket example as shipped: every ticket's device is released. */
async function ticketsAsShipped(t) {
	const { byName } = t;
	const run = await execute(t, t.workflows.tickets);
	const tickets = jsonOf(outputItems(run.runData, 'Closed tickets'));
	check(
		tickets.length >= 2 &&
			tickets.every(
				(ticket) => typeof ticket.ticket === 'string' && byName(ticket.hostname).length === 1,
			),
		`the example's ${tickets.length} tickets each name one simulator device`,
		tickets,
	);
	const released = outputItems(run.runData, DEFENDER_NODE, 0);
	const refused = outputItems(run.runData, DEFENDER_NODE, 1);
	check(
		released.length === tickets.length,
		`one success item per ticket (${released.length}/${tickets.length})`,
		jsonOf(released),
	);
	check(refused.length === 0, 'no error item', jsonOf(refused));
	tickets.forEach((ticket, index) => {
		const item = released.find((r) => r.pairedItem?.item === index) ?? released[index];
		checkAction(
			`ticket ${ticket.ticket}`,
			item,
			byName(ticket.hostname)[0],
			ticketComment(ticket.ticket),
		);
	});
	const summary = jsonOf(outputItems(run.runData, 'Summary'));
	check(
		summary.length === 1 &&
			summary[0].released === tickets.length &&
			summary[0].actions.every(
				(a, i) =>
					a.ticket === tickets[i].ticket && a.machineId === byName(tickets[i].hostname)[0].id,
			),
		'Summary: one item, every ticket released with its machine',
		summary,
	);
	return { ...run, tickets };
}

/** B: ambiguous and unknown hostnames become error items; the other tickets still succeed. */
async function ambiguousAndUnknownHosts(t) {
	const run = await execute(t, t.workflows.failuresCase);
	const released = outputItems(run.runData, DEFENDER_NODE, 0);
	const refused = outputItems(run.runData, DEFENDER_NODE, 1);
	const [ok1, dup, unknown, ok2] = t.workflows.failureTickets;
	check(
		released.length === 2,
		'two success items (the two known, unambiguous hosts)',
		jsonOf(released),
	);
	checkAction(
		`ticket ${ok1.ticket}`,
		released.find((i) => i.pairedItem?.item === 0),
		t.oneByName(ok1.hostname),
		ticketComment(ok1.ticket),
	);
	checkAction(
		`ticket ${ok2.ticket}`,
		released.find((i) => i.pairedItem?.item === 3),
		t.oneByName(ok2.hostname),
		ticketComment(ok2.ticket),
	);
	check(refused.length === 2, 'two error items', jsonOf(refused));
	const dupItem = refused.find((i) => i.pairedItem?.item === 1)?.json ?? {};
	const dupText = `${dupItem.error ?? ''} ${dupItem.details ?? ''}`;
	const dupDevices = t.byName(dup.hostname);
	check(
		dupDevices.length === 2,
		`the simulator has two devices named ${dup.hostname}`,
		dupDevices.map((d) => d.computerDnsName),
	);
	check(
		typeof dupItem.error === 'string' && dupDevices.every((device) => dupText.includes(device.id)),
		`ticket ${dup.ticket}: error item for the ambiguous hostname names both matching devices`,
		dupItem,
	);
	const unknownItem = refused.find((i) => i.pairedItem?.item === 2)?.json ?? {};
	check(
		typeof unknownItem.error === 'string' && unknownItem.error.includes(unknown.hostname),
		`ticket ${unknown.ticket}: error item names the unknown hostname`,
		unknownItem,
	);
	const notReleased = jsonOf(outputItems(run.runData, 'Not released'));
	check(
		notReleased.length === 2 &&
			notReleased
				.map((n) => n.ticket)
				.sort()
				.join() === [dup.ticket, unknown.ticket].join() &&
			notReleased.every((n) => typeof n.error === 'string'),
		'"Not released" branch: the two tickets with their reasons',
		notReleased,
	);
	const summary = jsonOf(outputItems(run.runData, 'Summary'));
	check(summary.length === 1 && summary[0].released === 2, 'Summary: 2 released', summary);
	const posted = new Set(unisolatePosts(run.requests).map(postMachineId));
	check(
		dupDevices.every((device) => !posted.has(device.id)),
		`no POST for either ${dup.hostname} device`,
		[...posted],
	);
	return run;
}

/** C: the scheduled example (trigger swapped), devices by machine ID, one listed twice. */
async function scheduledBulk(t) {
	const { scheduledDevices } = t.workflows;
	const run = await execute(t, t.workflows.scheduled);
	const released = outputItems(run.runData, DEFENDER_NODE, 0);
	const refused = outputItems(run.runData, DEFENDER_NODE, 1);
	check(
		released.length === scheduledDevices.length,
		`one success item per listed device (${released.length}/${scheduledDevices.length})`,
		jsonOf(released),
	);
	check(refused.length === 0, 'no error item', jsonOf(refused));
	scheduledDevices.forEach((entry, index) => {
		const device = t.sim.devices.find((d) => d.id === entry.machineId);
		const firstListing = scheduledDevices.findIndex((e) => e.machineId === entry.machineId);
		const item = released.find((r) => r.pairedItem?.item === index) ?? released[index];
		checkAction(
			`device #${index + 1}`,
			item,
			device,
			scheduledComment(scheduledDevices[firstListing].reason),
		);
	});
	const [, , third, fourth] = scheduledDevices.map(
		(_, index) => released.find((r) => r.pairedItem?.item === index)?.json,
	);
	check(
		third?.id !== undefined && third?.id === fourth?.id,
		'a device listed twice gets one action, reported on both items',
		[third?.id, fourth?.id],
	);
	check(
		lookups(run.requests).length === 0,
		'devices by ID: no hostname lookup',
		lookups(run.requests).map((r) => r.query),
	);
	const summary = jsonOf(outputItems(run.runData, 'Summary'));
	check(
		summary.length === 1 && summary[0].released === scheduledDevices.length,
		`Summary: ${scheduledDevices.length} released`,
		summary,
	);
	return run;
}

/** D: release-and-wait.json as shipped: the node checks each action until Defender reports it done. */
async function releaseAndWait(t) {
	const run = await execute(t, t.workflows.waiting);
	const tickets = jsonOf(outputItems(run.runData, 'Closed tickets'));
	check(
		tickets.length >= 1 && tickets.every((ticket) => t.byName(ticket.hostname).length === 1),
		`the example's ${tickets.length} tickets each name one simulator device`,
		tickets,
	);
	const released = outputItems(run.runData, DEFENDER_NODE, 0);
	const refused = outputItems(run.runData, DEFENDER_NODE, 1);
	check(
		released.length === tickets.length && refused.length === 0,
		`one success item per ticket, no error item (${released.length}/${tickets.length}, ${refused.length})`,
		jsonOf(refused),
	);
	tickets.forEach((ticket, index) => {
		const json =
			(released.find((r) => r.pairedItem?.item === index) ?? released[index])?.json ?? {};
		const device = t.byName(ticket.hostname)[0];
		check(
			json.type === 'Unisolate' &&
				json.status === 'Succeeded' &&
				json.completion === 'completed' &&
				json.machineId === device.id &&
				json.requestorComment === ticketComment(ticket.ticket),
			`ticket ${ticket.ticket}: MachineAction Unisolate/Succeeded, completion "completed", for ${device.computerDnsName}`,
			json,
		);
		// Read by ID (one action) or in the run's batched status list (`id eq '…' or …`, several actions watched together).
		const polls = run.requests.filter(
			(r) =>
				r.method === 'GET' &&
				(r.path === `/api/machineactions/${json.id}` ||
					(r.path === '/api/machineactions' &&
						String(r.query?.$filter ?? '').includes(`id eq '${json.id}'`))),
		);
		check(
			polls.length >= 1 && polls.every((p) => p.status === 200),
			`ticket ${ticket.ticket}: the node checked its action (${polls.length} status reads naming it)`,
			polls.map((p) => p.status),
		);
	});
	const outcomes = jsonOf(outputItems(run.runData, 'Outcome per ticket'));
	check(
		outcomes.length === tickets.length &&
			outcomes.every(
				(o, i) =>
					o.ticket === tickets[i].ticket &&
					o.released === true &&
					o.finalStatus === 'Succeeded' &&
					o.waited === 'completed',
			),
		'"Outcome per ticket" (Set node): every ticket released, Succeeded, completed',
		outcomes,
	);
	return { ...run, tickets };
}

/**
 * Ground truth from the simulator: devices whose newest isolation action is a succeeded Isolate by the seeded
 * requestor, more than 24 hours old (earlier executions released some of the seeded ones already).
 */
function isolatedLongAgo(sim, dayAgo) {
	return sim.devices.filter((device) => {
		const newest = sim
			.actionsOf(device.id)
			.sort((a, b) => Date.parse(b.creationDateTimeUtc) - Date.parse(a.creationDateTimeUtc))[0];
		return (
			newest?.type === 'Isolate' &&
			newest.status === 'Succeeded' &&
			newest.requestor === SEEDED_REQUESTOR &&
			Date.parse(newest.lastUpdateDateTimeUtc) < dayAgo
		);
	});
}

/** E: release-isolated-devices.json (trigger swapped): Get Isolated Devices → release every device it lists. */
async function releaseIsolatedDevices(t) {
	const dayAgo = t.sim.now() - 86_400_000;
	const expected = isolatedLongAgo(t.sim, dayAgo);
	const run = await execute(t, t.workflows.isolated);
	const listed = jsonOf(outputItems(run.runData, ISOLATED_NODE));
	check(
		expected.length >= 5,
		`the simulator has devices isolated more than 24 hours ago (${expected.length})`,
	);
	check(
		JSON.stringify(listed.map((device) => device.machineId).sort()) ===
			JSON.stringify(expected.map((device) => device.id).sort()),
		`Get Isolated Devices listed exactly the ${expected.length} devices isolated more than 24 hours ago by ${SEEDED_REQUESTOR}`,
		{
			listed: listed.map((device) => device.computerDnsName),
			expected: expected.map((device) => device.computerDnsName),
		},
	);
	check(
		listed.every(
			(device) =>
				device.isolationState === 'isolated' &&
				device.requestor === SEEDED_REQUESTOR &&
				Date.parse(device.since) < dayAgo &&
				device.decidedBy?.type === 'Isolate',
		),
		'each listed device: state isolated, since, by whom, and the deciding action',
		listed,
	);
	const listCalls = run.requests.filter(
		(r) =>
			r.method === 'GET' &&
			r.path === '/api/machineactions' &&
			r.query?.$filter === "type eq 'Isolate' or type eq 'Unisolate'",
	);
	check(
		listCalls.length === 1,
		`one call listed the tenant's isolation actions (${listCalls.length})`,
	);
	const released = outputItems(run.runData, DEFENDER_NODE, 0);
	check(
		released.length === listed.length && outputItems(run.runData, DEFENDER_NODE, 1).length === 0,
		`one success item per listed device (${released.length}/${listed.length})`,
	);
	const posted = countBy(unisolatePosts(run.requests).map(postMachineId));
	check(
		expected.every((device) => posted.get(device.id) === 1) && posted.size === expected.length,
		'exactly one POST per listed device, none for any other',
		[...posted],
	);
	const summary = jsonOf(outputItems(run.runData, 'Summary'));
	check(
		summary.length === 1 && summary[0].released === listed.length,
		`Summary: ${listed.length} released`,
		summary,
	);
	return { ...run, listed };
}

/** The credential in n8n's HTTP Request node: its Allowed HTTP Request Domains default to the cloud's hosts. */
async function httpRequestNode(t) {
	const { sim } = t;
	const { id } = t.workflows.httpRequest;
	const from = sim.requests.length;
	const result = await n8nRun(t, `execute ${id}`, ['execute', `--id=${id}`, '--rawOutput']);
	checkProcess(`n8n execute --id=${id}`, result);
	const runData = cli.parseExecuteOutput(result.stdout)?.data?.resultData?.runData ?? {};
	const allowed = jsonOf(outputItems(runData, HTTP_ALLOWED_NODE));
	check(
		allowed.length === 1 && allowed[0].value?.length === 1,
		"a request to the cloud's API host (the simulator, by its address) is made with the credential's token",
		allowed,
	);
	const refused = jsonOf(outputItems(runData, HTTP_OTHER_HOST_NODE));
	check(
		refused.length === 1 &&
			/^Domain not allowed: .*localhost.*allowed: 127\.0\.0\.1$/.test(
				refused[0].error?.message ?? '',
			),
		'the same request to another host name (localhost) is refused by n8n before it is sent',
		refused,
	);
	const seen = sim.requests.slice(from, sim.requests.length).filter((r) => !isTokenRequest(r));
	check(
		seen.length === 1 && seen[0].hasBearer,
		'the simulator saw only the allowed request',
		seen.map((r) => r.path),
	);
}

module.exports = {
	ticketsAsShipped,
	ambiguousAndUnknownHosts,
	scheduledBulk,
	releaseAndWait,
	releaseIsolatedDevices,
	httpRequestNode,
};
