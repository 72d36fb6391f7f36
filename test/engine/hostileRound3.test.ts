import type { IDataObject } from 'n8n-workflow';
import { LoggerProxy } from 'n8n-workflow';
import { randomUUID } from 'node:crypto';

import nock from 'nock';

import {
	API,
	SECRET,
	TENANT,
	apiErrorBody,
	machine,
	machineAction,
	machineId,
	mockTenantActions,
	mockTokens,
	RUNNING_ACTIONS_FILTER,
	saveCredential,
} from '../helpers/defenderMocks';
import { CREDENTIAL_ID, defenderWorkflow, jsonOf, newEngine, runError } from '../helpers/workflow';

/** Issue "Hostile inputs, round 3", points 1–5: each describe block is one point. */

const ID = machineId(61);
const ECHOED = 'tok-9f8e7d6c5b4a-opaque-access';
const byId = (id: string) => ({ __rl: true, mode: 'id', value: id });
const fromItem = { __rl: true, mode: 'id', value: '={{ $json.id }}' };
const ids = (count: number) =>
	Array.from({ length: count }, (_, n) => ({ id: machineId(1000 + n) }));

/** An engine with a fresh credential whose token request is answered; the snapshot is left to the test. */
function bare() {
	const engine = newEngine();
	const credential = saveCredential(engine);
	mockTokens(credential.clientId, [ECHOED]);
	return { engine, credential };
}

function setup(running: object[] = []) {
	const started = bare();
	mockTenantActions(running);
	return started;
}

/** Every text the run holds, errors with all their own fields (cause, errorResponse, messages, stack…). */
function everything(run: unknown): string {
	return JSON.stringify(run, (_key, value: unknown) => {
		if (!(value instanceof Error)) return value;
		return Object.fromEntries(
			Object.getOwnPropertyNames(value)
				.filter((name) => name !== 'node')
				.map((name) => [name, (value as unknown as IDataObject)[name]]),
		);
	});
}

describe('1. no item is ever dropped: numeric options are checked', () => {
	test.each([
		[
			'parallelRequests',
			"={{ 'four' }}",
			/^Options: Parallel Requests: expected a whole number from 1 to 10, got the text "four"$/,
		],
		[
			'parallelRequests',
			11,
			/^Options: Parallel Requests: expected a whole number from 1 to 10, got 11$/,
		],
		[
			'parallelRequests',
			2.5,
			/^Options: Parallel Requests: expected a whole number from 1 to 10, got 2.5$/,
		],
		[
			'maxRetries',
			'={{ NaN }}',
			/^Options: Max Retries: expected a whole number from 0 to 20, got NaN$/,
		],
		[
			'maxWaitSeconds',
			"={{ 'soon' }}",
			/^Options: Max Wait \(Seconds\): expected a number from 0 to 7200, got the text "soon"$/,
		],
		['timeoutSeconds', 0, /^Options: Timeout \(Seconds\): expected a number from 1 to 300, got 0$/],
		[
			'timeoutSeconds',
			'={{ {} }}',
			/^Options: Timeout \(Seconds\): expected a number from 1 to 300, got an object/,
		],
	])(
		'%s = %p: every one of 5 items fails naming the option and the value, nothing is sent',
		async (name, value, message) => {
			const { engine } = setup();
			const run = await engine.run(
				defenderWorkflow(ids(5), {
					parameters: { device: fromItem, comment: 'c', options: { [name]: value } },
					onError: 'continueRegularOutput',
				}),
			);
			const output = jsonOf(run, 'Defender');
			expect(output).toHaveLength(5);
			for (const item of output) expect(item.error).toMatch(message);
			// No POST interceptor exists: a release sent would have failed differently.
			expect(everything(run)).not.toContain('Nock');
		},
	);

	test('with On Error: Stop the run stops with the option named', async () => {
		const { engine } = setup();
		const run = await engine.run(
			defenderWorkflow(ids(3), {
				parameters: {
					device: fromItem,
					comment: 'c',
					options: { parallelRequests: "={{ 'four' }}" },
				},
			}),
		);
		expect((runError(run) as Error | undefined)?.message).toBe(
			'Options: Parallel Requests: expected a whole number from 1 to 10, got the text "four"',
		);
	});

	test('a numeric text is a number: Parallel Requests "2" releases all 5 items', async () => {
		const { engine } = setup();
		nock(API)
			.persist()
			.post(/\/api\/machines\/[0-9a-f]{40}\/unisolate$/)
			.reply(201, (uri) => machineAction({ machineId: uri.split('/')[3] }));
		const run = await engine.run(
			defenderWorkflow(ids(5), {
				parameters: { device: fromItem, comment: 'c', options: { parallelRequests: '={{ "2" }}' } },
			}),
		);
		expect(jsonOf(run, 'Released').map((item) => item.outcome)).toEqual(Array(5).fill('created'));
	});

	test('Max Wait for Completion is checked per item: the bad item fails, the good one is released and followed', async () => {
		const { engine } = setup();
		const good = machineId(71);
		nock(API)
			.post(`/api/machines/${good}/unisolate`)
			.reply(201, machineAction({ machineId: good, status: 'Succeeded' }));
		const run = await engine.run(
			defenderWorkflow(
				[
					{ id: good, wait: 30 },
					{ id: machineId(72), wait: 'forever' },
				],
				{
					parameters: {
						device: fromItem,
						comment: 'c',
						waitForCompletion: true,
						maxCompletionWaitSeconds: '={{ $json.wait }}',
					},
					onError: 'continueRegularOutput',
				},
			),
		);
		const [first, second] = jsonOf(run, 'Defender');
		expect(first).toMatchObject({ machineId: good, completion: 'completed' });
		expect(second.error).toBe(
			'Max Wait for Completion (Seconds): expected a number from 1 to 3600, got the text "forever"',
		);
		expect(second.details).toBe('Nothing was sent for this item.');
	});

	test('Limit is checked per item on the Get Many operations', async () => {
		const { engine } = setup();
		nock(API)
			.get('/api/machines')
			.query(true)
			.reply(200, { value: [machine(ID, 'ws-1')] });
		const run = await engine.run(
			defenderWorkflow([{ limit: 1 }, { limit: 'ten' }, { limit: -3 }], {
				parameters: { operation: 'getMany', returnAll: false, limit: '={{ $json.limit }}' },
				onError: 'continueRegularOutput',
			}),
		);
		const output = jsonOf(run, 'Defender');
		expect(output).toHaveLength(3);
		expect(output[0]).toMatchObject({ id: ID });
		expect(output[1].error).toBe(
			'Limit: expected a whole number from 1 to 1000000, got the text "ten"',
		);
		expect(output[2].error).toBe('Limit: expected a whole number from 1 to 1000000, got -3');
	});
});

describe('2. no token or secret in any error field or log line', () => {
	const logged: string[] = [];
	const capture = (...args: unknown[]) => void logged.push(JSON.stringify(args));
	beforeEach(() => {
		logged.length = 0;
		LoggerProxy.init({
			error: capture,
			warn: capture,
			info: capture,
			debug: capture,
		} as unknown as Parameters<typeof LoggerProxy.init>[0]);
	});

	test.each([
		[400, 'BadRequest', `Invalid request. Headers: {"Authorization":"Bearer ${ECHOED}"}`],
		[404, 'ResourceNotFound', `Machine not found for token ${ECHOED} (echoed without its scheme)`],
		[400, 'BadRequest', `form: client_secret=${encodeURIComponent(SECRET)}`],
		[400, 'BadRequest', `json: {\\"token\\":\\"${ECHOED}\\"} ${'x'.repeat(280)} ${ECHOED}`],
	])(
		'a %d whose body echoes a credential value: redacted in every field, On Error Stop and Continue',
		async (status, code, echo) => {
			for (const onError of ['stopWorkflow', 'continueRegularOutput'] as const) {
				const { engine } = setup();
				nock(API).post(`/api/machines/${ID}/unisolate`).reply(status, apiErrorBody(code, echo));
				const run = await engine.run(
					defenderWorkflow([{}], { parameters: { device: byId(ID), comment: 'c' }, onError }),
				);
				const shown = everything(run) + logged.join('\n');
				expect(shown).toContain(`"httpCode":"${status}"`);
				expect(shown).not.toContain(ECHOED);
				expect(shown).not.toContain(ECHOED.slice(0, 20));
				expect(shown).not.toContain(SECRET);
				expect(shown).not.toContain(encodeURIComponent(SECRET));
			}
		},
	);

	test('the pending-actions snapshot and a device lookup echoing the token are redacted too', async () => {
		const { engine } = bare();
		nock(API)
			.get('/api/machineactions')
			.query(true)
			.reply(400, apiErrorBody('BadRequest', `bad filter; auth ${ECHOED}`));
		nock(API)
			.get('/api/machines')
			.query(true)
			.times(2)
			.reply(400, apiErrorBody('BadRequest', `Bearer ${ECHOED}`));
		const run = await engine.run(
			defenderWorkflow([{ id: ID }, { id: 'ws-1' }], {
				parameters: {
					device: {
						__rl: true,
						mode: '={{ $json.id.length === 40 ? "id" : "hostname" }}',
						value: '={{ $json.id }}',
					},
					comment: 'c',
				},
				onError: 'continueRegularOutput',
			}),
		);
		const output = jsonOf(run, 'Defender');
		expect(output).toHaveLength(2);
		expect(output.every((item) => typeof item.error === 'string')).toBe(true);
		expect(everything(run) + logged.join('\n')).not.toContain(ECHOED);
	});
});

describe('3. a credential edited to another tenant never acts with the old tenant’s token', () => {
	const jwt = (claims: object) =>
		[{ alg: 'RS256', typ: 'JWT' }, claims]
			.map((part) => Buffer.from(JSON.stringify(part)).toString('base64url'))
			.join('.') + '.c2lnbmF0dXJl';

	function withStoredToken(claims: (clientId: string) => object) {
		const engine = newEngine();
		// Client IDs are GUIDs in Entra: only then can the token's appid be compared with the credential.
		const credential = saveCredential(engine, { applicationId: randomUUID() });
		const accessToken = jwt(claims(credential.clientId));
		engine.credentialsHelper.save(CREDENTIAL_ID, 'defenderForEndpointOAuth2Api', {
			...engine.credentialsHelper.stored(CREDENTIAL_ID),
			oauthTokenData: { token_type: 'Bearer', access_token: accessToken, expires_in: 3599 },
		});
		return { engine, credential, accessToken };
	}

	test('a token whose tid is another tenant: every item fails, nothing is sent, the message says why', async () => {
		const oldTenant = '99999999-8888-7777-6666-555555555555';
		const { engine, accessToken } = withStoredToken((clientId) => ({
			tid: oldTenant,
			appid: clientId,
		}));
		const run = await engine.run(
			defenderWorkflow(ids(3), {
				parameters: { device: fromItem, comment: 'c' },
				onError: 'continueRegularOutput',
			}),
		);
		const output = jsonOf(run, 'Defender');
		expect(output).toHaveLength(3);
		for (const item of output) {
			expect(item.error).toBe(
				`The access token n8n stored for this credential does not belong to it: it was issued for tenant ${oldTenant}, and the credential's Tenant ID is now ${TENANT}`,
			);
			expect(item.details).toMatch(/^Nothing was sent\./);
		}
		expect(everything(run)).not.toContain(accessToken);
		expect(nock.pendingMocks()).toEqual([]);
	});

	test('a token of another app registration (appid) is refused the same way', async () => {
		const { engine } = withStoredToken(() => ({
			tid: TENANT,
			appid: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
		}));
		const run = await engine.run(
			defenderWorkflow([{ id: ID }], { parameters: { device: fromItem, comment: 'c' } }),
		);
		expect((runError(run) as Error | undefined)?.message).toMatch(/issued for another application/);
	});

	test('a token of the credential’s own tenant is used', async () => {
		const tenantUpper = TENANT.toUpperCase();
		const { engine } = withStoredToken(() => ({ tid: tenantUpper }));
		mockTenantActions();
		const post = nock(API)
			.post(`/api/machines/${ID}/unisolate`)
			.reply(201, machineAction({ machineId: ID }));
		const run = await engine.run(
			defenderWorkflow([{ id: ID }], { parameters: { device: fromItem, comment: 'c' } }),
		);
		expect(jsonOf(run, 'Released')[0]).toMatchObject({ outcome: 'created' });
		expect(post.isDone()).toBe(true);
	});
});

describe('4. no endless paging', () => {
	const snapshotPage = (nextLink: string) => ({ value: [], '@odata.nextLink': nextLink });

	test('a snapshot whose next-page link repeats stops at once; nothing is released', async () => {
		const { engine } = bare();
		const link = `${API}/api/machineactions?$filter=x&$skiptoken=abc`;
		let calls = 0;
		nock(API)
			.persist()
			.get('/api/machineactions')
			.query(true)
			.reply(200, () => (calls++, snapshotPage(link)));
		const run = await engine.run(
			defenderWorkflow([{ id: ID }], {
				parameters: { device: fromItem, comment: 'c' },
				onError: 'continueRegularOutput',
			}),
		);
		expect(jsonOf(run, 'Defender')[0].error).toMatch(
			/paging returned a next-page link to a page it had already returned/,
		);
		// The first page, the linked page, and the link again: stopped before asking for it a second time.
		expect(calls).toBe(2);
	});

	test('Get Isolated Devices: a cycle of two links stops after the two pages', async () => {
		const { engine } = setup();
		const a = `${API}/api/machineactions?$skiptoken=a`;
		const b = `${API}/api/machineactions?$skiptoken=b`;
		nock(API)
			.get('/api/machineactions')
			.query((query) => query.$filter === "type eq 'Isolate' or type eq 'Unisolate'")
			.reply(200, snapshotPage(a));
		nock(API).get('/api/machineactions').query({ $skiptoken: 'a' }).reply(200, snapshotPage(b));
		nock(API).get('/api/machineactions').query({ $skiptoken: 'b' }).reply(200, snapshotPage(a));
		const run = await engine.run(
			defenderWorkflow([{}], {
				parameters: { operation: 'getIsolatedDevices', returnAll: true },
				onError: 'continueRegularOutput',
			}),
		);
		expect(jsonOf(run, 'Defender')[0].error).toMatch(
			/^Defender's paging returned a next-page link to a page it had already returned while trying to list/,
		);
		expect(nock.pendingMocks().filter((mock) => !mock.includes('machineactions'))).toEqual([]);
	});

	test.each([
		['another port', 'https://api.security.microsoft.com:8443/api/machineactions?$skiptoken=a'],
		['another scheme', 'http://api.security.microsoft.com/api/machineactions?$skiptoken=a'],
		['another host', 'https://evil.example/api/machineactions?$skiptoken=a'],
		['another collection', `${API}/api/machines/${ID}/unisolate?$skiptoken=a`],
	])(
		'Action Center › Get Many: a next-page link to %s is never followed',
		async (_label, nextLink) => {
			const { engine } = setup();
			nock(API)
				.get('/api/machineactions')
				.query(true)
				.reply(200, { value: [machineAction()], '@odata.nextLink': nextLink });
			const run = await engine.run(
				defenderWorkflow([{}], {
					parameters: { resource: 'machineAction', operation: 'getMany', returnAll: true },
					onError: 'continueRegularOutput',
				}),
			);
			expect(jsonOf(run, 'Defender')[0].error).toMatch(
				/next-page link to another host or collection/,
			);
		},
	);
});

describe('5. an unreadable page is a failed call, never "nothing"', () => {
	test.each([
		['value missing', {}],
		['value null', { value: null }],
		['value not a list', { value: 'none' }],
		['value holding non-entities', { value: [null, 3] }],
	])(
		'a snapshot with %s is retried, then the item fails with nothing sent',
		async (_label, body) => {
			const { engine } = bare();
			const snapshot = nock(API)
				.get('/api/machineactions')
				.query((query) => query.$filter === RUNNING_ACTIONS_FILTER)
				.times(2)
				.reply(200, body);
			const run = await engine.run(
				defenderWorkflow([{ id: ID }], {
					parameters: { device: fromItem, comment: 'c', options: { maxRetries: 1 } },
					onError: 'continueRegularOutput',
				}),
			);
			expect(snapshot.isDone()).toBe(true);
			expect(jsonOf(run, 'Defender')[0].error).toMatch(
				/^Defender kept failing \(HTTP 200 with a page whose "value" (is not a list|holds something other than entities)\) after 1 retries while trying to check the tenant/,
			);
		},
		20_000,
	);

	test('a malformed batch lookup never turns an existing device into "no device named"', async () => {
		const { engine } = setup();
		nock(API)
			.get('/api/machines')
			.query(true)
			.times(4)
			.reply(200, { value: { id: ID } });
		const run = await engine.run(
			defenderWorkflow([{ name: 'ws-1.contoso.com' }, { name: 'ws-2.contoso.com' }], {
				parameters: {
					device: { __rl: true, mode: 'hostname', value: '={{ $json.name }}' },
					comment: 'c',
					options: { maxRetries: 0 },
				},
				onError: 'continueRegularOutput',
			}),
		);
		const output = jsonOf(run, 'Defender') as Array<{ error?: string }>;
		expect(output).toHaveLength(2);
		for (const item of output) {
			expect(item.error).toMatch(
				/^Defender kept failing \(HTTP 200 with a page whose "value" is not a list\)/,
			);
			expect(item.error).not.toMatch(/no Defender device/);
		}
	});
});
