import type { IDataObject } from 'n8n-workflow';
import nock from 'nock';

import {
	API,
	SECRET,
	apiErrorBody,
	machine,
	machineAction,
	machineId,
	mockTokens,
	mockTenantActions,
	unusedMocks,
	saveCredential,
} from '../helpers/defenderMocks';
import {
	CREDENTIAL_ID,
	jsonOf,
	newEngine,
	outputOf,
	defenderWorkflow,
	runError,
} from '../helpers/workflow';

const ID = machineId(1);
const byId = (id: string) => ({ __rl: true, mode: 'id', value: id });
const byHostname = (hostname: string) => ({ __rl: true, mode: 'hostname', value: hostname });

function setup(running: object[] = []) {
	const engine = newEngine();
	const credential = saveCredential(engine);
	mockTenantActions(running);
	return { engine, credential };
}

/** Every string the run produced, for secret checks. */
function everythingPrinted(run: unknown): string {
	return JSON.stringify(run, (_key, value: unknown) =>
		value instanceof Error
			? {
					...value,
					message: value.message,
					stack: value.stack,
					description: (value as { description?: string }).description,
				}
			: value,
	);
}

describe('Release From Isolation', () => {
	test('releases devices by ID with one token for all items, sending the trimmed comment', async () => {
		const { engine, credential } = setup();
		const tokens = mockTokens(credential.clientId, ['token-1']);
		const ids = [machineId(1), machineId(2), machineId(3)];
		const posts = ids.map((id, n) =>
			nock(API)
				.post(`/api/machines/${id}/unisolate`, { Comment: 'Released after INC-1' })
				.matchHeader('authorization', 'Bearer token-1')
				.matchHeader('content-type', /application\/json/)
				.reply(201, machineAction({ id: `action-${n}`, machineId: id })),
		);

		const run = await engine.run(
			defenderWorkflow(
				ids.map((id) => ({ id })),
				{
					parameters: {
						device: { __rl: true, mode: 'id', value: '={{ $json.id }}' },
						comment: '  Released after INC-1 \n',
					},
				},
			),
		);

		expect(runError(run)).toBeUndefined();
		const output = outputOf(run, 'Defender')!;
		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(output.map((item) => item.json.id)).toEqual(['action-0', 'action-1', 'action-2']);
		expect(output[0].json).toMatchObject({
			type: 'Unisolate',
			status: 'Pending',
			machineId: ids[0],
			outcome: 'created',
		});
		expect(output[0].json).not.toHaveProperty(['@odata.context']);
		expect(tokens.bodies).toHaveLength(1);
		expect(posts.every((post) => post.isDone())).toBe(true);
		// n8n keeps the token in the credential, as it does in its database.
		expect(engine.credentialsHelper.stored(CREDENTIAL_ID).oauthTokenData).toMatchObject({
			access_token: 'token-1',
		});
	});

	test('reuses the token stored in the credential on the next execution, and refreshes it once on 401', async () => {
		const { engine, credential } = setup();
		const tokens = mockTokens(credential.clientId, ['token-1', 'token-2']);
		nock(API)
			.post(`/api/machines/${ID}/unisolate`)
			.matchHeader('authorization', 'Bearer token-1')
			.reply(201, machineAction());
		const workflow = defenderWorkflow([{}], { parameters: { device: byId(ID), comment: 'c' } });
		expect(runError(await engine.run(workflow))).toBeUndefined();

		nock(API)
			.post(`/api/machines/${ID}/unisolate`)
			.matchHeader('authorization', 'Bearer token-1')
			.reply(
				401,
				apiErrorBody('Unauthorized', 'Unauthorized (invalid or expired authorization header).'),
			);
		const retried = nock(API)
			.post(`/api/machines/${ID}/unisolate`)
			.matchHeader('authorization', 'Bearer token-2')
			.reply(201, machineAction());
		const second = await engine.run(workflow);

		expect(runError(second)).toBeUndefined();
		expect(retried.isDone()).toBe(true);
		expect(tokens.bodies).toHaveLength(2);
		expect(engine.credentialsHelper.stored(CREDENTIAL_ID).oauthTokenData).toMatchObject({
			access_token: 'token-2',
		});
	});

	test('a 401 that survives the token refresh fails the item with an authentication message', async () => {
		const { engine, credential } = setup();
		mockTokens(credential.clientId, ['token-1', 'token-2']);
		nock(API)
			.post(`/api/machines/${ID}/unisolate`)
			.times(2)
			.reply(401, apiErrorBody('Unauthorized', 'Unauthorized'));
		const run = await engine.run(
			defenderWorkflow([{}], {
				parameters: { device: byId(ID), comment: 'c' },
				onError: 'continueRegularOutput',
			}),
		);
		expect(jsonOf(run, 'Defender')[0].error).toMatch(/rejected the access token/);
	});

	test('an empty or whitespace-only comment from the input is an error for that item, and nothing is sent for it', async () => {
		const { engine, credential } = setup();
		mockTokens(credential.clientId, ['t']);
		const post = nock(API)
			.post(`/api/machines/${ID}/unisolate`, { Comment: 'fine' })
			.reply(201, machineAction());
		const run = await engine.run(
			defenderWorkflow([{ comment: '' }, { comment: ' \t\n ' }, {}, { comment: 'fine' }], {
				parameters: { device: byId(ID), comment: '={{ $json.comment }}' },
				onError: 'continueRegularOutput',
			}),
		);
		const items = jsonOf(run, 'Defender');
		const refusal = {
			error: 'Comment: a comment is required',
			details: expect.stringContaining('Nothing was sent'),
		};
		expect(items).toEqual([
			refusal,
			refusal,
			refusal,
			expect.objectContaining({ outcome: 'created' }),
		]);
		expect(post.isDone()).toBe(true);
	});

	test('a comment left empty in the editor stops the workflow before anything is sent', async () => {
		const { engine } = setup();
		const parameters: IDataObject = { device: byId(ID), comment: '' };
		await expect(engine.run(defenderWorkflow([{}], { parameters }))).rejects.toThrow(
			'Parameter "Comment" is required.',
		);
	});

	test.each([
		['too short', 'abc123'],
		['path traversal', '../../api/machines'],
		['encoded slash', `${'a'.repeat(20)}%2F${'b'.repeat(17)}`],
		['space inside', `${'a'.repeat(20)} ${'b'.repeat(19)}`],
		['not hex', 'z'.repeat(40)],
	])(
		'an invalid device ID (%s) from the input is an error naming the field, and nothing is sent',
		async (_label, value) => {
			const { engine } = setup();
			const run = await engine.run(
				defenderWorkflow([{ id: value }], {
					parameters: {
						device: { __rl: true, mode: 'id', value: '={{ $json.id }}' },
						comment: 'c',
					},
					onError: 'continueRegularOutput',
				}),
			);
			expect(jsonOf(run, 'Defender')[0].error).toMatch(
				/^Device \(By ID\): Device ID ".*" is not a Defender machine ID/,
			);
		},
	);

	test('a typed invalid ID is caught by the editor validation: the workflow does not start', async () => {
		const { engine } = setup();
		await expect(
			engine.run(
				defenderWorkflow([{}], { parameters: { device: byId('not-an-id'), comment: 'c' } }),
			),
		).rejects.toThrow('A Defender machine ID is 40 hexadecimal characters');
	});

	test('an ID with upper case and spaces around it is normalised before use', async () => {
		const { engine, credential } = setup();
		mockTokens(credential.clientId, ['t']);
		const post = nock(API)
			.post(`/api/machines/${ID}/unisolate`)
			.reply(201, machineAction({ machineId: ID }));
		const run = await engine.run(
			defenderWorkflow([{}], {
				parameters: { device: byId(`  ${ID.toUpperCase()} `), comment: 'c' },
			}),
		);
		expect(runError(run)).toBeUndefined();
		expect(post.isDone()).toBe(true);
	});

	describe('by hostname', () => {
		test('resolves exactly one device with an escaped OData filter and releases it', async () => {
			const { engine, credential } = setup();
			mockTokens(credential.clientId, ['t']);
			const name = "o'brien-laptop.contoso.com";
			const lookup = nock(API)
				.get('/api/machines')
				.query({ $filter: "computerDnsName eq 'o''brien-laptop.contoso.com'", $top: 10000 })
				.reply(200, { value: [machine(ID, name)] });
			const post = nock(API)
				.post(`/api/machines/${ID}/unisolate`, { Comment: 'c' })
				.reply(201, machineAction());
			const run = await engine.run(
				defenderWorkflow([{}], { parameters: { device: byHostname(name), comment: 'c' } }),
			);
			expect(runError(run)).toBeUndefined();
			expect(lookup.isDone() && post.isDone()).toBe(true);
		});

		test('a hostname matching no device is an error and nothing is released (empty list or 404)', async () => {
			const { engine, credential } = setup();
			mockTokens(credential.clientId, ['t']);
			nock(API).get('/api/machines').query(true).reply(200, { value: [] });
			nock(API)
				.get('/api/machines')
				.query(true)
				.reply(404, apiErrorBody('NotFound', 'No machines'));
			const run = await engine.run(
				defenderWorkflow([{ h: 'ghost-1' }, { h: 'ghost-2' }], {
					parameters: {
						device: { __rl: true, mode: 'hostname', value: '={{ $json.h }}' },
						comment: 'c',
						options: { parallelRequests: 1 },
					},
					onError: 'continueRegularOutput',
				}),
			);
			const errors = jsonOf(run, 'Defender').map((item) => item.error);
			expect(errors).toEqual([
				'Device (By Hostname): no Defender device is named "ghost-1"',
				'Device (By Hostname): no Defender device is named "ghost-2"',
			]);
		});

		test('a hostname matching several devices names them all and releases none', async () => {
			const { engine, credential } = setup();
			mockTokens(credential.clientId, ['t']);
			const [a, b] = [machineId(10), machineId(11)];
			nock(API)
				.get('/api/machines')
				.query(true)
				.reply(200, {
					value: [
						machine(a, 'dup-host.contoso.com'),
						machine(b, 'DUP-HOST.contoso.com', { lastSeen: '2025-01-01T00:00:00Z' }),
					],
				});
			const run = await engine.run(
				defenderWorkflow([{}], {
					parameters: { device: byHostname('dup-host.contoso.com'), comment: 'c' },
					onError: 'continueRegularOutput',
				}),
			);
			const [item] = jsonOf(run, 'Defender');
			expect(item.error).toContain('2 Defender devices are named "dup-host.contoso.com"');
			expect(item.error).toContain(a);
			expect(item.error).toContain(b);
			expect(item.details).toMatch(/Nothing was sent/);
		});

		test('devices the filter returned under another name are never used', async () => {
			const { engine, credential } = setup();
			mockTokens(credential.clientId, ['t']);
			nock(API)
				.get('/api/machines')
				.query(true)
				.reply(200, { value: [machine(ID, 'other-host.contoso.com')] });
			const run = await engine.run(
				defenderWorkflow([{}], {
					parameters: { device: byHostname('ws-1.contoso.com'), comment: 'c' },
					onError: 'continueRegularOutput',
				}),
			);
			expect(jsonOf(run, 'Defender')[0].error).toMatch(/no Defender device is named/);
		});
	});

	describe('retries', () => {
		test('429 with Retry-After waits that long, then succeeds with one POST landing', async () => {
			const { engine, credential } = setup();
			mockTokens(credential.clientId, ['t']);
			nock(API)
				.post(`/api/machines/${ID}/unisolate`)
				.reply(429, apiErrorBody('TooManyRequests', 'Rate limit'), { 'Retry-After': '1' });
			const ok = nock(API).post(`/api/machines/${ID}/unisolate`).reply(201, machineAction());
			const started = Date.now();
			const run = await engine.run(
				defenderWorkflow([{}], { parameters: { device: byId(ID), comment: 'c' } }),
			);
			expect(runError(run)).toBeUndefined();
			expect(ok.isDone()).toBe(true);
			expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
		});

		test('429 without Retry-After backs off, then succeeds', async () => {
			const { engine, credential } = setup();
			mockTokens(credential.clientId, ['t']);
			nock(API)
				.post(`/api/machines/${ID}/unisolate`)
				.reply(429, apiErrorBody('TooManyRequests', 'Rate limit'));
			const ok = nock(API).post(`/api/machines/${ID}/unisolate`).reply(201, machineAction());
			const run = await engine.run(
				defenderWorkflow([{}], { parameters: { device: byId(ID), comment: 'c' } }),
			);
			expect(runError(run)).toBeUndefined();
			expect(ok.isDone()).toBe(true);
		});

		test('429 forever fails when the next wait would pass Max Wait (not after Max Retries), with a retry-after time', async () => {
			const { engine, credential } = setup();
			mockTokens(credential.clientId, ['t']);
			const throttled = nock(API)
				.post(`/api/machines/${ID}/unisolate`)
				.times(50)
				.reply(429, apiErrorBody('TooManyRequests', 'Rate limit'), { 'Retry-After': '1' });
			const run = await engine.run(
				defenderWorkflow([{}], {
					parameters: {
						device: byId(ID),
						comment: 'c',
						options: { maxRetries: 0, maxWaitSeconds: 3 },
					},
					onError: 'continueRegularOutput',
				}),
			);
			expect(jsonOf(run, 'Defender')[0].error).toMatch(
				/^Defender kept answering HTTP 429 Too Many Requests \([2-4] answers\) and the next wait goes beyond the Max Wait of 3 s while trying to unisolate device .*; retry after \d{4}-/,
			);
			expect(throttled.isDone()).toBe(false);
		});

		test('a Retry-After beyond Max Wait fails at once instead of waiting', async () => {
			const { engine, credential } = setup();
			mockTokens(credential.clientId, ['t']);
			nock(API)
				.post(`/api/machines/${ID}/unisolate`)
				.reply(429, apiErrorBody('TooManyRequests', 'Rate limit'), { 'Retry-After': '3600' });
			const started = Date.now();
			const run = await engine.run(
				defenderWorkflow([{}], {
					parameters: { device: byId(ID), comment: 'c', options: { maxWaitSeconds: 10 } },
					onError: 'continueRegularOutput',
				}),
			);
			expect(jsonOf(run, 'Defender')[0].error).toMatch(/beyond the Max Wait of 10 s .*retry after/);
			expect(Date.now() - started).toBeLessThan(5000);
		});

		test('5xx then success', async () => {
			const { engine, credential } = setup();
			mockTokens(credential.clientId, ['t']);
			nock(API)
				.post(`/api/machines/${ID}/unisolate`)
				.reply(503, apiErrorBody('ServiceUnavailable', 'busy'));
			nock(API).post(`/api/machines/${ID}/unisolate`).reply(500, {});
			const ok = nock(API).post(`/api/machines/${ID}/unisolate`).reply(201, machineAction());
			const run = await engine.run(
				defenderWorkflow([{}], { parameters: { device: byId(ID), comment: 'c' } }),
			);
			expect(runError(run)).toBeUndefined();
			expect(ok.isDone()).toBe(true);
		});
	});

	describe('action already in progress', () => {
		test('a pending Unisolate is returned as the result, without a second POST', async () => {
			const { engine, credential } = setup();
			mockTokens(credential.clientId, ['t']);
			const post = nock(API)
				.post(`/api/machines/${ID}/unisolate`)
				.reply(400, apiErrorBody('ActiveRequestAlreadyExists', 'Action is already in progress'));
			const lookup = nock(API)
				.get('/api/machineactions')
				.query({
					$filter: `machineId eq '${ID}' and (status eq 'Pending' or status eq 'InProgress')`,
				})
				.reply(200, {
					value: [
						machineAction({ id: 'existing', machineId: ID, requestorComment: 'earlier run' }),
					],
				});
			const run = await engine.run(
				defenderWorkflow([{}], { parameters: { device: byId(ID), comment: 'c' } }),
			);
			expect(runError(run)).toBeUndefined();
			expect(jsonOf(run, 'Defender')).toEqual([
				expect.objectContaining({ id: 'existing', outcome: 'alreadyInProgress' }),
			]);
			expect(post.isDone() && lookup.isDone()).toBe(true);
			expect(unusedMocks()).toEqual([]);
		});

		test('recognises the message alone ("Action is already in progress")', async () => {
			const { engine, credential } = setup();
			mockTokens(credential.clientId, ['t']);
			nock(API)
				.post(`/api/machines/${ID}/unisolate`)
				.reply(400, { error: { code: 'BadRequest', message: 'Action is already in progress' } });
			nock(API)
				.get('/api/machineactions')
				.query(true)
				.reply(200, { value: [machineAction({ id: 'existing', status: 'InProgress' })] });
			const run = await engine.run(
				defenderWorkflow([{}], { parameters: { device: byId(ID), comment: 'c' } }),
			);
			expect(jsonOf(run, 'Defender')[0]).toMatchObject({
				id: 'existing',
				outcome: 'alreadyInProgress',
			});
		});

		test('another blocking action is waited out, then the release is posted', async () => {
			const { engine, credential } = setup();
			mockTokens(credential.clientId, ['t']);
			nock(API)
				.post(`/api/machines/${ID}/unisolate`)
				.reply(400, apiErrorBody('ActiveRequestAlreadyExists', 'Action is already in progress'));
			nock(API)
				.get('/api/machineactions')
				.query(true)
				.reply(200, {
					value: [machineAction({ id: 'isolating', type: 'Isolate', status: 'InProgress' })],
				});
			// The blocking action is read until it is final, not waited out by posting the release again.
			const read = nock(API)
				.get('/api/machineactions/isolating')
				.reply(200, machineAction({ id: 'isolating', type: 'Isolate', status: 'Succeeded' }));
			const ok = nock(API)
				.post(`/api/machines/${ID}/unisolate`)
				.reply(201, machineAction({ id: 'mine' }));
			const run = await engine.run(
				defenderWorkflow([{}], { parameters: { device: byId(ID), comment: 'c' } }),
			);
			expect(jsonOf(run, 'Defender')[0]).toMatchObject({ id: 'mine', outcome: 'created' });
			expect(read.isDone() && ok.isDone()).toBe(true);
		}, 30_000);

		test('a blocking action that never clears fails with what blocks it', async () => {
			const { engine, credential } = setup();
			mockTokens(credential.clientId, ['t']);
			nock(API)
				.post(`/api/machines/${ID}/unisolate`)
				.times(2)
				.reply(400, apiErrorBody('ActiveRequestAlreadyExists', 'Action is already in progress'));
			nock(API)
				.get('/api/machineactions')
				.query(true)
				.times(2)
				.reply(200, {
					value: [machineAction({ id: 'scan-1', type: 'RunAntiVirusScan', status: 'Pending' })],
				});
			const run = await engine.run(
				defenderWorkflow([{}], {
					parameters: { device: byId(ID), comment: 'c', options: { maxRetries: 1 } },
					onError: 'continueRegularOutput',
				}),
			);
			expect(jsonOf(run, 'Defender')[0].error).toMatch(
				/Another action is in progress on device .*: RunAntiVirusScan scan-1 \(Pending, requested by .*\) after 1 retries/,
			);
		});

		test('without Machine.Read.All (lookup 403) it falls back to retrying the POST', async () => {
			const { engine, credential } = setup();
			mockTokens(credential.clientId, ['t']);
			nock(API)
				.post(`/api/machines/${ID}/unisolate`)
				.reply(400, apiErrorBody('ActiveRequestAlreadyExists', 'Action is already in progress'));
			nock(API)
				.get('/api/machineactions')
				.query(true)
				.reply(403, apiErrorBody('Forbidden', 'Forbidden'));
			const ok = nock(API)
				.post(`/api/machines/${ID}/unisolate`)
				.reply(201, machineAction({ id: 'mine-after-403' }));
			const run = await engine.run(
				defenderWorkflow([{}], { parameters: { device: byId(ID), comment: 'c' } }),
			);
			expect(jsonOf(run, 'Defender')[0]).toMatchObject({
				id: 'mine-after-403',
				outcome: 'created',
			});
			expect(ok.isDone()).toBe(true);
		});
	});

	describe('errors', () => {
		test('403 names the missing permission and carries the correlation ID', async () => {
			const { engine, credential } = setup();
			mockTokens(credential.clientId, ['t']);
			nock(API)
				.post(`/api/machines/${ID}/unisolate`)
				.reply(
					403,
					apiErrorBody(
						'Forbidden',
						'Forbidden (valid token but insufficient permission for the action).',
						'corr-403',
					),
				);
			const run = await engine.run(
				defenderWorkflow([{}], {
					parameters: { device: byId(ID), comment: 'c' },
					onError: 'continueRegularOutput',
				}),
			);
			const [item] = jsonOf(run, 'Defender');
			expect(item.error).toBe(`Missing permission Machine.Isolate to unisolate device ${ID}`);
			expect(item.details).toContain("Machine.Isolate ('Isolate machine')");
			expect(item.details).toContain('corr-403');
		});

		test('403 on the hostname lookup names Machine.Read.All', async () => {
			const { engine, credential } = setup();
			mockTokens(credential.clientId, ['t']);
			// Once for the run's batched lookup, once for the item's own lookup after the batch failed.
			nock(API)
				.get('/api/machines')
				.query(true)
				.times(2)
				.reply(403, apiErrorBody('Forbidden', 'Forbidden'));
			const run = await engine.run(
				defenderWorkflow([{}], {
					parameters: { device: byHostname('ws-1'), comment: 'c' },
					onError: 'continueRegularOutput',
				}),
			);
			expect(jsonOf(run, 'Defender')[0].error).toBe(
				'Missing permission Machine.Read.All to look up the device named ws-1',
			);
		});

		test('404 says the device was not found, with the API message', async () => {
			const { engine, credential } = setup();
			mockTokens(credential.clientId, ['t']);
			nock(API)
				.post(`/api/machines/${ID}/unisolate`)
				.reply(404, apiErrorBody('ResourceNotFound', `Machine ${ID} was not found`, 'corr-404'));
			const run = await engine.run(
				defenderWorkflow([{}], {
					parameters: { device: byId(ID), comment: 'c' },
					onError: 'continueRegularOutput',
				}),
			);
			const [item] = jsonOf(run, 'Defender');
			expect(item.error).toBe(
				`Not found in Defender for Endpoint while trying to unisolate device ${ID}`,
			);
			expect(item.details).toContain(
				`ResourceNotFound: Machine ${ID} was not found (correlation ID corr-404)`,
			);
		});

		test('without "On Error: continue" the node stops with an error that names the item', async () => {
			const { engine, credential } = setup();
			mockTokens(credential.clientId, ['t']);
			nock(API)
				.post(`/api/machines/${ID}/unisolate`)
				.reply(404, apiErrorBody('ResourceNotFound', 'nope'));
			const run = await engine.run(
				defenderWorkflow([{}], { parameters: { device: byId(ID), comment: 'c' } }),
			);
			const error = runError(run) as unknown as {
				message: string;
				context: { itemIndex?: number };
				httpCode: string;
			};
			expect(error.message).toMatch(/Not found in Defender for Endpoint/);
			expect(error.context.itemIndex).toBe(0);
			expect(error.httpCode).toBe('404');
		});

		test('a wrong client secret is reported with the AADSTS reason and no secret', async () => {
			const { engine, credential } = setup();
			nock('https://login.microsoftonline.com')
				.post(`/${credential.tenantId}/oauth2/v2.0/token`)
				.reply(401, {
					error: 'invalid_client',
					error_description: 'AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x',
					error_codes: [7000215],
				});
			const run = await engine.run(
				defenderWorkflow([{}], {
					parameters: { device: byId(ID), comment: 'c' },
					onError: 'continueRegularOutput',
				}),
			);
			const [item] = jsonOf(run, 'Defender');
			expect(item.error).toBe(
				'Could not get an access token for Defender for Endpoint: AADSTS7000215: Invalid client secret provided. (AADSTS7000215: the client secret is wrong: use the secret value, not its secret ID)',
			);
			expect(everythingPrinted(run)).not.toContain(SECRET);
		});
	});

	test('continueOnFail: N items in, N items out, each paired with its input, errors on the error output', async () => {
		const { engine, credential } = setup();
		mockTokens(credential.clientId, ['t']);
		const good = [machineId(21), machineId(22)];
		nock(API)
			.post(`/api/machines/${good[0]}/unisolate`)
			.reply(201, machineAction({ id: 'a-21', machineId: good[0] }));
		nock(API)
			.post(`/api/machines/${good[1]}/unisolate`)
			.reply(201, machineAction({ id: 'a-22', machineId: good[1] }));
		nock(API)
			.post(`/api/machines/${machineId(23)}/unisolate`)
			.reply(404, apiErrorBody('ResourceNotFound', 'gone'));
		const items = [
			{ id: good[0] },
			{ id: 'bad' },
			{ id: good[1] },
			{ id: machineId(23) },
			{ id: good[0], comment: '' },
		];
		const run = await engine.run(
			defenderWorkflow(items, {
				parameters: {
					device: { __rl: true, mode: 'id', value: '={{ $json.id }}' },
					comment: '={{ $json.comment ?? "ok" }}',
				},
				onError: 'continueErrorOutput',
			}),
		);
		const released = outputOf(run, 'Defender', 0)!;
		const failed = outputOf(run, 'Defender', 1)!;
		expect(released.map((item) => [item.pairedItem, item.json.id])).toEqual([
			[{ item: 0 }, 'a-21'],
			[{ item: 2 }, 'a-22'],
		]);
		expect(failed.map((item) => item.pairedItem)).toEqual([{ item: 1 }, { item: 3 }, { item: 4 }]);
		// n8n merges the failed input item into its error item, so the error output says which ticket failed.
		expect(failed.map((item) => item.json.id)).toEqual(['bad', machineId(23), good[0]]);
		expect(failed.map((item) => item.json.error)).toEqual([
			expect.stringMatching(/^Device \(By ID\): Device ID "bad"/),
			expect.stringMatching(/^Not found in Defender for Endpoint/),
			'Comment: a comment is required',
		]);
		expect(released.length + failed.length).toBe(items.length);
		expect(jsonOf(run, 'Released')).toHaveLength(2);
		expect(jsonOf(run, 'Errors')).toHaveLength(3);
	});

	test('a device named twice in one run is released once; both items report the action', async () => {
		const { engine, credential } = setup();
		mockTokens(credential.clientId, ['t']);
		nock(API)
			.get('/api/machines')
			.query(true)
			.reply(200, { value: [machine(ID, 'ws-7.contoso.com')] });
		const post = nock(API)
			.post(`/api/machines/${ID}/unisolate`)
			.once()
			.reply(201, machineAction({ id: 'once' }));
		const run = await engine.run(
			defenderWorkflow(
				[
					{ mode: 'id', value: ID },
					{ mode: 'hostname', value: 'ws-7.contoso.com' },
				],
				{
					parameters: {
						device: { __rl: true, mode: '={{ $json.mode }}', value: '={{ $json.value }}' },
						comment: 'c',
						options: { parallelRequests: 1 },
					},
				},
			),
		);
		expect(runError(run)).toBeUndefined();
		expect(jsonOf(run, 'Defender').map((item) => [item.id, item.outcome])).toEqual([
			['once', 'created'],
			['once', 'duplicateInRun'],
		]);
		expect(post.isDone()).toBe(true);
	});

	test('no secret or token appears in outputs or errors', async () => {
		const { engine, credential } = setup();
		mockTokens(credential.clientId, ['tok-visible-nowhere']);
		nock(API).post(`/api/machines/${ID}/unisolate`).reply(201, machineAction());
		nock(API)
			.post(`/api/machines/${machineId(2)}/unisolate`)
			.reply(500, {});
		nock(API)
			.post(`/api/machines/${machineId(2)}/unisolate`)
			.replyWithError('socket hang up');
		nock(API).get('/api/machineactions').query(true).reply(403, apiErrorBody('Forbidden', 'no'));
		const run = await engine.run(
			defenderWorkflow([{ id: ID }, { id: machineId(2) }], {
				parameters: {
					device: { __rl: true, mode: 'id', value: '={{ $json.id }}' },
					comment: 'c',
					options: { maxRetries: 1 },
				},
				onError: 'continueRegularOutput',
			}),
		);
		const printed = everythingPrinted(run);
		expect(jsonOf(run, 'Defender')).toHaveLength(2);
		expect(printed).not.toContain(SECRET);
		expect(printed).not.toContain('tok-visible-nowhere');
	});
});
