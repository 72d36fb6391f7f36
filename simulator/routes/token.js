'use strict';
/** Entra ID's token endpoint: POST /{tenant}/oauth2/v2.0/token (client credentials, and the delegated grants). */

const GRANT_TYPES = new Set(['client_credentials', 'authorization_code', 'refresh_token']);
const ROUTE = /^\/([^/]+)\/oauth2\/v2\.0\/token$/;

/** Handles the request when it is one for the token endpoint; returns whether it was. */
async function tokenRoute(sim, { req, path, rawBody, entry, send }) {
	const route = ROUTE.exec(path);
	if (req.method !== 'POST' || !route) return false;
	const form = Object.fromEntries(new URLSearchParams(rawBody));
	entry.body = { ...form };
	for (const secret of ['client_secret', 'code', 'refresh_token'])
		if (form[secret] !== undefined) entry.body[secret] = '[redacted]';
	const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
	const { token: tokenQuirks } = sim.options.quirks;
	if (tokenQuirks?.slowMs) await new Promise((resolve) => setTimeout(resolve, tokenQuirks.slowMs));
	if (sim.tokenBursts.burstDrop > 0) {
		sim.tokenBursts.burstDrop--;
		entry.status = 'dropped';
		req.socket.destroy();
		return true;
	}
	const [status, body, headers] = tokenAnswer(sim, route[1], form, basic);
	send(status, body, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
	return true;
}

/** The token endpoint's answer: [status, body, headers?]. */
function tokenAnswer(sim, tenant, form, basicAuth) {
	const { credentials, aad, tokenBursts } = sim;
	let clientId = form.client_id;
	let clientSecret = form.client_secret;
	if (basicAuth) [clientId, clientSecret] = Buffer.from(basicAuth, 'base64').toString().split(':');
	if (tokenBursts.burst429 > 0) {
		tokenBursts.burst429--;
		return [
			...aad(
				429,
				'temporarily_unavailable',
				50196,
				'The server terminated an operation because it encountered a client request loop.',
			),
			{ 'Retry-After': '2' },
		];
	}
	if (tokenBursts.burst5xx > 0) {
		tokenBursts.burst5xx--;
		return [503, 'Service Unavailable', { 'Content-Type': 'text/plain' }];
	}
	if (tenant !== credentials.tenantId)
		return aad(400, 'invalid_request', 90002, `Tenant '${tenant}' not found.`);
	if (!GRANT_TYPES.has(form.grant_type))
		return aad(
			400,
			'unsupported_grant_type',
			70003,
			'The app requested an unsupported grant type.',
		);
	if (clientId !== credentials.clientId)
		return aad(
			400,
			'unauthorized_client',
			700016,
			`Application with identifier '${clientId}' was not found in the directory.`,
		);
	if (sim.options.quirks.token?.expiredSecret) {
		return aad(
			401,
			'invalid_client',
			7000222,
			`The provided client secret keys for app '${clientId}' are expired. Visit the Azure portal to create new keys for your app.`,
		);
	}
	if (clientSecret !== credentials.clientSecret)
		return aad(
			401,
			'invalid_client',
			7000215,
			'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.',
		);
	if (form.grant_type !== 'client_credentials') return sim.delegated.grant(form);
	if (!form.scope)
		return aad(
			400,
			'invalid_request',
			90014,
			"The request body must contain the following parameter: 'scope'.",
		);
	const { accessToken, expiresIn } = sim.issueAccessToken();
	return [
		200,
		{
			token_type: 'Bearer',
			expires_in: expiresIn,
			ext_expires_in: expiresIn,
			access_token: accessToken,
		},
	];
}

module.exports = { tokenRoute };
