'use strict';
/** Entra ID's authorize endpoint: GET /{tenant}/oauth2/v2.0/authorize, the browser's visit of a delegated sign-in. */

const ROUTE = /^\/([^/]+)\/oauth2\/v2\.0\/authorize$/;

/** Handles the request when it is a visit of the authorize endpoint; returns whether it was. */
function authorizeRoute(sim, { req, res, path, query, entry, started }) {
	const route = ROUTE.exec(path);
	if (req.method !== 'GET' || !route) return false;
	// The configured user is signed in at once (no login page) and sent back with a code.
	const answer = sim.delegated.authorize(route[1], query);
	entry.status = answer.status;
	entry.realMs = Date.now() - started;
	if (answer.location) {
		res.writeHead(302, { Location: answer.location, 'Cache-Control': 'no-store' });
		res.end();
		return true;
	}
	res.writeHead(answer.status, { 'Content-Type': 'text/plain; charset=utf-8' });
	res.end(answer.text);
	return true;
}

module.exports = { authorizeRoute };
