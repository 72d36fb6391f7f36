'use strict';
/**
 * The API itself, for an authenticated call within the limits: routes a call to its handler, which returns
 * [status, body]. `caller` is the access token's record: a delegated one (caller.user) acts within the user's
 * permissions and device groups.
 */
const { errorBody } = require('../answers');
const { FIND_BY_IP, MACHINE, listMachines, findByIp, machineRoute } = require('./machines');
const { ACTION, listActions, actionRoute } = require('./machineActions');

function api(sim, method, path, query, body, caller) {
	const call = {
		sim,
		method,
		path,
		query,
		body,
		requestor: caller.user ?? sim.credentials.clientId,
		visible: (device) => sim.delegated.canSee(caller, device),
		refused: (need, device) => {
			const refusal = caller.user ? sim.delegated.refusal(caller, need, device) : undefined;
			return refusal && [refusal[0], errorBody(refusal[1], refusal[2])];
		},
	};
	const denied = call.refused(method === 'GET' ? 'read' : 'act');
	if (denied) return denied;
	if (method === 'GET' && path === '/api/machines') return listMachines(call);
	const byIp = FIND_BY_IP.exec(path);
	if (method === 'GET' && byIp) return findByIp(call, byIp);
	const machine = MACHINE.exec(path);
	if (machine) return machineRoute(call, machine);
	if (method === 'GET' && path === '/api/machineactions') return listActions(call);
	const actionPath = ACTION.exec(path);
	const answer = actionPath && actionRoute(call, actionPath);
	if (answer) return answer;
	return [404, errorBody('NotFound', `Resource ${path} was not found`)];
}

module.exports = { api };
