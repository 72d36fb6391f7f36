/* eslint-disable @typescript-eslint/no-require-imports */
const { startSimulator, DEFAULT_CREDENTIALS } = require('../../simulator');
/* eslint-enable @typescript-eslint/no-require-imports */

type Sim = Awaited<ReturnType<typeof startSimulator>>;
let sim: Sim;
afterEach(async () => await sim?.close());

const REDIRECT = 'http://127.0.0.1:5678/rest/oauth2-credential/callback';
const RESOURCE = 'https://api.securitycenter.microsoft.com';
const SCOPE = `${RESOURCE}/Machine.Isolate ${RESOURCE}/Machine.Read offline_access`;

/** The browser's visit to the authorize endpoint: where it is redirected, with the query parsed. */
async function authorize(s: Sim, overrides: Record<string, string> = {}) {
	const query = new URLSearchParams({
		client_id: DEFAULT_CREDENTIALS.clientId,
		response_type: 'code',
		redirect_uri: REDIRECT,
		scope: SCOPE,
		state: 'xyz',
		...overrides,
	});
	const response = await fetch(`${s.authorizeUrl}?${query}`, { redirect: 'manual' });
	const location = response.headers.get('location');
	return {
		status: response.status,
		location,
		params: location ? Object.fromEntries(new URL(location).searchParams) : {},
	};
}

async function grant(s: Sim, form: Record<string, string>) {
	const body = new URLSearchParams({
		client_id: DEFAULT_CREDENTIALS.clientId,
		client_secret: DEFAULT_CREDENTIALS.clientSecret,
		...form,
	});
	const response = await fetch(s.tokenUrl, { method: 'POST', body });
	return {
		status: response.status,
		body: (await response.json()) as Record<string, string> & { error_codes?: number[] },
	};
}

/** Signs in the configured user the way n8n's Connect does: authorize, then redeem the code. */
async function signIn(s: Sim, scope = SCOPE) {
	const { params } = await authorize(s, { scope });
	return await grant(s, {
		grant_type: 'authorization_code',
		code: params.code,
		redirect_uri: REDIRECT,
	});
}

async function call(s: Sim, method: string, path: string, bearer: string, body?: unknown) {
	const response = await fetch(`${s.url}${path}`, {
		method,
		headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	return {
		status: response.status,
		body: (await response.json()) as Record<string, unknown> & {
			value?: Array<Record<string, unknown>>;
			error?: { code: string; message: string };
		},
	};
}

const deviceIn = (s: Sim, group: string) =>
	s.devices.find((device: { rbacGroupName: string }) => device.rbacGroupName === group);

describe('delegated sign-in (authorize endpoint, authorization code and refresh token grants)', () => {
	test('the authorize endpoint redirects back with a code and the state; the code redeems once for tokens of the user', async () => {
		sim = await startSimulator();
		const visit = await authorize(sim);
		expect(visit.status).toBe(302);
		expect(visit.location?.startsWith(`${REDIRECT}?`)).toBe(true);
		expect(visit.params.state).toBe('xyz');
		const first = await grant(sim, {
			grant_type: 'authorization_code',
			code: visit.params.code,
			redirect_uri: REDIRECT,
		});
		expect(first.status).toBe(200);
		expect(first.body).toMatchObject({
			token_type: 'Bearer',
			scope: 'Machine.Isolate Machine.Read offline_access',
		});
		expect(first.body.refresh_token).toEqual(expect.any(String));
		const again = await grant(sim, {
			grant_type: 'authorization_code',
			code: visit.params.code,
			redirect_uri: REDIRECT,
		});
		expect(again).toMatchObject({
			status: 400,
			body: { error: 'invalid_grant', error_codes: [54005] },
		});
		expect(JSON.stringify(sim.requests)).not.toContain(visit.params.code);
		expect(JSON.stringify(sim.requests)).not.toContain(first.body.refresh_token);
	});

	test('without offline_access there is no refresh token', async () => {
		sim = await startSimulator();
		const tokens = await signIn(sim, `${RESOURCE}/Machine.Isolate ${RESOURCE}/Machine.Read`);
		expect(tokens.status).toBe(200);
		expect(tokens.body.refresh_token).toBeUndefined();
	});

	test('a scope the tenant did not consent to sends the browser back with consent_required (AADSTS65001)', async () => {
		sim = await startSimulator({
			delegated: { consentedScopes: ['Machine.Read', 'offline_access'] },
		});
		const visit = await authorize(sim);
		expect(visit.status).toBe(302);
		expect(visit.params).toMatchObject({ error: 'consent_required', state: 'xyz' });
		expect(visit.params.error_description).toMatch(/^AADSTS65001: .*Missing: Machine\.Isolate$/);
		expect(visit.params.code).toBeUndefined();
	});

	test('a redirect URI that is not registered is refused at the authorize endpoint (AADSTS50011)', async () => {
		sim = await startSimulator({
			delegated: { redirectUris: ['https://n8n.example/rest/oauth2-credential/callback'] },
		});
		const visit = await authorize(sim);
		expect(visit.status).toBe(400);
		expect(visit.location).toBeNull();
	});

	test('the refresh token grant renews the access token; expired and revoked refresh tokens are invalid_grant', async () => {
		sim = await startSimulator();
		const tokens = await signIn(sim);
		const renewed = await grant(sim, {
			grant_type: 'refresh_token',
			refresh_token: tokens.body.refresh_token,
		});
		expect(renewed.status).toBe(200);
		expect(renewed.body.access_token).not.toBe(tokens.body.access_token);
		expect((await call(sim, 'GET', '/api/machines?$top=1', renewed.body.access_token)).status).toBe(
			200,
		);

		sim.delegated.expireRefreshTokens();
		const expired = await grant(sim, {
			grant_type: 'refresh_token',
			refresh_token: renewed.body.refresh_token,
		});
		expect(expired).toMatchObject({
			status: 400,
			body: { error: 'invalid_grant', error_codes: [700082] },
		});

		const fresh = await signIn(sim);
		sim.delegated.revokeRefreshTokens();
		const revoked = await grant(sim, {
			grant_type: 'refresh_token',
			refresh_token: fresh.body.refresh_token,
		});
		expect(revoked).toMatchObject({
			status: 400,
			body: { error: 'invalid_grant', error_codes: [50173] },
		});
	});

	test('a wrong client secret is refused for the code and the refresh grant alike', async () => {
		sim = await startSimulator();
		const { params } = await authorize(sim);
		const answer = await grant(sim, {
			grant_type: 'authorization_code',
			code: params.code,
			redirect_uri: REDIRECT,
			client_secret: 'wrong',
		});
		expect(answer).toMatchObject({
			status: 401,
			body: { error: 'invalid_client', error_codes: [7000215] },
		});
	});
});

describe('Defender as a delegated user sees it (role, device groups, requestor)', () => {
	test('devices are listed only from the user’s device groups; others read as not found', async () => {
		sim = await startSimulator();
		const { body } = await signIn(sim);
		const listed = await call(sim, 'GET', '/api/machines', body.access_token);
		const groups = new Set(listed.body.value?.map((device) => device.rbacGroupName));
		expect([...groups]).toEqual(['SOC devices']);
		expect(listed.body.value?.length).toBe(
			sim.devices.filter(
				(device: { rbacGroupName: string }) => device.rbacGroupName === 'SOC devices',
			).length,
		);
		const finance = deviceIn(sim, 'Finance servers');
		expect((await call(sim, 'GET', `/api/machines/${finance.id}`, body.access_token)).status).toBe(
			404,
		);
	});

	test('a release inside the user’s groups records the UPN as requestor; outside them it is 403 and nothing is created', async () => {
		sim = await startSimulator({ seedActions: false });
		const { body } = await signIn(sim);
		const soc = deviceIn(sim, 'SOC devices');
		const released = await call(
			sim,
			'POST',
			`/api/machines/${soc.id}/unisolate`,
			body.access_token,
			{ Comment: 'clean' },
		);
		expect(released.status).toBe(201);
		expect(released.body.requestor).toBe('analyst@contoso.com');

		const finance = deviceIn(sim, 'Finance servers');
		const refused = await call(
			sim,
			'POST',
			`/api/machines/${finance.id}/unisolate`,
			body.access_token,
			{ Comment: 'clean' },
		);
		expect(refused.status).toBe(403);
		expect(refused.body.error).toMatchObject({
			code: 'Forbidden',
			message: expect.stringContaining("device group 'Finance servers'"),
		});
		expect(sim.actionsOf(finance.id)).toEqual([]);
	});

	test('a user without the Active remediation actions role may read but not release', async () => {
		sim = await startSimulator({
			seedActions: false,
			delegated: { signInAs: 'viewer@contoso.com' },
		});
		const { body } = await signIn(sim);
		const finance = deviceIn(sim, 'Finance servers');
		expect((await call(sim, 'GET', `/api/machines/${finance.id}`, body.access_token)).status).toBe(
			200,
		);
		const refused = await call(
			sim,
			'POST',
			`/api/machines/${finance.id}/unisolate`,
			body.access_token,
			{ Comment: 'clean' },
		);
		expect(refused.status).toBe(403);
		expect(refused.body.error?.message).toContain("role permission 'Active remediation actions'");
	});

	test('a token without the Machine.Isolate scope may read but not release', async () => {
		sim = await startSimulator({ seedActions: false });
		const { body } = await signIn(sim, `${RESOURCE}/Machine.Read offline_access`);
		const soc = deviceIn(sim, 'SOC devices');
		expect((await call(sim, 'GET', `/api/machines/${soc.id}`, body.access_token)).status).toBe(200);
		const refused = await call(
			sim,
			'POST',
			`/api/machines/${soc.id}/unisolate`,
			body.access_token,
			{ Comment: 'clean' },
		);
		expect(refused.status).toBe(403);
		expect(refused.body.error?.message).toContain('API required permissions: Machine.Isolate');
	});

	test('application tokens still see every device group and record the app as requestor', async () => {
		sim = await startSimulator({ seedActions: false });
		const app = await grant(sim, { grant_type: 'client_credentials', scope: sim.scope });
		const finance = deviceIn(sim, 'Finance servers');
		const released = await call(
			sim,
			'POST',
			`/api/machines/${finance.id}/unisolate`,
			app.body.access_token,
			{ Comment: 'clean' },
		);
		expect(released.status).toBe(201);
		expect(released.body.requestor).toBe(DEFAULT_CREDENTIALS.clientId);
	});
});
