import type { IDataObject, IRun } from 'n8n-workflow';
import { sleep } from 'n8n-workflow';
import nock from 'nock';

import { useClock } from '../helpers/clock';
import {
	API,
	LOGIN,
	SECRET,
	TENANT,
	apiErrorBody,
	machine,
	machineAction,
	machineId,
	mockTenantActions,
	mockTokens,
	saveCredential,
	unusedMocks,
} from '../helpers/defenderMocks';
import { defenderWorkflow, jsonOf, newEngine, runError } from '../helpers/workflow';

/** Issue "A release is reported only when it is true": each describe block is one of its points. */

const ID = machineId(42);
const OTHER = machineId(43);
const byId = (id: string) => ({ __rl: true, mode: 'id', value: id });
const byHostname = (hostname: string) => ({ __rl: true, mode: 'hostname', value: hostname });
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
/** An action Defender creates when the POST arrives: created "now", as Defender's clock says. */
const createdOnArrival =
	(overrides: Record<string, unknown> = {}, now: () => number = Date.now) =>
	() =>
		machineAction({
			machineId: ID,
			creationDateTimeUtc: new Date(now()).toISOString(),
			...overrides,
		});

function setup(running: object[] = []) {
	const engine = newEngine();
	const credential = saveCredential(engine);
	mockTokens(credential.clientId, ['t']);
	mockTenantActions(running);
	return engine;
}

function release(
	items: IDataObject[],
	parameters: IDataObject = {},
	onError: 'continueErrorOutput' | 'stopWorkflow' = 'continueErrorOutput',
) {
	return defenderWorkflow(items, {
		parameters: { device: byId(ID), comment: 'Released after INC-9', ...parameters },
		onError,
	});
}

describe('1. every 2xx answer is checked, not trusted', () => {
	test('an echo of a release that was already pending (known from the snapshot) is alreadyInProgress, never created', async () => {
		const pending = machineAction({
			machineId: ID,
			status: 'Pending',
			creationDateTimeUtc: minutesAgo(0),
		});
		const engine = setup([pending]);
		nock(API)
			.post(`/api/machines/${ID}/unisolate`)
			.reply(201, { ...pending });
		const [item] = jsonOf(await engine.run(release([{}])), 'Defender');
		expect(item).toMatchObject({ id: pending.id, outcome: 'alreadyInProgress' });
	});

	test('an echo (200 or 201) of an action created before the POST, per Defender’s Date header, is alreadyInProgress', async () => {
		const engine = setup();
		const old = machineAction({
			machineId: ID,
			status: 'InProgress',
			creationDateTimeUtc: minutesAgo(3),
		});
		nock(API)
			.post(`/api/machines/${ID}/unisolate`)
			.reply(200, old, { Date: () => new Date().toUTCString() });
		const [item] = jsonOf(await engine.run(release([{}])), 'Defender');
		expect(item).toMatchObject({ id: old.id, outcome: 'alreadyInProgress' });
	});

	test('two executions racing for the same device: the second one’s echo of the first one’s action is alreadyInProgress', async () => {
		const engine = newEngine();
		mockTokens(saveCredential(engine).clientId, ['t', 't']);
		mockTenantActions();
		// The first POST to arrive creates the action; the second one is answered with the same action.
		let created: object | undefined;
		nock(API)
			.post(`/api/machines/${ID}/unisolate`)
			.times(2)
			.reply(
				201,
				() =>
					(created ??= machineAction({
						machineId: ID,
						status: 'Pending',
						creationDateTimeUtc: new Date().toISOString(),
					})),
			);
		const [first, second] = await Promise.all([
			engine.run(release([{}])),
			engine.run(release([{}])),
		]);
		const outcomes = [
			jsonOf(first, 'Defender')[0].outcome,
			jsonOf(second, 'Defender')[0].outcome,
		].sort();
		expect(outcomes).toEqual(['alreadyInProgress', 'created']);
	});

	test('an echo of a pending Isolate means the release was not taken: the Isolate is read until final, then the release is posted once, and Wait for Completion follows only the release', async () => {
		const engine = setup();
		const isolate = machineAction({
			machineId: ID,
			type: 'Isolate',
			status: 'Pending',
			requestor: 'soc@contoso.com',
		});
		const posts = nock(API).post(`/api/machines/${ID}/unisolate`).reply(201, isolate);
		nock(API)
			.get(`/api/machineactions/${isolate.id}`)
			.reply(200, { ...isolate, status: 'Succeeded' });
		const ours = machineAction({ machineId: ID, status: 'Pending' });
		nock(API)
			.post(`/api/machines/${ID}/unisolate`)
			.reply(201, createdOnArrival({ id: ours.id, status: 'Pending' }));
		nock(API)
			.get(`/api/machineactions/${ours.id}`)
			.reply(200, { ...ours, status: 'Succeeded' });
		const [item] = jsonOf(await engine.run(release([{}], { waitForCompletion: true })), 'Defender');
		expect(item).toMatchObject({
			id: ours.id,
			type: 'Unisolate',
			status: 'Succeeded',
			outcome: 'created',
			completion: 'completed',
		});
		expect(posts.isDone()).toBe(true);
		expect(unusedMocks()).toEqual([]);
	}, 30_000);

	test.each([
		[
			'an action for another device',
			() => machineAction({ machineId: OTHER }),
			new RegExp(`machine action .* for device ${OTHER}, not for device ${ID}`),
		],
		['a body without an action', () => ({ value: [] }), /with no machine action in its body/],
		[
			'an action of an unrelated type',
			() => machineAction({ machineId: ID, type: 'RunAntiVirusScan' }),
			/a machine action of type RunAntiVirusScan/,
		],
	])('%s fails the item naming both IDs; nothing more is sent', async (_label, body, message) => {
		const engine = setup();
		nock(API).post(`/api/machines/${ID}/unisolate`).reply(201, body());
		const run = await engine.run(release([{}]));
		const [failure] = jsonOf(run, 'Defender', 1);
		expect(failure.error).toMatch(message);
		expect(failure.error).toContain(ID);
		expect(failure.details).toMatch(/Nothing more was sent/);
		expect(jsonOf(run, 'Defender', 0)).toEqual([]);
	});
});

describe('2. a lost answer never adopts an old action', () => {
	const lost = () =>
		nock(API)
			.post(`/api/machines/${ID}/unisolate`)
			.replyWithError({ code: 'ECONNRESET', message: 'socket hang up' });

	test('an action with the same comment created minutes before the POST (succeeded, re-isolated since) is not this run’s release', async () => {
		const engine = setup();
		lost();
		const old = machineAction({
			machineId: ID,
			status: 'Succeeded',
			requestorComment: 'Released after INC-9',
			creationDateTimeUtc: minutesAgo(2),
		});
		const reIsolation = machineAction({
			machineId: ID,
			type: 'Isolate',
			status: 'Succeeded',
			creationDateTimeUtc: minutesAgo(1),
		});
		const lookup = nock(API)
			.get('/api/machineactions')
			.query((query) => String(query.$filter).startsWith(`machineId eq '${ID}'`))
			.reply(200, { value: [old, reIsolation] }, { Date: () => new Date().toUTCString() });
		const fresh = machineAction({ machineId: ID, status: 'Pending' });
		const repost = nock(API)
			.post(`/api/machines/${ID}/unisolate`)
			.reply(201, createdOnArrival({ id: fresh.id }));
		const [item] = jsonOf(
			await engine.run(release([{}], { options: { timeoutSeconds: 1 } })),
			'Defender',
		);
		expect(item).toMatchObject({ id: fresh.id, outcome: 'created' });
		expect(lookup.isDone() && repost.isDone()).toBe(true);
	});

	test('the action the lost POST created (same comment, created after the POST was sent) is adopted, without posting again', async () => {
		const engine = setup();
		// Defender creates the action when the POST arrives, then the answer is lost.
		let arrivedAt = 0;
		nock(API)
			.post(`/api/machines/${ID}/unisolate`, () => {
				arrivedAt = Date.now();
				return true;
			})
			.replyWithError({ code: 'ECONNRESET', message: 'socket hang up' });
		nock(API)
			.get('/api/machineactions')
			.query(true)
			.reply(() => [
				200,
				{
					value: [
						machineAction({
							id: 'landed',
							machineId: ID,
							requestorComment: 'Released after INC-9',
							creationDateTimeUtc: new Date(arrivedAt).toISOString(),
						}),
					],
				},
			]);
		const [item] = jsonOf(
			await engine.run(release([{}], { options: { timeoutSeconds: 1 } })),
			'Defender',
		);
		expect(item).toMatchObject({ id: 'landed', outcome: 'created' });
		expect(unusedMocks()).toEqual([]);
	});

	test.each([404, 500])(
		'when the follow-up lookup answers %s, the outcome is unknown and the POST may have landed',
		async (status) => {
			const engine = setup();
			lost();
			nock(API)
				.get('/api/machineactions')
				.query(true)
				.times(10)
				.reply(status, apiErrorBody('X', 'lookup failed'));
			const run = await engine.run(
				release([{}], { options: { timeoutSeconds: 1, maxRetries: 1 } }),
			);
			const [failure] = jsonOf(run, 'Defender', 1);
			expect(failure.error).toMatch(
				/outcome of the Unisolate request for device .* is unknown: Defender's answer was lost .* may have landed/,
			);
			expect(failure.error).not.toMatch(/check the device ID/i);
		},
		30_000,
	);
});

describe('3. never release while an isolation is pending', () => {
	test('a pending Isolate in the tenant snapshot is read until final, then the release is posted once', async () => {
		const isolate = machineAction({
			machineId: ID,
			type: 'Isolate',
			status: 'Pending',
			requestor: 'soc@contoso.com',
		});
		const engine = setup([isolate]);
		const reads = nock(API)
			.get(`/api/machineactions/${isolate.id}`)
			.reply(200, { ...isolate, status: 'InProgress' })
			.get(`/api/machineactions/${isolate.id}`)
			.reply(200, { ...isolate, status: 'Succeeded' });
		const post = nock(API).post(`/api/machines/${ID}/unisolate`).reply(201, createdOnArrival());
		const [item] = jsonOf(await engine.run(release([{}])), 'Defender');
		expect(item.outcome).toBe('created');
		expect(reads.isDone() && post.isDone()).toBe(true);
	}, 30_000);

	test('one snapshot call serves every device of the run', async () => {
		const engine = newEngine();
		const credential = saveCredential(engine);
		mockTokens(credential.clientId, ['t']);
		const snapshot = nock(API)
			.get('/api/machineactions')
			.query(true)
			.once()
			.reply(200, { value: [] });
		const ids = [1, 2, 3, 4, 5].map((n) => machineId(100 + n));
		for (const id of ids)
			nock(API)
				.post(`/api/machines/${id}/unisolate`)
				.reply(201, createdOnArrival({ machineId: id }));
		const run = await engine.run(
			defenderWorkflow(
				ids.map((id) => ({ id })),
				{
					parameters: {
						device: { __rl: true, mode: 'id', value: '={{ $json.id }}' },
						comment: 'c',
					},
				},
			),
		);
		expect(jsonOf(run, 'Defender').map((item) => item.outcome)).toEqual(Array(5).fill('created'));
		expect(snapshot.isDone()).toBe(true);
		expect(unusedMocks()).toEqual([]);
	});

	test('executions of one process share a fresh snapshot: a second execution within a minute makes no snapshot call', async () => {
		const engine = newEngine();
		const credential = saveCredential(engine);
		mockTokens(credential.clientId, ['t']);
		const snapshot = nock(API)
			.get('/api/machineactions')
			.query(true)
			.once()
			.reply(200, { value: [] });
		const post = (id: string) =>
			nock(API)
				.post(`/api/machines/${id}/unisolate`)
				.reply(201, createdOnArrival({ machineId: id }));
		post(ID);
		post(OTHER);
		const first = await engine.run(release([{}]));
		const second = await engine.run(
			defenderWorkflow([{}], {
				parameters: { device: byId(OTHER), comment: 'Released after INC-9' },
			}),
		);
		expect(
			[...jsonOf(first, 'Defender'), ...jsonOf(second, 'Defender')].map((item) => item.outcome),
		).toEqual(['created', 'created']);
		expect(snapshot.isDone()).toBe(true);
		expect(unusedMocks()).toEqual([]);
	});

	test("when another execution's snapshot call fails, an execution that was waiting for it asks with its own", async () => {
		const engine = newEngine();
		const credential = saveCredential(engine);
		mockTokens(credential.clientId, ['t']);
		nock(API)
			.get('/api/machineactions')
			.query(true)
			.delay(500)
			.reply(403, apiErrorBody('Forbidden', 'Missing role'));
		const own = nock(API).get('/api/machineactions').query(true).reply(200, { value: [] });
		const post = nock(API)
			.post(`/api/machines/${OTHER}/unisolate`)
			.reply(201, createdOnArrival({ machineId: OTHER }));
		const first = engine.start(release([{}]));
		await sleep(200);
		const second = await engine.run(
			defenderWorkflow([{}], {
				parameters: { device: byId(OTHER), comment: 'Released after INC-9' },
			}),
		);
		expect(jsonOf(await first, 'Defender', 1)[0].error).toMatch(
			/^Missing permission Machine.Read.All/,
		);
		expect(jsonOf(second, 'Defender')[0]).toMatchObject({ outcome: 'created', machineId: OTHER });
		expect(own.isDone() && post.isDone()).toBe(true);
	}, 30_000);

	test('an Isolate another execution of the process created after the shared snapshot still blocks the release until it is final', async () => {
		const engine = setup();
		const isolate = createdOnArrival({
			type: 'Isolate',
			status: 'Pending',
			requestorComment: 'Contain INC-10',
		});
		let isolateId = '';
		nock(API)
			.post(`/api/machines/${ID}/isolate`)
			.reply(201, () => {
				const action = isolate();
				isolateId = action.id;
				return action;
			});
		const isolated = await engine.run(
			defenderWorkflow([{}], {
				parameters: {
					operation: 'isolate',
					device: byId(ID),
					comment: 'Contain INC-10',
					isolationType: 'Full',
				},
			}),
		);
		expect(jsonOf(isolated, 'Defender')[0]).toMatchObject({ type: 'Isolate', outcome: 'created' });
		// The shared snapshot (taken before the POST) does not list it; the process noted it.
		const read = nock(API)
			.get((path) => path === `/api/machineactions/${isolateId}`)
			.reply(200, () => ({ ...isolate(), id: isolateId, status: 'Succeeded' }));
		const post = nock(API).post(`/api/machines/${ID}/unisolate`).reply(201, createdOnArrival());
		const [item] = jsonOf(await engine.run(release([{}])), 'Defender');
		expect(item.outcome).toBe('created');
		expect(read.isDone() && post.isDone()).toBe(true);
		expect(unusedMocks()).toEqual([]);
	}, 30_000);

	test('an Isolate that does not finish within Max Wait fails the item naming it (ID, type, requestor, created); nothing is posted', async () => {
		const isolate = machineAction({
			machineId: ID,
			type: 'Isolate',
			status: 'Pending',
			requestor: 'soc@contoso.com',
		});
		const engine = setup([isolate]);
		nock(API).get(`/api/machineactions/${isolate.id}`).times(5).reply(200, isolate);
		const run = await engine.run(release([{}], { options: { maxWaitSeconds: 6 } }));
		const [failure] = jsonOf(run, 'Defender', 1);
		expect(failure.error).toContain(
			`Isolate ${isolate.id} (Pending, requested by soc@contoso.com on ${isolate.creationDateTimeUtc})`,
		);
		expect(failure.details).toMatch(/nothing was sent for this item/);
	}, 30_000);

	test('Isolate mirrors it: a pending release blocks an isolation the same way', async () => {
		const pendingRelease = machineAction({
			machineId: ID,
			type: 'Unisolate',
			status: 'InProgress',
		});
		const engine = setup([pendingRelease]);
		nock(API).get(`/api/machineactions/${pendingRelease.id}`).times(5).reply(200, pendingRelease);
		const run = await engine.run(
			release([{}], {
				operation: 'isolate',
				isolationType: 'Full',
				options: { maxWaitSeconds: 6 },
			}),
		);
		expect(jsonOf(run, 'Defender', 1)[0].error).toContain(
			`Unisolate ${pendingRelease.id} (InProgress`,
		);
	}, 30_000);

	test('without Machine.Read.All the release is refused before posting: the node cannot know what is pending', async () => {
		const engine = newEngine();
		const credential = saveCredential(engine);
		mockTokens(credential.clientId, ['t']);
		nock(API)
			.get('/api/machineactions')
			.query(true)
			.reply(403, apiErrorBody('Forbidden', 'Forbidden'));
		const run = await engine.run(release([{}]));
		expect(jsonOf(run, 'Defender', 1)[0].error).toMatch(
			/Missing permission Machine.Read.All to check the tenant for isolation actions still under way/,
		);
	});
});

describe('5. nothing sent goes unreported', () => {
	test('with On Error: Stop, the error lists every action this execution created', async () => {
		const engine = setup();
		const first = machineAction({ machineId: ID });
		nock(API).post(`/api/machines/${ID}/unisolate`).reply(201, first);
		nock(API)
			.post(`/api/machines/${OTHER}/unisolate`)
			.reply(404, apiErrorBody('ResourceNotFound', `Machine ${OTHER} was not found`));
		const run = await engine.run(
			defenderWorkflow([{ id: ID }, { id: OTHER }], {
				parameters: {
					device: { __rl: true, mode: 'id', value: '={{ $json.id }}' },
					comment: 'c',
					options: { parallelRequests: 1 },
				},
			}),
		);
		const error = runError(run) as { description?: string } | undefined;
		expect(error?.description).toContain(`item 0: Unisolate device ${ID}: action ${first.id}`);
	});

	test('cancellation says "cancelled" and names the actions already sent', async () => {
		const engine = setup();
		const first = machineAction({ machineId: ID });
		nock(API).post(`/api/machines/${ID}/unisolate`).reply(201, first);
		const throttled = nock(API)
			.post(`/api/machines/${OTHER}/unisolate`)
			.reply(429, apiErrorBody('TooManyRequests', 'slow down'), { 'Retry-After': '30' });
		const execution = engine.start(
			defenderWorkflow([{ id: ID }, { id: OTHER }], {
				parameters: {
					device: { __rl: true, mode: 'id', value: '={{ $json.id }}' },
					comment: 'c',
					options: { parallelRequests: 1 },
				},
			}),
		);
		while (!throttled.isDone()) await sleep(1);
		execution.cancel();
		const run = await execution.catch((error: unknown) => ({ thrown: error }));
		const shown = JSON.stringify(run, (_key, value: unknown) =>
			value instanceof Error
				? { message: value.message, description: (value as { description?: string }).description }
				: value,
		);
		expect(shown).not.toContain('Error that was not an instance of Error');
		const taskData = (run as IRun).data.resultData.runData.Defender[0];
		expect(taskData.error?.message).toBe('The execution was cancelled');
		expect(taskData.error?.description).toContain(
			`item 0: Unisolate device ${ID}: action ${first.id}`,
		);
	});

	test('a POST under way when the execution is cancelled is reported as sent with an unknown outcome', async () => {
		const engine = setup();
		nock(API)
			.post(`/api/machines/${ID}/unisolate`)
			.delay(5_000)
			.reply(201, machineAction({ machineId: ID }));
		const execution = engine.start(release([{}], {}, 'stopWorkflow'));
		await sleep(500);
		execution.cancel();
		const run = (await execution) as IRun;
		const error = run.data.resultData.runData.Defender[0].error;
		expect(error?.message).toBe('The execution was cancelled');
		expect(error?.description).toContain(
			`item 0: Unisolate device ${ID}: outcome unknown (the request may have landed)`,
		);
	});
});

describe('6. one bad Retry-After cannot lock the process', () => {
	let nowMs = Date.now();
	beforeEach(() => {
		nowMs = Date.now();
		// A clock the test moves: waits pass at once, so the minute-long cap is checked without waiting a minute.
		useClock({ now: () => nowMs, sleep: async (ms) => void (nowMs += ms) });
	});
	afterEach(() => useClock(undefined));

	test.each([
		['3600', 'a real but hour-long wait: capped at a minute'],
		[new Date(Date.now() + 86_400_000).toUTCString(), 'an HTTP date a day ahead: ignored'],
		['99999999999999', 'an absurd number: ignored'],
	])(
		'Retry-After %p (%s): the item retries and later executions are not locked out',
		async (retryAfter) => {
			const engine = setup();
			nock(API)
				.post(`/api/machines/${ID}/unisolate`)
				.reply(429, apiErrorBody('TooManyRequests', 'x'), { 'Retry-After': retryAfter });
			nock(API)
				.post(`/api/machines/${ID}/unisolate`)
				.reply(
					201,
					createdOnArrival({}, () => nowMs),
				);
			const first = await engine.run(release([{}], { options: { maxWaitSeconds: 120 } }));
			expect(jsonOf(first, 'Defender')[0].outcome).toBe('created');
			nock(API)
				.post(`/api/machines/${ID}/unisolate`)
				.reply(
					201,
					createdOnArrival({}, () => nowMs),
				);
			// The 429 came after one call of ours: someone else uses the quota, so the process paces its calls for a while
			// (a few seconds apart), but it is not held for the hour or the day the header claimed.
			const later = await engine.run(release([{}], { options: { maxWaitSeconds: 30 } }));
			expect(jsonOf(later, 'Defender')[0].outcome).toBe('created');
		},
	);
});

describe('7. the token endpoint is a dependency like any other', () => {
	function tokenEngine() {
		const engine = newEngine();
		const credential = saveCredential(engine);
		mockTenantActions();
		return { engine, credential };
	}
	const tokenReply = (token: string) => ({
		token_type: 'Bearer',
		expires_in: 3599,
		access_token: token,
	});

	test.each([
		[
			'429 with an OAuth2 error body',
			429,
			{ error: 'temporarily_unavailable', error_description: 'AADSTS50196: loop detected' },
		],
		['429 with a plain body', 429, 'Too Many Requests'],
		['503', 503, 'Service Unavailable'],
	])('%s is retried; the release then goes out once', async (_label, status, body) => {
		const { engine, credential } = tokenEngine();
		const token = nock(LOGIN)
			.post(`/${TENANT}/oauth2/v2.0/token`)
			.reply(status, body, { 'Retry-After': '1' })
			.post(`/${TENANT}/oauth2/v2.0/token`)
			.reply(200, tokenReply('t'));
		const post = nock(API).post(`/api/machines/${ID}/unisolate`).reply(201, createdOnArrival());
		const [item] = jsonOf(await engine.run(release([{}])), 'Defender');
		expect(item.outcome).toBe('created');
		expect(token.isDone() && post.isDone()).toBe(true);
		expect(credential.clientId).toBeTruthy();
	});

	test('a token endpoint slower than Timeout is given up on and retried', async () => {
		const { engine } = tokenEngine();
		nock(LOGIN).post(`/${TENANT}/oauth2/v2.0/token`).delay(4_000).reply(200, tokenReply('late'));
		nock(LOGIN).post(`/${TENANT}/oauth2/v2.0/token`).reply(200, tokenReply('t'));
		nock(API).post(`/api/machines/${ID}/unisolate`).reply(201, createdOnArrival());
		const [item] = jsonOf(
			await engine.run(release([{}], { options: { timeoutSeconds: 1 } })),
			'Defender',
		);
		expect(item.outcome).toBe('created');
	}, 30_000);

	const expired = {
		error: 'invalid_client',
		error_description:
			"AADSTS7000222: The provided client secret keys for app 'x' are expired. Visit the Azure portal to create new keys for your app.\r\nTrace ID: 1",
		error_codes: [7000222],
	};

	test('an expired secret at the first token is shown with its AADSTS code and meaning; nothing is posted', async () => {
		const { engine } = tokenEngine();
		nock(LOGIN).post(`/${TENANT}/oauth2/v2.0/token`).reply(401, expired);
		const [failure] = jsonOf(await engine.run(release([{}])), 'Defender', 1);
		expect(failure.error).toMatch(
			/AADSTS7000222: The provided client secret keys .* \(AADSTS7000222: the client secret has expired/,
		);
	});

	test('an expired secret at the refresh after a 401 is shown the same way: not a lost POST, no lookup, no wait', async () => {
		const { engine } = tokenEngine();
		nock(LOGIN)
			.post(`/${TENANT}/oauth2/v2.0/token`)
			.reply(200, tokenReply('old'))
			.post(`/${TENANT}/oauth2/v2.0/token`)
			.reply(401, expired);
		nock(API)
			.post(`/api/machines/${ID}/unisolate`)
			.reply(401, apiErrorBody('Unauthorized', 'expired'));
		const [failure] = jsonOf(await engine.run(release([{}])), 'Defender', 1);
		expect(failure.error).toMatch(
			/^Could not get an access token for Defender for Endpoint: AADSTS7000222/,
		);
		expect(failure.error).not.toMatch(/lost|unknown/);
		expect(unusedMocks()).toEqual([]);
	});
});

describe('8. merged and duplicate device records', () => {
	const current = machine(machineId(60), 'ws-60.contoso.com');
	const old = machine(machineId(61), 'ws-60.contoso.com', { mergedIntoMachineId: current.id });

	test.each([
		[
			'the record it was merged into is among the matches: that one is released',
			[old, current],
			current.id,
		],
		['the same device listed twice is one device', [current, { ...current }], current.id],
	])('%s', async (_label, listed, expected) => {
		const engine = setup();
		nock(API).get('/api/machines').query(true).reply(200, { value: listed });
		const post = nock(API)
			.post(`/api/machines/${expected}/unisolate`)
			.reply(201, createdOnArrival({ machineId: expected }));
		const [item] = jsonOf(
			await engine.run(release([{}], { device: byHostname('ws-60.contoso.com') })),
			'Defender',
		);
		expect(item).toMatchObject({ machineId: expected, outcome: 'created' });
		expect(post.isDone()).toBe(true);
	});

	test('a merged record whose target is not among the matches fails naming both; nothing is sent', async () => {
		const engine = setup();
		const orphan = machine(machineId(62), 'ws-62.contoso.com', {
			mergedIntoMachineId: machineId(63),
		});
		nock(API)
			.get('/api/machines')
			.query(true)
			.reply(200, { value: [orphan] });
		const [failure] = jsonOf(
			await engine.run(release([{}], { device: byHostname('ws-62.contoso.com') })),
			'Defender',
			1,
		);
		expect(failure.error).toContain(`${machineId(62)} was merged into ${machineId(63)}`);
	});
});

describe('9. no secret in any message, even when Entra echoes it', () => {
	test('Client ID and Client Secret swapped: AADSTS700016 names the secret, the node does not', async () => {
		const engine = newEngine();
		const swappedClientId = 'the-client-id-0000';
		saveCredential(engine, { applicationId: SECRET, applicationSecret: swappedClientId });
		mockTenantActions();
		nock(LOGIN)
			.post(`/${TENANT}/oauth2/v2.0/token`)
			.reply(400, {
				error: 'unauthorized_client',
				error_description: `AADSTS700016: Application with identifier '${SECRET}' was not found in the directory.`,
			});
		const run = await engine.run(release([{}]));
		const [failure] = jsonOf(run, 'Defender', 1);
		expect(failure.error).toContain("Application with identifier '[client ID]' was not found");
		const everything = JSON.stringify(run, (_key, value: unknown) =>
			value instanceof Error
				? { message: value.message, description: (value as { description?: string }).description }
				: value,
		);
		expect(everything).not.toContain(SECRET);
		expect(everything).not.toContain(swappedClientId);
	});
});

describe('10. clear errors for odd input', () => {
	test.each([
		['an object', { host: 'x' }, /^Device: the By ID value must be text, got an object/],
		['a number', 42, /^Device: the By ID value must be text, got the number 42/],
		['a list', ['a', 'b'], /^Device: the By ID value must be text, got a list/],
		['a boolean', true, /^Device: the By ID value must be text, got the boolean true/],
	])('a locator value that is %s names the field', async (_label, value, message) => {
		const engine = setup();
		const run = await engine.run(
			defenderWorkflow([{ value }], {
				parameters: {
					device: { __rl: true, mode: 'id', value: '={{ $json.value }}' },
					comment: 'c',
				},
				onError: 'continueErrorOutput',
			}),
		);
		expect(jsonOf(run, 'Defender', 1)[0].error).toMatch(message);
	});

	test('a whole locator given as a string names what it got', async () => {
		const engine = setup();
		const run = await engine.run(
			defenderWorkflow([{ device: 'ws-1.contoso.com' }], {
				parameters: { device: '={{ $json.device }}', comment: 'c' },
				onError: 'continueErrorOutput',
			}),
		);
		expect(jsonOf(run, 'Defender', 1)[0].error).toBe(
			'Device: expected a device locator (mode and value), got the text "ws-1.contoso.com"',
		);
	});

	test('a non-JSON error body is shown, shortened and sanitised, instead of "no details"', async () => {
		const engine = setup();
		nock(API)
			.post(`/api/machines/${ID}/unisolate`)
			.reply(400, `<html>Request blocked by gateway policy\u0007 ${'x'.repeat(500)}</html>`, {
				'Content-Type': 'text/html',
			});
		const [failure] = jsonOf(await engine.run(release([{}])), 'Defender', 1);
		expect(failure.error).toMatch(/HTTP 400 .*<html>Request blocked by gateway policy\\u0007/);
		expect(String(failure.error).length).toBeLessThan(500);
	});
});
