import nock from 'nock';

import { useClock } from '../helpers/clock';
import {
	API,
	LOGIN,
	TENANT,
	apiErrorBody,
	machineAction,
	machineId,
	mockTenantActions,
	mockTokens,
	saveCredential,
	unusedMocks,
} from '../helpers/defenderMocks';
import { CREDENTIAL_ID, defenderWorkflow, jsonOf, newEngine, runError } from '../helpers/workflow';

/** Issue "Queue mode: several n8n workers share one Defender quota without failing an item". */

const ID = machineId(77);
const byId = (id: string) => ({ __rl: true, mode: 'id', value: id });
const release = (options: object = {}) =>
	defenderWorkflow([{}], {
		parameters: { device: byId(ID), comment: 'c', options },
		onError: 'continueRegularOutput',
	});

describe('429 is waiting, not failing (a clock the test moves: waits pass at once, and are measured)', () => {
	let nowMs = Date.now();
	let slept: number[] = [];
	beforeEach(() => {
		nowMs = Date.now();
		slept = [];
		useClock({
			now: () => nowMs,
			sleep: async (ms) => {
				slept.push(ms);
				nowMs += ms;
			},
		});
	});
	afterEach(() => useClock(undefined));

	function setup() {
		const engine = newEngine();
		const credential = saveCredential(engine);
		mockTokens(credential.clientId, ['t']);
		mockTenantActions();
		return engine;
	}
	const createdNow = () =>
		machineAction({ machineId: ID, creationDateTimeUtc: new Date(nowMs).toISOString() });

	test('twelve 429s with Retry-After: 1 do not fail the item, though Max Retries is 2: it waits each out, with jitter', async () => {
		const engine = setup();
		const throttled = nock(API)
			.post(`/api/machines/${ID}/unisolate`)
			.times(12)
			.reply(429, apiErrorBody('TooManyRequests', 'Rate limit is exceeded.'), {
				'Retry-After': '1',
			});
		const created = nock(API).post(`/api/machines/${ID}/unisolate`).reply(201, createdNow);
		const run = await engine.run(release({ maxRetries: 2, maxWaitSeconds: 60 }));
		const [item] = jsonOf(run, 'Defender');
		expect(item.error).toBeUndefined();
		expect(item.outcome).toBe('created');
		expect(throttled.isDone() && created.isDone()).toBe(true);
		// Each 429 was waited out: at least the second Retry-After asked for, at most that plus the 0.5 s jitter span.
		const throttleWaits = slept.filter((ms) => ms >= 1_000);
		expect(throttleWaits.length).toBeGreaterThanOrEqual(12);
		for (const ms of throttleWaits.slice(0, 12)) expect(ms).toBeLessThanOrEqual(1_500);
		expect(new Set(throttleWaits).size).toBeGreaterThan(1);
		expect(unusedMocks()).toEqual([]);
	});

	test('a 429 stream beyond Max Wait fails the item saying so, with the number of answers and a retry time', async () => {
		const engine = setup();
		nock(API)
			.post(`/api/machines/${ID}/unisolate`)
			.times(100)
			.reply(429, apiErrorBody('TooManyRequests', 'Rate limit is exceeded.'), {
				'Retry-After': '2',
			});
		const run = await engine.run(release({ maxRetries: 1, maxWaitSeconds: 20 }));
		const [item] = jsonOf(run, 'Defender');
		expect(item.error).toMatch(
			/^Defender kept answering HTTP 429 Too Many Requests \(\d+ answers\) and the next wait goes beyond the Max Wait of 20 s while trying to unisolate device .*; retry after \d{4}-\d\d-\d\dT/,
		);
		expect(item.details).toMatch(/throttling answers do not count against Max Retries/);
		const answers = Number(/\((\d+) answers\)/.exec(String(item.error))?.[1]);
		// Far more answers than Max Retries, and never more waiting than Max Wait.
		expect(answers).toBeGreaterThan(5);
		expect(slept.reduce((sum, ms) => sum + ms, 0)).toBeLessThanOrEqual(20_000);
	});

	test('5xx answers are still bounded by Max Retries', async () => {
		const engine = setup();
		const failing = nock(API)
			.post(`/api/machines/${ID}/unisolate`)
			.times(3)
			.reply(503, apiErrorBody('ServiceUnavailable', 'busy'));
		const run = await engine.run(release({ maxRetries: 2, maxWaitSeconds: 3600 }));
		expect(jsonOf(run, 'Defender')[0].error).toMatch(
			/^Defender kept failing \(HTTP 503 ServiceUnavailable\) after 2 retries while trying to unisolate device /,
		);
		expect(failing.isDone()).toBe(true);
		expect(unusedMocks()).toEqual([]);
	});

	test('429s and 5xx together: the 429s use no retries, the 5xx do', async () => {
		const engine = setup();
		const scope = nock(API);
		for (let n = 0; n < 4; n++) {
			scope
				.post(`/api/machines/${ID}/unisolate`)
				.reply(429, apiErrorBody('TooManyRequests', 'x'), { 'Retry-After': '1' });
			if (n < 2)
				scope
					.post(`/api/machines/${ID}/unisolate`)
					.reply(503, apiErrorBody('ServiceUnavailable', 'busy'));
		}
		scope.post(`/api/machines/${ID}/unisolate`).reply(201, createdNow);
		const run = await engine.run(release({ maxRetries: 2, maxWaitSeconds: 3600 }));
		expect(jsonOf(run, 'Defender')[0].outcome).toBe('created');
		expect(unusedMocks()).toEqual([]);
	});
});

describe('token: one request per process, however many items and executions run at once', () => {
	const ids = Array.from({ length: 20 }, (_, n) => machineId(500 + n));
	const releaseAll = (devices: string[]) =>
		defenderWorkflow(
			devices.map((id) => ({ id })),
			{
				parameters: {
					device: { __rl: true, mode: 'id', value: '={{ $json.id }}' },
					comment: 'c',
					options: { parallelRequests: 10 },
				},
				onError: 'continueRegularOutput',
			},
		);

	function tokenCounter(clientId: string) {
		let requests = 0;
		nock(LOGIN)
			.persist()
			.post(
				`/${TENANT}/oauth2/v2.0/token`,
				(body: Record<string, string>) => body.client_id === clientId,
			)
			.reply(200, () => ({
				token_type: 'Bearer',
				expires_in: 3599,
				access_token: `token-${++requests}`,
			}));
		return () => requests;
	}

	function releases(acceptedToken: () => string) {
		const posted: string[] = [];
		nock(API)
			.persist()
			.post(/\/api\/machines\/[0-9a-f]{40}\/unisolate/)
			.reply(function reply(uri) {
				if (this.req.headers.authorization !== `Bearer ${acceptedToken()}`)
					return [401, apiErrorBody('Unauthorized', 'expired')];
				const id = uri.split('/')[3];
				posted.push(id);
				return [201, machineAction({ machineId: id })];
			});
		return posted;
	}

	test('a 401 storm after expiry (20 items, 10 in parallel, 3 executions at once) costs exactly one token request', async () => {
		const engine = newEngine();
		const credential = saveCredential(engine);
		// The credential holds a token that Defender no longer accepts (it expired).
		engine.credentialsHelper.save(CREDENTIAL_ID, 'defenderForEndpointOAuth2Api', {
			...engine.credentialsHelper.stored(CREDENTIAL_ID),
			oauthTokenData: { token_type: 'Bearer', access_token: 'expired-token', expires_in: 3599 },
		});
		const tokenRequests = tokenCounter(credential.clientId);
		mockTenantActions();
		const posted = releases(() => 'token-1');
		const runs = await Promise.all(
			[
				releaseAll(ids),
				releaseAll(ids.map((id) => id.replace(/^a/, 'b'))),
				releaseAll(ids.map((id) => id.replace(/^a/, 'c'))),
			].map(async (workflow) => await engine.run(workflow)),
		);
		for (const run of runs) {
			expect(runError(run)).toBeUndefined();
			expect(jsonOf(run, 'Defender').filter((item) => item.error)).toEqual([]);
		}
		expect(posted).toHaveLength(60);
		expect(tokenRequests()).toBe(1);
		expect(engine.credentialsHelper.stored(CREDENTIAL_ID).oauthTokenData).toMatchObject({
			access_token: 'token-1',
		});
	});

	test('executions that start together with no stored token yet fetch one token, not one each', async () => {
		const engine = newEngine();
		const credential = saveCredential(engine);
		const tokenRequests = tokenCounter(credential.clientId);
		mockTenantActions();
		const posted = releases(() => 'token-1');
		const workflows = Array.from({ length: 5 }, (_, n) => releaseAll(ids.slice(4 * n, 4 * n + 4)));
		const runs = await Promise.all(workflows.map(async (workflow) => await engine.run(workflow)));
		for (const run of runs)
			expect(jsonOf(run, 'Defender').filter((item) => item.error)).toEqual([]);
		expect(posted).toHaveLength(20);
		expect(tokenRequests()).toBe(1);
	});
});
