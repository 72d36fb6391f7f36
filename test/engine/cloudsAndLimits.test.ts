import nock from 'nock';
import { sleep } from 'n8n-workflow';

import {
	SECRET,
	TENANT,
	machineAction,
	machineId,
	mockTenantActions,
} from '../helpers/defenderMocks';
import { CREDENTIAL_ID, jsonOf, newEngine, defenderWorkflow, runError } from '../helpers/workflow';

const ID = machineId(1);
const release = (options: object = {}) =>
	defenderWorkflow([{}], {
		parameters: { device: { __rl: true, mode: 'id', value: ID }, comment: 'c', options },
	});

describe.each([
	[
		'commercial',
		'https://api.security.microsoft.com',
		'https://login.microsoftonline.com',
		'https://api.securitycenter.microsoft.com/.default',
	],
	[
		'us',
		'https://us.api.security.microsoft.com',
		'https://login.microsoftonline.com',
		'https://api.securitycenter.microsoft.com/.default',
	],
	[
		'eu',
		'https://eu.api.security.microsoft.com',
		'https://login.microsoftonline.com',
		'https://api.securitycenter.microsoft.com/.default',
	],
	[
		'uk',
		'https://uk.api.security.microsoft.com',
		'https://login.microsoftonline.com',
		'https://api.securitycenter.microsoft.com/.default',
	],
	[
		'au',
		'https://au.api.security.microsoft.com',
		'https://login.microsoftonline.com',
		'https://api.securitycenter.microsoft.com/.default',
	],
	[
		'swa',
		'https://swa.api.security.microsoft.com',
		'https://login.microsoftonline.com',
		'https://api.securitycenter.microsoft.com/.default',
	],
	[
		'ina',
		'https://ina.api.security.microsoft.com',
		'https://login.microsoftonline.com',
		'https://api.securitycenter.microsoft.com/.default',
	],
	[
		'gcc',
		'https://api-gcc.securitycenter.microsoft.us',
		'https://login.microsoftonline.com',
		'https://api.securitycenter.microsoft.com/.default',
	],
	[
		'gccHigh',
		'https://api-gov.securitycenter.microsoft.us',
		'https://login.microsoftonline.us',
		'https://securitycenter.onmicrosoft.us/windowsatpservice/.default',
	],
	[
		'dod',
		'https://api-gov.securitycenter.microsoft.us',
		'https://login.microsoftonline.us',
		'https://securitycenter.onmicrosoft.us/windowsatpservice/.default',
	],
])('cloud %s', (cloud, api, login, scope) => {
	test(`gets the token from ${login} for ${scope} and calls ${api}`, async () => {
		const engine = newEngine();
		const clientId = `cloud-${cloud}`;
		engine.credentialsHelper.save(CREDENTIAL_ID, 'defenderForEndpointOAuth2Api', {
			cloud,
			tenantId: ` ${TENANT} `,
			applicationId: clientId,
			applicationSecret: SECRET,
		});
		const token = nock(login)
			.post(`/${TENANT}/oauth2/v2.0/token`, {
				grant_type: 'client_credentials',
				client_id: clientId,
				client_secret: SECRET,
				scope,
			})
			.reply(200, { access_token: `token-${cloud}`, token_type: 'Bearer', expires_in: 3599 });
		mockTenantActions([], api);
		const post = nock(api)
			.post(`/api/machines/${ID}/unisolate`)
			.matchHeader('authorization', `Bearer token-${cloud}`)
			.reply(201, machineAction());
		const run = await engine.run(release());
		expect(runError(run)).toBeUndefined();
		expect(token.isDone() && post.isDone()).toBe(true);
	});
});

describe('custom cloud', () => {
	test('uses the typed API base URL, token URL and scope (loopback http allowed)', async () => {
		const engine = newEngine();
		engine.credentialsHelper.save(CREDENTIAL_ID, 'defenderForEndpointOAuth2Api', {
			cloud: 'custom',
			tenantId: 'contoso.onmicrosoft.com',
			applicationId: 'custom-1',
			applicationSecret: SECRET,
			customApiBaseUrl: 'http://127.0.0.1:9/',
			customTokenUrl: 'http://localhost:9/tenant/token',
			customScope: 'api://defender/.default',
		});
		nock('http://localhost:9')
			.post('/tenant/token', (body) => body.scope === 'api://defender/.default')
			.reply(200, { access_token: 'c', expires_in: 3599 });
		mockTenantActions([], 'http://127.0.0.1:9');
		const post = nock('http://127.0.0.1:9')
			.post(`/api/machines/${ID}/unisolate`)
			.reply(201, machineAction());
		const run = await engine.run(release());
		expect(runError(run)).toBeUndefined();
		expect(post.isDone()).toBe(true);
	});

	test.each([
		[
			'an http API on a non-loopback host',
			{ customApiBaseUrl: 'http://10.0.0.5', customTokenUrl: 'https://login.example.com/t' },
			/API Base URL must use https/,
		],
		[
			'an http token URL on a non-loopback host',
			{
				customApiBaseUrl: 'https://api.example.com',
				customTokenUrl: 'http://127.0.0.1.evil.example/t',
			},
			/Token URL must use https/,
		],
		[
			'a tenant that is not a GUID or domain',
			{
				tenantId: '../common',
				customApiBaseUrl: 'https://a.example',
				customTokenUrl: 'https://b.example',
			},
			/Tenant ID "..\/common" is neither a GUID nor a domain/,
		],
	])('refuses %s before sending anything', async (_label, overrides, message) => {
		const engine = newEngine();
		engine.credentialsHelper.save(CREDENTIAL_ID, 'defenderForEndpointOAuth2Api', {
			cloud: 'custom',
			tenantId: TENANT,
			applicationId: 'x',
			applicationSecret: SECRET,
			customScope: 's',
			...overrides,
		});
		const run = await engine.run(
			defenderWorkflow([{}, {}], {
				parameters: { device: { __rl: true, mode: 'id', value: ID }, comment: 'c' },
				onError: 'continueRegularOutput',
			}),
		);
		const items = jsonOf(run, 'Defender');
		expect(items).toHaveLength(2);
		for (const item of items) expect(item.error).toMatch(message);
	});
});

describe('client-side rate limit', () => {
	test('the 101st call in a minute (the snapshot and 100 releases) is not sent: its item fails with "rate limit budget exhausted, retry after"', async () => {
		const engine = newEngine();
		engine.credentialsHelper.save(CREDENTIAL_ID, 'defenderForEndpointOAuth2Api', {
			cloud: 'commercial',
			tenantId: TENANT,
			applicationId: 'limiter-1',
			applicationSecret: SECRET,
		});
		nock('https://login.microsoftonline.com')
			.post(`/${TENANT}/oauth2/v2.0/token`)
			.reply(200, { access_token: 't', expires_in: 3599 });
		const ids = Array.from({ length: 100 }, (_, n) => machineId(1000 + n));
		const posted: string[] = [];
		mockTenantActions();
		nock('https://api.security.microsoft.com')
			.post(/\/api\/machines\/[0-9a-f]{40}\/unisolate/)
			.times(100)
			.reply(201, (uri) => {
				const id = uri.split('/')[3];
				posted.push(id);
				return machineAction({ machineId: id });
			});
		const run = await engine.run(
			defenderWorkflow(
				ids.map((id) => ({ id })),
				{
					parameters: {
						device: { __rl: true, mode: 'id', value: '={{ $json.id }}' },
						comment: 'c',
						options: { maxWaitSeconds: 5 },
					},
					onError: 'continueRegularOutput',
				},
			),
		);
		const items = jsonOf(run, 'Defender');
		expect(items).toHaveLength(100);
		expect(items.filter((item) => item.outcome === 'created')).toHaveLength(99);
		expect(posted).toHaveLength(99);
		const refusedIndex = items.findIndex((item) => item.error);
		expect(items[refusedIndex].error).toMatch(
			/^Rate limit budget exhausted: .* retry after \d{4}-\d\d-\d\dT/,
		);
		// It says why the slot is late: the minute's 100 calls are this process's own.
		expect(items[refusedIndex].error).toContain(
			'(this process made the 100 calls the quota allows in a minute)',
		);
		expect(items[refusedIndex].details).toMatch(/^Nothing was sent/);
		expect(posted).not.toContain(ids[refusedIndex]);
	});
});

describe('cancellation', () => {
	test('cancelling the execution ends a Retry-After wait at once', async () => {
		const engine = newEngine();
		engine.credentialsHelper.save(CREDENTIAL_ID, 'defenderForEndpointOAuth2Api', {
			cloud: 'commercial',
			tenantId: TENANT,
			applicationId: 'cancel-1',
			applicationSecret: SECRET,
		});
		nock('https://login.microsoftonline.com')
			.post(`/${TENANT}/oauth2/v2.0/token`)
			.reply(200, { access_token: 't', expires_in: 3599 });
		mockTenantActions();
		const throttled = nock('https://api.security.microsoft.com')
			.post(`/api/machines/${ID}/unisolate`)
			.reply(
				429,
				{ error: { code: 'TooManyRequests', message: 'slow down' } },
				{ 'Retry-After': '120' },
			);
		const second = nock('https://api.security.microsoft.com')
			.post(`/api/machines/${ID}/unisolate`)
			.reply(201, machineAction());
		const execution = engine.start(release());
		while (!throttled.isDone()) await sleep(10);
		const started = Date.now();
		execution.cancel();
		await execution.catch(() => undefined);
		expect(Date.now() - started).toBeLessThan(2_000);
		expect(second.isDone()).toBe(false);
	});
});
