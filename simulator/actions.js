'use strict';
/**
 * Machine actions: created by a POST (or seeded), Pending → InProgress → final over simulated time, rendered as
 * Defender's MachineAction entity. `sim` is the simulator's state (state.js).
 */
const crypto = require('node:crypto');

const FINAL = new Set(['Succeeded', 'Failed', 'TimeOut', 'Cancelled']);

function createAction(sim, device, type, comment, requestor, scope, createdMs = sim.now()) {
	// Action IDs are GUIDs, unique across simulators as Defender's are across time: a client may remember them.
	const action = {
		id: crypto.randomUUID(),
		type,
		machine: device,
		comment,
		requestor,
		scope,
		createdMs,
		cancellation: null,
	};
	sim.actions.set(action.id, action);
	return action;
}

function statusOf(sim, action, atMs = sim.now()) {
	const { actionTimeline, quirks } = sim.options;
	if (action.cancellation) return { status: 'Cancelled', since: action.cancellation.atMs };
	// A device that is not reporting picks up its actions only when it checks in again: they stay Pending.
	if (quirks.holdWhileInactive && action.machine.healthStatus !== 'Active')
		return { status: 'Pending', since: action.createdMs };
	const pendingUntil = action.createdMs + actionTimeline.pendingSeconds * 1000;
	const runningUntil =
		action.completesAtMs ?? pendingUntil + actionTimeline.inProgressSeconds * 1000;
	if (atMs < pendingUntil) return { status: 'Pending', since: action.createdMs };
	if (atMs < runningUntil) return { status: 'InProgress', since: pendingUntil };
	return { status: quirks.finalStatus?.[action.machine.id] ?? 'Succeeded', since: runningUntil };
}

/** The device's isolation actions that have not reached a final state. */
const underWay = (sim, device) =>
	[...sim.actions.values()].filter(
		(action) =>
			action.machine === device &&
			['Isolate', 'Unisolate'].includes(action.type) &&
			!FINAL.has(statusOf(sim, action).status),
	);

function render(sim, action) {
	const { status, since } = statusOf(sim, action);
	return {
		'@odata.context': `${sim.url}/api/$metadata#MachineActions/$entity`,
		id: action.id,
		type: action.type,
		title: null,
		requestor: action.requestor,
		requestorComment: action.comment,
		status,
		machineId: action.machine.id,
		computerDnsName: action.machine.computerDnsName,
		creationDateTimeUtc: new Date(action.createdMs).toISOString(),
		lastUpdateDateTimeUtc: new Date(since).toISOString(),
		cancellationRequestor: action.cancellation?.requestor ?? null,
		cancellationComment: action.cancellation?.comment ?? null,
		cancellationDateTimeUtc: action.cancellation
			? new Date(action.cancellation.atMs).toISOString()
			: null,
		errorHResult: 0,
		scope: action.scope ?? null,
		externalId: null,
		requestSource: 'PublicApi',
		relatedFileInfo: null,
		commands: [],
		troubleshootInfo: null,
	};
}

/** The history (older) first, so the seeded incidents stay each device's newest actions. */
function seedActions(sim) {
	const { devices, simStart } = sim;
	for (let n = 0; n < sim.options.historyActions; n++) {
		const device = devices[n % devices.length];
		const round = Math.floor(n / devices.length);
		createAction(
			sim,
			device,
			round % 2 ? 'Unisolate' : 'Isolate',
			`History ${round}`,
			'soc@contoso.com',
			round % 2 ? null : 'Full',
			simStart - (30 - round) * 86_400_000 + n,
		);
	}
	devices.forEach((device, index) => {
		const n = index + 1;
		if (n % 3 === 0)
			createAction(
				sim,
				device,
				'Isolate',
				'Seeded: isolated during an incident',
				'soc@contoso.com',
				'Full',
				simStart - 2 * 86_400_000,
			);
		if (n % 10 === 0)
			createAction(
				sim,
				device,
				'Isolate',
				'Seeded: isolation pending',
				'soc@contoso.com',
				'Full',
				simStart,
			);
	});
}

module.exports = { FINAL, createAction, statusOf, underWay, render, seedActions };
