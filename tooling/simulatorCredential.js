'use strict';
/** The Defender credential's data for a simulator (cloud: Custom, loopback URLs). */
function simulatorCredential({ credentials, apiBaseUrl, tokenUrl, scope }) {
	return {
		cloud: 'custom',
		tenantId: credentials.tenantId,
		applicationId: credentials.clientId,
		applicationSecret: credentials.clientSecret,
		customApiBaseUrl: apiBaseUrl,
		customTokenUrl: tokenUrl,
		customScope: scope,
	};
}

/** The simulator's delegated scopes, as the delegated credential derives them for the commercial cloud. */
function delegatedScopeFor({ scope }) {
	const resource = scope.replace(/\/\.default$/, '');
	return `${resource}/Machine.Isolate ${resource}/Machine.Read offline_access`;
}

/** The delegated credential's data for a simulator; `oauthTokenData` is what n8n stores after "Connect my account". */
function simulatorDelegatedCredential(simulator, oauthTokenData) {
	return {
		...simulatorCredential({ ...simulator, scope: delegatedScopeFor(simulator) }),
		customAuthUrl: simulator.authorizeUrl,
		...(oauthTokenData ? { oauthTokenData } : {}),
	};
}

/**
 * Signs the simulator's configured user in the way n8n's "Connect my account" does (authorize, then redeem the
 * code at the token endpoint with the client secret in the body) and returns the token answer n8n would store.
 * For the engine tests and the CLI end-to-end test; the browser test goes through n8n's own callback.
 */
async function signInAtSimulator(
	simulator,
	redirectUri = 'http://127.0.0.1/rest/oauth2-credential/callback',
) {
	const { credentials, authorizeUrl, tokenUrl } = simulator;
	const query = new URLSearchParams({
		client_id: credentials.clientId,
		response_type: 'code',
		redirect_uri: redirectUri,
		scope: delegatedScopeFor(simulator),
		state: 'n8n-state',
		response_mode: 'query',
	});
	const visit = await fetch(`${authorizeUrl}?${query}`, { redirect: 'manual' });
	const back = new URL(visit.headers.get('location') ?? '', redirectUri).searchParams;
	if (!back.get('code'))
		throw new Error(
			`The simulator's sign-in failed: ${back.get('error')} ${back.get('error_description')}`,
		);
	const answer = await fetch(tokenUrl, {
		method: 'POST',
		body: new URLSearchParams({
			grant_type: 'authorization_code',
			code: back.get('code'),
			redirect_uri: redirectUri,
			client_id: credentials.clientId,
			client_secret: credentials.clientSecret,
		}),
	});
	const tokenData = await answer.json();
	if (!answer.ok) throw new Error(`The simulator refused the code: ${tokenData.error_description}`);
	return tokenData;
}

module.exports = { simulatorCredential, simulatorDelegatedCredential, signInAtSimulator };
