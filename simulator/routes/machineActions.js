'use strict';
/**
 * Defender's machine action endpoints: GET /api/machineactions, GET /api/machineactions/{id} and
 * POST /api/machineactions/{id}/cancel. Each handler takes the call (routes/api.js) and returns [status, body].
 */
const { errorBody } = require('../answers');
const { FINAL, statusOf, render } = require('../actions');
const { page } = require('../paging');

const ACTION = /^\/api\/machineactions\/([^/]+)(\/cancel)?$/;

/** Every action the caller may see, newest first. */
function listActions({ sim, query, path, visible }) {
	const all = [...sim.actions.values()]
		.filter((action) => visible(action.machine))
		.sort((a, b) => b.createdMs - a.createdMs)
		.map((action) => render(sim, action));
	return [200, page(sim, all, 'MachineActions', query, path)];
}

/** GET one action or POST its cancellation; undefined for another method (the caller answers 404). */
function actionRoute({ sim, method, body, visible, requestor }, actionPath) {
	const action = sim.actions.get(decodeURIComponent(actionPath[1]));
	if (!action || !visible(action.machine))
		return [404, errorBody('ResourceNotFound', `MachineAction ${actionPath[1]} was not found`)];
	if (method === 'GET' && !actionPath[2]) return [200, render(sim, action)];
	if (method === 'POST' && actionPath[2]) return cancelAction(sim, action, requestor, body);
	return undefined;
}

function cancelAction(sim, action, requestor, body) {
	const { status } = statusOf(sim, action);
	if (FINAL.has(status))
		return [400, errorBody('BadRequest', `Can't cancel an action in final state: ${status}`)];
	action.cancellation = { atMs: sim.now(), requestor, comment: body?.Comment ?? null };
	return [200, render(sim, action)];
}

module.exports = { ACTION, listActions, actionRoute };
