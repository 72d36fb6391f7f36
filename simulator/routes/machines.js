'use strict';
/**
 * Defender's machine endpoints: GET /api/machines, GET /api/machines/findbyip(…), GET /api/machines/{id} and
 * POST /api/machines/{id}/isolate|unisolate. Each handler takes the call (routes/api.js) and returns [status, body].
 */
const { errorBody } = require('../answers');
const { createAction, underWay, render } = require('../actions');
const { page } = require('../paging');

const ISOLATION_TYPES = new Set(['Full', 'Selective', 'UnManagedDevice']);
const FIND_BY_IP = /^\/api\/machines\/findbyip\(ip='([^']*)',timestamp=([^)]*)\)$/;
const MACHINE = /^\/api\/machines\/([^/]+)(?:\/(isolate|unisolate))?$/;

function listMachines({ sim, query, path, visible }) {
	return [200, page(sim, sim.devices.filter(visible), 'Machines', query, path)];
}

function findByIp({ sim, visible }, byIp) {
	const at = Date.parse(decodeURIComponent(byIp[2]));
	if (Number.isNaN(at) || at < sim.now() - 30 * 86_400_000)
		return [400, errorBody('InvalidInput', 'The given timestamp must be in the past 30 days.')];
	return [
		200,
		{
			'@odata.context': `${sim.url}/api/$metadata#Machines`,
			value: sim.devices.filter((device) => visible(device) && device.lastIpAddress === byIp[1]),
		},
	];
}

/** GET /api/machines/{id or hostname}, POST /api/machines/{id}/isolate|unisolate. */
function machineRoute(call, machine) {
	const { sim, method, body, visible, refused } = call;
	const id = decodeURIComponent(machine[1]);
	const byId = sim.devices.find((device) => device.id === id);
	const device =
		byId ??
		(method === 'GET'
			? sim.devices.find((d) => d.computerDnsName.toLowerCase() === id.toLowerCase())
			: undefined);
	if (!device || (method === 'GET' && !visible(device)))
		return [404, errorBody('ResourceNotFound', `Machine ${id} was not found`)];
	const outsideGroups = method === 'POST' && refused('act', device);
	if (outsideGroups) return outsideGroups;
	if (method === 'GET' && !machine[2])
		return [200, { '@odata.context': `${sim.url}/api/$metadata#Machines/$entity`, ...device }];
	if (method !== 'POST' || !machine[2]) return [405, errorBody('BadRequest', 'Method not allowed')];
	if (body === undefined || typeof body !== 'object' || body === null)
		return [400, errorBody('InvalidRequestBody', 'Request body is incorrect')];
	if (typeof body.Comment !== 'string' || body.Comment === '')
		return [400, errorBody('MissingRequiredParameter', 'Parameter Comment is missing.')];
	const isolate = machine[2] === 'isolate';
	if (isolate && body.IsolationType !== undefined && !ISOLATION_TYPES.has(body.IsolationType)) {
		return [400, errorBody('InvalidInput', `Invalid input IsolationType ${body.IsolationType}`)];
	}
	return postIsolation(call, device, isolate);
}

/** An Isolate or Unisolate request for a device, with what Defender does while another one is under way. */
function postIsolation({ sim, body, requestor }, device, isolate) {
	const { quirks, actionTimeline } = sim.options;
	const running = underWay(sim, device);
	const type = isolate ? 'Isolate' : 'Unisolate';
	const scope = isolate ? (body.IsolationType ?? 'Full') : null;
	if (
		running.length &&
		quirks.acceptWhilePending &&
		!isolate &&
		running.every((action) => action.type === 'Isolate')
	) {
		// Out of order: the release completes first, the older Isolate after it.
		const release = createAction(sim, device, type, body.Comment, requestor, scope);
		const releaseDone =
			release.createdMs + (actionTimeline.pendingSeconds + actionTimeline.inProgressSeconds) * 1000;
		for (const action of running)
			action.completesAtMs = Math.max(action.completesAtMs ?? 0, releaseDone + 5_000);
		return [201, render(sim, release)];
	}
	if (running.length && quirks.echoPendingAction)
		return [quirks.echoStatus ?? 201, render(sim, running[0])];
	if (running.length)
		return [400, errorBody('ActiveRequestAlreadyExists', 'Action is already in progress')];
	const action = createAction(sim, device, type, body.Comment, requestor, scope);
	return [201, render(sim, action)];
}

module.exports = { FIND_BY_IP, MACHINE, listMachines, findByIp, machineRoute };
