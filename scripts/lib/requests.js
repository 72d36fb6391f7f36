'use strict';
/** Reading the simulator's request log and n8n's run data in the scripts that test real n8n (e2e, queue mode). */

const isTokenRequest = (request) => request.path.endsWith('/oauth2/v2.0/token');
const UNISOLATE = /^\/api\/machines\/([^/]+)\/unisolate$/;
/** POST /api/machines/{id}/unisolate, the release. */
const isRelease = (request) => request.method === 'POST' && UNISOLATE.test(request.path);
const unisolatePosts = (requests) => requests.filter(isRelease);
/** The machine ID a release was posted for. */
const postMachineId = (request) => UNISOLATE.exec(request.path)[1];
/** Hostname lookups: GET /api/machines with a $filter. */
const lookups = (requests) =>
	requests.filter(
		(r) => r.method === 'GET' && r.path === '/api/machines' && r.query?.$filter !== undefined,
	);
const odataString = (value) => `'${value.replace(/'/g, "''")}'`;

function countBy(values) {
	const counts = new Map();
	for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
	return counts;
}

/** A node's first run in n8n's run data. */
function nodeRun(runData, name) {
	const runs = runData?.[name];
	return Array.isArray(runs) ? runs[0] : undefined;
}

/** The items of one output of a node's first run. */
function outputItems(runData, name, output = 0) {
	return nodeRun(runData, name)?.data?.main?.[output] ?? [];
}

module.exports = {
	isTokenRequest,
	isRelease,
	unisolatePosts,
	postMachineId,
	lookups,
	odataString,
	countBy,
	nodeRun,
	outputItems,
};
