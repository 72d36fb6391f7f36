import { delegatedSimulatorFor, type Simulator } from '../helpers/simulator';
import {
	CREDENTIAL_ID,
	defenderWorkflow,
	jsonOf,
	newEngine,
	runError,
	type Engine,
} from '../helpers/workflow';

/**
 * Delegated sign-in through n8n's real OAuth2 path (n8n-core's requestOAuth2 with an authorization-code credential):
 * the credential holds the tokens n8n stores after "Connect my account"; the simulator plays Entra and Defender.
 */
let engine: Engine;
let sim: Simulator;
let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
	await stop?.();
	stop = undefined;
});

async function start(options: Record<string, unknown> = {}) {
	engine = newEngine();
	({ sim, stop } = await delegatedSimulatorFor(engine, { seedActions: false, ...options }));
}

const byId = (id: string) => ({ __rl: true, mode: 'id', value: id });
const deviceIn = (group: string, n = 0) =>
	sim.devices.filter((device) => device.rbacGroupName === group)[n];
const grantsSent = () =>
	sim.requests
		.filter((request) => request.path.endsWith('/oauth2/v2.0/token'))
		.map((request) => request.body?.grant_type);
const posts = () =>
	sim.requests.filter((request) => request.method === 'POST' && request.path.startsWith('/api/'));

function release(
	ids: string[],
	onError: 'stopWorkflow' | 'continueRegularOutput' = 'stopWorkflow',
) {
	return defenderWorkflow(
		ids.map((id) => ({ id })),
		{
			signIn: 'delegated',
			onError,
			parameters: {
				device: { __rl: true, mode: 'id', value: '={{ $json.id }}' },
				comment: 'Released after INC-7',
			},
		},
	);
}

/** Every string the run produced (errors with their descriptions), for secret checks. */
function everythingPrinted(run: unknown): string {
	return JSON.stringify(run, (_key, value: unknown) =>
		value instanceof Error
			? {
					...value,
					message: value.message,
					description: (value as { description?: string }).description,
				}
			: value,
	);
}

describe('delegated sign-in (Authentication: Delegated)', () => {
	test('releases as the signed-in analyst: Defender records the UPN as requestor, with no client-credentials token', async () => {
		await start();
		const device = deviceIn('SOC devices');
		const run = await engine.run(release([device.id]));
		expect(runError(run)).toBeUndefined();
		expect(jsonOf(run, 'Released')).toEqual([
			expect.objectContaining({
				type: 'Unisolate',
				machineId: device.id,
				requestor: 'analyst@contoso.com',
				outcome: 'created',
			}),
		]);
		expect(sim.actionsOf(device.id)).toEqual([
			expect.objectContaining({
				requestor: 'analyst@contoso.com',
				requestorComment: 'Released after INC-7',
			}),
		]);
		// The stored access token was used as it was: only the sign-in's own code exchange reached the token endpoint.
		expect(grantsSent()).toEqual(['authorization_code']);
	});

	test('an expired access token is renewed with the refresh token grant once, stored, and the release goes through', async () => {
		await start();
		const before = engine.credentialsHelper.stored(CREDENTIAL_ID).oauthTokenData as Record<
			string,
			string
		>;
		sim.expireTokens();
		const device = deviceIn('SOC devices');
		const run = await engine.run(release([device.id]));
		expect(runError(run)).toBeUndefined();
		expect(jsonOf(run, 'Released')[0]).toMatchObject({
			requestor: 'analyst@contoso.com',
			outcome: 'created',
		});
		expect(grantsSent()).toEqual(['authorization_code', 'refresh_token']);
		const refresh = sim.requests.find((request) => request.body?.grant_type === 'refresh_token');
		// n8n sends the client secret in the body (the credential's Authentication: body), as Entra expects.
		expect(refresh?.body).toMatchObject({
			client_id: sim.credentials.clientId,
			client_secret: '[redacted]',
			refresh_token: '[redacted]',
		});
		const after = engine.credentialsHelper.stored(CREDENTIAL_ID).oauthTokenData as Record<
			string,
			string
		>;
		expect(after.access_token).not.toBe(before.access_token);
		expect(after.refresh_token).toEqual(expect.any(String));
		// One 401, then the same POST again with the new token: exactly one action.
		expect(sim.actionsOf(device.id)).toHaveLength(1);
	});

	test.each([
		['expired (AADSTS700082)', (s: Simulator) => s.delegated.expireRefreshTokens()],
		['revoked (AADSTS50173)', (s: Simulator) => s.delegated.revokeRefreshTokens()],
	])(
		'a refresh token that is %s fails with "reconnect the credential" and no action is sent',
		async (_name, spoil) => {
			await start();
			sim.expireTokens();
			spoil(sim);
			const device = deviceIn('SOC devices');
			const run = await engine.run(release([device.id]));
			const error = runError(run) as (Error & { description?: string }) | undefined;
			expect(error?.message).toBe(
				'The delegated sign-in has expired or was revoked: reconnect the credential',
			);
			expect(error?.description).toMatch(/click Reconnect/);
			// The run's first call (the pending-actions snapshot) met the 401; the refresh was refused once and not retried.
			expect(error?.description).toContain(
				'Nothing was sent to check the tenant for isolation actions still under way',
			);
			expect(grantsSent()).toEqual(['authorization_code', 'refresh_token']);
			expect(
				sim.requests
					.filter((request) => request.path.startsWith('/api/'))
					.map((request) => request.status),
			).toEqual([401]);
			expect(posts()).toEqual([]);
			expect(sim.actionsOf(device.id)).toEqual([]);
			expect(sim.leaksToken(everythingPrinted(run))).toBe(false);
		},
	);

	test('once the sign-in must be reconnected, the other items of the run fail at once (one refresh attempt, one 401)', async () => {
		await start();
		sim.expireTokens();
		sim.delegated.revokeRefreshTokens();
		const ids = [
			deviceIn('SOC devices').id,
			deviceIn('SOC devices', 1).id,
			deviceIn('SOC devices', 2).id,
		];
		const run = await engine.run(release(ids, 'continueRegularOutput'));
		const output = jsonOf(run, 'Released');
		expect(output.map((item) => item.error)).toEqual(
			ids.map(() => 'The delegated sign-in has expired or was revoked: reconnect the credential'),
		);
		expect(grantsSent()).toEqual(['authorization_code', 'refresh_token']);
		expect(
			sim.requests
				.filter((request) => request.path.startsWith('/api/'))
				.map((request) => request.status),
		).toEqual([401]);
	});

	test('a refresh refused at the POST itself is "nothing sent", never an unknown outcome', async () => {
		await start({ faults: { tokenExpireAfterCalls: 1 } });
		sim.delegated.revokeRefreshTokens();
		const device = deviceIn('SOC devices');
		const run = await engine.run(release([device.id]));
		const error = runError(run) as (Error & { description?: string }) | undefined;
		expect(error?.message).toBe(
			'The delegated sign-in has expired or was revoked: reconnect the credential',
		);
		expect(error?.description).toContain(`Nothing was sent to unisolate device ${device.id}`);
		expect(posts().map((request) => request.status)).toEqual([401]);
		// No lookup for a lost answer followed: the refused refresh proves the POST was not taken.
		expect(
			sim.requests
				.filter((request) => request.path.startsWith('/api/'))
				.map((request) => request.status),
		).toEqual([200, 401]);
		expect(sim.actionsOf(device.id)).toEqual([]);
	});

	test('a credential that was never connected fails with "not connected yet", before anything is sent', async () => {
		engine = newEngine();
		({ sim, stop } = await delegatedSimulatorFor(engine, { seedActions: false, connected: false }));
		const run = await engine.run(release([deviceIn('SOC devices').id]));
		expect((runError(run) as Error | undefined)?.message).toBe(
			'The delegated credential is not connected yet',
		);
		expect(sim.requests.filter((request) => request.path.startsWith('/api/'))).toEqual([]);
	});

	test('a device outside the analyst’s device groups is 403, explained; the other items are released (N in, N out)', async () => {
		await start();
		const inside = deviceIn('SOC devices');
		const outside = deviceIn('Finance servers');
		const run = await engine.run(
			release([inside.id, outside.id, deviceIn('SOC devices', 1).id], 'continueRegularOutput'),
		);
		expect(runError(run)).toBeUndefined();
		const output = jsonOf(run, 'Released');
		expect(output).toHaveLength(3);
		expect(output[0]).toMatchObject({ machineId: inside.id, requestor: 'analyst@contoso.com' });
		expect(output[2]).toMatchObject({ requestor: 'analyst@contoso.com' });
		expect(output[1].error).toBe(
			`Defender refused the signed-in user permission to unisolate device ${outside.id}`,
		);
		expect(output[1].details).toContain(
			"device group 'Finance servers' is not assigned to the user",
		);
		expect(sim.actionsOf(outside.id)).toEqual([]);
	});

	test('the 403 description names the device groups, the role and the delegated permission, with Defender’s text', async () => {
		await start();
		const outside = deviceIn('Finance servers');
		const run = await engine.run(release([outside.id]));
		const error = runError(run) as (Error & { description?: string }) | undefined;
		expect(error?.message).toBe(
			`Defender refused the signed-in user permission to unisolate device ${outside.id}`,
		);
		expect(error?.description).toContain('device groups');
		expect(error?.description).toContain("'Active remediation actions'");
		expect(error?.description).toContain('delegated permission Machine.Isolate');
		expect(error?.description).toContain(
			"device group 'Finance servers' is not assigned to the user",
		);
	});

	test('an analyst without the Active remediation actions role gets the same explanation with Defender’s reason', async () => {
		await start({ delegated: { signInAs: 'viewer@contoso.com' } });
		const device = deviceIn('SOC devices');
		const run = await engine.run(release([device.id]));
		const error = runError(run) as (Error & { description?: string }) | undefined;
		expect(error?.message).toBe(
			`Defender refused the signed-in user permission to unisolate device ${device.id}`,
		);
		expect(error?.description).toContain(
			"is missing the role permission 'Active remediation actions'",
		);
	});

	test('a hostname outside the analyst’s device groups is not found, and the message says why that can be', async () => {
		await start();
		const outside = deviceIn('Finance servers');
		const run = await engine.run(
			defenderWorkflow([{}], {
				signIn: 'delegated',
				parameters: {
					device: { __rl: true, mode: 'hostname', value: outside.computerDnsName },
					comment: 'c',
				},
			}),
		);
		const error = runError(run) as (Error & { description?: string }) | undefined;
		expect(error?.message).toContain(`no Defender device is named "${outside.computerDnsName}"`);
		expect(`${error?.message} ${error?.description}`).toContain(
			"outside the signed-in user's device groups",
		);
		expect(posts()).toEqual([]);
	});

	test('Get works for a device in the analyst’s groups and reads as not found outside them', async () => {
		await start();
		const get = (id: string) =>
			defenderWorkflow([{}], {
				signIn: 'delegated',
				parameters: { operation: 'get', device: byId(id) },
			});
		const inside = await engine.run(get(deviceIn('SOC devices').id));
		expect(jsonOf(inside, 'Released')[0]).toMatchObject({ rbacGroupName: 'SOC devices' });
		const outside = await engine.run(get(deviceIn('Finance servers').id));
		expect((runError(outside) as Error & { description?: string })?.description).toContain(
			"outside the signed-in user's device groups",
		);
	});
});

describe('delegated credential: URLs and scopes n8n derives per cloud and tenant', () => {
	const TENANT = 'contoso.onmicrosoft.com';
	test.each([
		['commercial', 'https://login.microsoftonline.com', 'https://api.securitycenter.microsoft.com'],
		['eu', 'https://login.microsoftonline.com', 'https://api.securitycenter.microsoft.com'],
		['gcc', 'https://login.microsoftonline.com', 'https://api.securitycenter.microsoft.com'],
		[
			'gccHigh',
			'https://login.microsoftonline.us',
			'https://securitycenter.onmicrosoft.us/windowsatpservice',
		],
		[
			'dod',
			'https://login.microsoftonline.us',
			'https://securitycenter.onmicrosoft.us/windowsatpservice',
		],
	])('%s', async (cloud, login, resource) => {
		const local = newEngine();
		local.credentialsHelper.save('c', 'defenderForEndpointDelegatedOAuth2Api', {
			cloud,
			tenantId: ` ${TENANT} `,
			applicationId: 'app',
			applicationSecret: 's',
		});
		const helper = local.credentialsHelper as unknown as {
			getDecrypted(
				additionalData: object,
				credentials: { id: string; name: string },
				type: string,
				mode: string,
			): Promise<Record<string, unknown>>;
		};
		const data = await helper.getDecrypted(
			{},
			{ id: 'c', name: 'c' },
			'defenderForEndpointDelegatedOAuth2Api',
			'internal',
		);
		expect(data).toMatchObject({
			grantType: 'authorizationCode',
			authUrl: `${login}/${TENANT}/oauth2/v2.0/authorize`,
			accessTokenUrl: `${login}/${TENANT}/oauth2/v2.0/token`,
			scope: `${resource}/Machine.Isolate ${resource}/Machine.Read offline_access`,
			clientId: 'app',
			clientSecret: 's',
		});
	});
});
