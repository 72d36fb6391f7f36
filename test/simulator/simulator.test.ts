import { sleep } from 'n8n-workflow';

/* eslint-disable @typescript-eslint/no-require-imports */
const {
	startSimulator,
	generateInventory,
	DEFAULT_CREDENTIALS,
	DUPLICATE_HOSTNAME,
	QUOTED_HOSTNAME,
} = require('../../simulator');
const { compileFilter } = require('../../simulator/odataFilter');
/* eslint-enable @typescript-eslint/no-require-imports */

type Sim = Awaited<ReturnType<typeof startSimulator>>;
let sim: Sim;
afterEach(async () => await sim?.close());

async function token(s: Sim, overrides: Record<string, string> = {}) {
	const body = new URLSearchParams({
		grant_type: 'client_credentials',
		client_id: DEFAULT_CREDENTIALS.clientId,
		client_secret: DEFAULT_CREDENTIALS.clientSecret,
		scope: s.scope,
		...overrides,
	});
	const response = await fetch(s.tokenUrl, {
		method: 'POST',
		body,
		headers: { 'content-type': 'application/x-www-form-urlencoded' },
	});
	return {
		status: response.status,
		body: (await response.json()) as Record<string, string> & { error_codes?: number[] },
	};
}

async function api(s: Sim, method: string, path: string, body?: unknown, bearer?: string) {
	const access = bearer ?? (await token(s)).body.access_token;
	const response = await fetch(`${s.url}${path}`, {
		method,
		headers: { authorization: `Bearer ${access}`, 'content-type': 'application/json' },
		body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
	});
	const text = await response.text();
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		json = text;
	}
	return {
		status: response.status,
		headers: response.headers,
		body: json as Record<string, unknown> & { value?: Array<Record<string, unknown>> },
	};
}

const filter = (expression: string) => `/api/machines?$filter=${encodeURIComponent(expression)}`;

describe('token endpoint', () => {
	test('issues a bearer token for the right client, and logs the request without the secret', async () => {
		sim = await startSimulator();
		const { status, body } = await token(sim);
		expect(status).toBe(200);
		expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3599 });
		expect(JSON.stringify(sim.requests)).not.toContain(DEFAULT_CREDENTIALS.clientSecret);
		expect(JSON.stringify(sim.requests)).not.toContain(body.access_token);
		expect(sim.requests[0].body.client_secret).toBe('[redacted]');
	});

	test.each([
		[{ client_secret: 'wrong' }, 401, 7000215],
		[{ client_id: 'someone-else' }, 400, 700016],
	])('refuses %p with the AAD error shape', async (overrides, status, code) => {
		sim = await startSimulator();
		const answer = await token(sim, overrides);
		expect(answer.status).toBe(status);
		expect(answer.body.error_codes).toEqual([code]);
		expect(answer.body.error_description).toMatch(new RegExp(`^AADSTS${code}:`));
	});

	test('API calls without a valid token get 401 Unauthorized', async () => {
		sim = await startSimulator();
		const answer = await api(sim, 'GET', '/api/machines', undefined, 'not-a-token');
		expect(answer.status).toBe(401);
		expect(answer.body.error).toMatchObject({ code: 'Unauthorized' });
	});
});

describe('machines', () => {
	test('the inventory is deterministic and has the special devices', async () => {
		sim = await startSimulator({ deviceCount: 5 });
		const first = sim.devices.map((device: { id: string }) => device.id);
		await sim.close();
		sim = await startSimulator({ deviceCount: 5 });
		expect(sim.devices.map((device: { id: string }) => device.id)).toEqual(first);
		expect(
			sim.devices.filter(
				(device: { computerDnsName: string }) =>
					device.computerDnsName.toLowerCase() === DUPLICATE_HOSTNAME,
			),
		).toHaveLength(2);
		expect(
			sim.devices.some(
				(device: { computerDnsName: string }) => device.computerDnsName === QUOTED_HOSTNAME,
			),
		).toBe(true);
		for (const device of sim.devices) expect(device.id).toMatch(/^[0-9a-f]{40}$/);
	});

	test('$filter: computerDnsName eq with a doubled quote, case-insensitively; and/or; startswith; tags; dates', async () => {
		sim = await startSimulator({ deviceCount: 12 });
		const names = async (expression: string) =>
			((await api(sim, 'GET', filter(expression))).body.value ?? []).map(
				(machine) => machine.computerDnsName,
			);
		expect(await names("computerDnsName eq 'O''BRIEN-laptop.contoso.local'")).toEqual([
			QUOTED_HOSTNAME,
		]);
		expect(
			await names(
				"computerDnsName eq 'ws-0001.contoso.local' or computerDnsName eq 'ws-0002.contoso.local'",
			),
		).toHaveLength(2);
		expect(await names("startswith(computerDnsName,'ws-001')")).toEqual([
			'ws-0010.contoso.local',
			'ws-0011.contoso.local',
			'ws-0012.contoso.local',
		]);
		expect(
			await names("machineTags/any(tag: tag eq 'vip') and healthStatus eq 'Active'"),
		).not.toHaveLength(0);
		expect(await names('lastSeen gt 2000-01-01T00:00:00Z')).toHaveLength(sim.devices.length);
		expect(await names("computerDnsName eq 'x'' or computerDnsName ne '''")).toEqual([]);
	});

	test('an unparsable filter is 400 ODataError', async () => {
		sim = await startSimulator();
		const answer = await api(sim, 'GET', filter("computerDnsName eq 'x' or"));
		expect(answer.status).toBe(400);
		expect(answer.body.error).toMatchObject({ code: 'ODataError' });
	});

	test('pages with @odata.nextLink on its own origin until every device was listed', async () => {
		sim = await startSimulator({ deviceCount: 7, pageSize: 4 });
		const pages: number[] = [];
		let path: string | undefined = '/api/machines';
		while (path) {
			const answer = await api(sim, 'GET', path);
			pages.push(answer.body.value?.length ?? 0);
			const link = answer.body['@odata.nextLink'] as string | undefined;
			if (link) expect(new URL(link).origin).toBe(sim.url);
			path = link ? `${new URL(link).pathname}${new URL(link).search}` : undefined;
		}
		expect(pages).toEqual([4, 4, sim.devices.length - 8]);
	});

	test('find by IP', async () => {
		sim = await startSimulator({ deviceCount: 3 });
		const device = sim.devices[1];
		const at = new Date(sim.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
		const answer = await api(
			sim,
			'GET',
			`/api/machines/findbyip(ip='${device.lastIpAddress}',timestamp=${at})`,
		);
		expect(answer.body.value?.map((machine) => machine.id)).toEqual([device.id]);
	});
});

describe('device actions', () => {
	test('unisolate: 201 with the full MachineAction, then 400 ActiveRequestAlreadyExists while it runs', async () => {
		sim = await startSimulator({ deviceCount: 2 });
		const id = sim.devices[0].id;
		const created = await api(sim, 'POST', `/api/machines/${id}/unisolate`, { Comment: 'clean' });
		expect(created.status).toBe(201);
		expect(Object.keys(created.body)).toHaveLength(21);
		expect(created.body).toMatchObject({
			type: 'Unisolate',
			status: 'Pending',
			machineId: id,
			requestorComment: 'clean',
			requestSource: 'PublicApi',
		});
		const again = await api(sim, 'POST', `/api/machines/${id}/unisolate`, { Comment: 'clean' });
		expect(again.status).toBe(400);
		expect(again.body.error).toMatchObject({
			code: 'ActiveRequestAlreadyExists',
			message: 'Action is already in progress',
		});
		expect(String((again.body.error as { target: string }).target)).toMatch(/^[0-9a-f-]{36}$/);
	});

	test('the documented errors: 404 ResourceNotFound, missing Comment, wrong body, bad isolation type', async () => {
		sim = await startSimulator({ deviceCount: 2 });
		const id = sim.devices[0].id;
		expect(
			(await api(sim, 'POST', `/api/machines/${'0'.repeat(40)}/unisolate`, { Comment: 'x' })).body
				.error,
		).toMatchObject({
			code: 'ResourceNotFound',
			message: `Machine ${'0'.repeat(40)} was not found`,
		});
		expect(
			(await api(sim, 'POST', `/api/machines/${id}/unisolate`, { comment: 'lower case' })).body
				.error,
		).toMatchObject({ code: 'MissingRequiredParameter' });
		expect(
			(await api(sim, 'POST', `/api/machines/${id}/unisolate`, '{oops')).body.error,
		).toMatchObject({ code: 'InvalidRequestBody' });
		expect(
			(
				await api(sim, 'POST', `/api/machines/${id}/isolate`, {
					Comment: 'x',
					IsolationType: 'Total',
				})
			).status,
		).toBe(400);
	});

	test('actions move Pending → InProgress → Succeeded in simulated time; cancel works only before the end', async () => {
		sim = await startSimulator({
			deviceCount: 2,
			timeScale: 100,
			actionTimeline: { pendingSeconds: 5, inProgressSeconds: 10 },
		});
		const created = await api(sim, 'POST', `/api/machines/${sim.devices[0].id}/isolate`, {
			Comment: 'x',
			IsolationType: 'Selective',
		});
		expect(created.body).toMatchObject({ status: 'Pending', scope: 'Selective' });
		await sleep(80);
		expect((await api(sim, 'GET', `/api/machineactions/${created.body.id}`)).body.status).toBe(
			'InProgress',
		);
		await sleep(120);
		expect((await api(sim, 'GET', `/api/machineactions/${created.body.id}`)).body.status).toBe(
			'Succeeded',
		);
		const late = await api(sim, 'POST', `/api/machineactions/${created.body.id}/cancel`, {
			Comment: 'stop',
		});
		expect(late.status).toBe(400);
		const second = await api(sim, 'POST', `/api/machines/${sim.devices[0].id}/unisolate`, {
			Comment: 'y',
		});
		const cancelled = await api(sim, 'POST', `/api/machineactions/${second.body.id}/cancel`, {
			Comment: 'stop',
		});
		expect(cancelled.body).toMatchObject({ status: 'Cancelled', cancellationComment: 'stop' });
	});

	test('machine actions filter by machineId and status', async () => {
		sim = await startSimulator({ deviceCount: 10 });
		const id = sim.devices[2].id;
		const answer = await api(
			sim,
			'GET',
			`/api/machineactions?$filter=${encodeURIComponent(`machineId eq '${id}' and (type eq 'Isolate' or type eq 'Unisolate')`)}`,
		);
		expect(answer.body.value?.length).toBeGreaterThan(0);
		expect(answer.body.value?.every((action) => action.machineId === id)).toBe(true);
	});
});

describe('limits and faults', () => {
	test('101st call in a minute is 429 with Retry-After in simulated seconds; throttled calls do not count', async () => {
		sim = await startSimulator({ limits: { perMinute: 5, perHour: 100 } });
		const access = (await token(sim)).body.access_token;
		for (let n = 0; n < 5; n++)
			expect((await api(sim, 'GET', '/api/machines?$top=1', undefined, access)).status).toBe(200);
		const throttled = await api(sim, 'GET', '/api/machines?$top=1', undefined, access);
		expect(throttled.status).toBe(429);
		expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThanOrEqual(59);
		expect(throttled.body.error).toMatchObject({ code: 'TooManyRequests' });
	});

	test('recovers when the window has passed (time scale 600: a minute is 100 ms)', async () => {
		sim = await startSimulator({ timeScale: 600, limits: { perMinute: 3, perHour: 100 } });
		const access = (await token(sim)).body.access_token;
		for (let n = 0; n < 3; n++) await api(sim, 'GET', '/api/machines?$top=1', undefined, access);
		expect((await api(sim, 'GET', '/api/machines?$top=1', undefined, access)).status).toBe(429);
		await sleep(150);
		expect((await api(sim, 'GET', '/api/machines?$top=1', undefined, access)).status).toBe(200);
	});

	test('fault injection: 429 bursts (seconds or HTTP date), 5xx, drops, malformed bodies, token expiry, route filter', async () => {
		sim = await startSimulator({ deviceCount: 3 });
		const access = (await token(sim)).body.access_token;
		const get = () => api(sim, 'GET', '/api/machines?$top=1', undefined, access);
		sim.setFaults({ burst429: { count: 1 }, retryAfterSeconds: 7 });
		expect((await get()).headers.get('retry-after')).toBe('7');
		sim.setFaults({ burst429: { count: 1 }, retryAfterSeconds: 7, retryAfterAsDate: true });
		expect(Date.parse(String((await get()).headers.get('retry-after')))).toBeGreaterThan(sim.now());
		sim.setFaults({ burst5xx: { count: 1, status: 502 } });
		expect((await get()).status).toBe(502);
		sim.setFaults({ burstMalformed: { count: 1 } });
		expect((await get()).body).toBe('{not json');
		sim.setFaults({ burstDrop: { count: 1 } });
		await expect(get()).rejects.toThrow();
		sim.setFaults({ burst5xx: { count: 1 }, only: ['POST /api/machines/:id/unisolate'] });
		expect((await get()).status).toBe(200);
		sim.setFaults({ tokenExpireAfterCalls: 1 });
		expect((await get()).status).toBe(401);
		sim.setFaults({});
		sim.expireTokens();
		expect((await get()).status).toBe(401);
		expect(
			sim.requests
				.filter((request: { fault?: string }) => request.fault)
				.map((request: { fault: string }) => request.fault),
		).toEqual(['429', '429', '5xx', 'malformed', 'drop']);
	});

	test('a dropped POST can still have created its action (dropAfterProcessing)', async () => {
		sim = await startSimulator({
			deviceCount: 2,
			faults: { burstDrop: { count: 1, afterProcessing: true } },
		});
		const access = (await token(sim)).body.access_token;
		await expect(
			api(sim, 'POST', `/api/machines/${sim.devices[0].id}/unisolate`, { Comment: 'x' }, access),
		).rejects.toThrow();
		expect(
			sim
				.actionsOf(sim.devices[0].id)
				.filter((action: { type: string }) => action.type === 'Unisolate'),
		).toHaveLength(1);
	});

	test('listens on loopback only', async () => {
		await expect(startSimulator({ host: '0.0.0.0' })).rejects.toThrow(/loopback/);
	});
});

describe('documented quirks, each behind an option', () => {
	test('echoPendingAction: a duplicate answers 201 (or echoStatus) with the pending action, whatever its type', async () => {
		sim = await startSimulator({
			deviceCount: 2,
			quirks: { echoPendingAction: true, echoStatus: 200 },
		});
		const id = sim.devices[0].id;
		const isolate = await api(sim, 'POST', `/api/machines/${id}/isolate`, {
			Comment: 'incident',
			IsolationType: 'Full',
		});
		const echoed = await api(sim, 'POST', `/api/machines/${id}/unisolate`, { Comment: 'release' });
		expect(echoed.status).toBe(200);
		expect(echoed.body).toMatchObject({ id: isolate.body.id, type: 'Isolate', status: 'Pending' });
		expect(sim.actionsOf(id)).toHaveLength(1);
	});

	test('acceptWhilePending: a release during a pending Isolate is accepted and completes first; the Isolate completes last', async () => {
		sim = await startSimulator({
			deviceCount: 2,
			timeScale: 100,
			seedActions: false,
			quirks: { acceptWhilePending: true },
		});
		const id = sim.devices[0].id;
		const isolate = await api(sim, 'POST', `/api/machines/${id}/isolate`, {
			Comment: 'incident',
			IsolationType: 'Full',
		});
		const release = await api(sim, 'POST', `/api/machines/${id}/unisolate`, { Comment: 'release' });
		expect(release.status).toBe(201);
		await sleep(300);
		const [isolateDone, releaseDone] = await Promise.all(
			[isolate.body.id, release.body.id].map(
				async (actionId) => (await api(sim, 'GET', `/api/machineactions/${actionId}`)).body,
			),
		);
		expect(isolateDone.status).toBe('Succeeded');
		expect(releaseDone.status).toBe('Succeeded');
		// Created first, finished last: the device ends isolated.
		expect(Date.parse(String(isolateDone.lastUpdateDateTimeUtc))).toBeGreaterThan(
			Date.parse(String(releaseDone.lastUpdateDateTimeUtc)),
		);
	});

	test('finalStatus: actions on a device end Failed', async () => {
		// The inventory is deterministic: the first device of a seed has the same ID in every simulator.
		const id: string = generateInventory(2, Date.now())[0].id;
		sim = await startSimulator({
			deviceCount: 2,
			timeScale: 1000,
			seedActions: false,
			quirks: { finalStatus: { [id]: 'Failed' } },
		});
		const created = await api(sim, 'POST', `/api/machines/${id}/unisolate`, { Comment: 'x' });
		await sleep(100);
		expect((await api(sim, 'GET', `/api/machineactions/${created.body.id}`)).body.status).toBe(
			'Failed',
		);
	});

	test('token quirks: 429 with Retry-After, 503 with a text body, an expired secret (AADSTS7000222)', async () => {
		sim = await startSimulator({ quirks: { token: { burst429: 1, burst5xx: 1 } } });
		const throttled = await token(sim);
		expect(throttled.status).toBe(429);
		expect(throttled.body.error).toBe('temporarily_unavailable');
		const unavailable = await fetch(sim.tokenUrl, {
			method: 'POST',
			body: 'grant_type=client_credentials',
		});
		expect(unavailable.status).toBe(503);
		expect((await token(sim)).status).toBe(200);
		await sim.close();
		sim = await startSimulator({ quirks: { token: { expiredSecret: true } } });
		const expired = await token(sim);
		expect(expired.status).toBe(401);
		expect(expired.body.error_codes).toEqual([7000222]);
	});

	test('mergedRecords: an old record merged into the current one under the same name, and one whose target has another name', async () => {
		sim = await startSimulator({ deviceCount: 3, quirks: { mergedRecords: true } });
		const listed = await api(sim, 'GET', filter("computerDnsName eq 'merged-host.contoso.local'"));
		const [old, current] = listed.body.value ?? [];
		expect(old.mergedIntoMachineId).toBe(current.id);
		expect(current.mergedIntoMachineId).toBeUndefined();
		const orphan = await api(
			sim,
			'GET',
			filter("computerDnsName eq 'orphan-merged.contoso.local'"),
		);
		expect(orphan.body.value?.[0].mergedIntoMachineId).toBe(sim.devices[0].id);
	});

	test('or-chains of eq on computerDnsName, id and machineId work, unless refuseOrFilters; URLs over maxUrlLength are 414', async () => {
		sim = await startSimulator({ deviceCount: 5, maxUrlLength: 2_000 });
		const [a, b] = sim.devices;
		const both = await api(
			sim,
			'GET',
			filter(
				`computerDnsName eq '${a.computerDnsName}' or computerDnsName eq '${b.computerDnsName}' or id eq '${a.id}'`,
			),
		);
		expect(both.body.value?.map((machine) => machine.id)).toEqual([a.id, b.id]);
		const actions = await api(
			sim,
			'GET',
			`/api/machineactions?$filter=${encodeURIComponent(`(machineId eq '${a.id}' or machineId eq '${b.id}') and type eq 'Isolate'`)}`,
		);
		expect(actions.status).toBe(200);
		const tooLong = await api(
			sim,
			'GET',
			filter(
				Array.from({ length: 60 }, (_, n) => `computerDnsName eq 'ws-${n}.contoso.local'`).join(
					' or ',
				),
			),
		);
		expect(tooLong.status).toBe(414);
		await sim.close();
		sim = await startSimulator({ deviceCount: 5, quirks: { refuseOrFilters: true } });
		const refused = await api(
			sim,
			'GET',
			filter(
				`computerDnsName eq '${a.computerDnsName}' or computerDnsName eq '${b.computerDnsName}'`,
			),
		);
		expect(refused.status).toBe(400);
		expect(refused.body.error).toMatchObject({ code: 'ODataError' });
		expect(
			(await api(sim, 'GET', filter(`computerDnsName eq '${a.computerDnsName}'`))).status,
		).toBe(200);
	});

	test('machine actions by ID: `id eq` or-chains list exactly those actions (any case), refused with refuseOrFilters', async () => {
		sim = await startSimulator({ deviceCount: 5, seedActions: false });
		const created = await Promise.all(
			sim.devices
				.slice(0, 3)
				.map(
					async (device: { id: string }) =>
						(await api(sim, 'POST', `/api/machines/${device.id}/unisolate`, { Comment: 'c' })).body,
				),
		);
		const [a, , c] = created.map((action) => String(action.id));
		const listed = await api(
			sim,
			'GET',
			`/api/machineactions?$filter=${encodeURIComponent(`id eq '${a}' or id eq '${c.toUpperCase()}'`)}`,
		);
		expect(listed.status).toBe(200);
		expect(listed.body.value?.map((action) => action.id).sort()).toEqual([a, c].sort());
		await sim.close();
		sim = await startSimulator({
			deviceCount: 5,
			seedActions: false,
			quirks: { refuseOrFilters: true },
		});
		const refused = await api(
			sim,
			'GET',
			`/api/machineactions?$filter=${encodeURIComponent(`id eq '${a}' or id eq '${c}'`)}`,
		);
		expect(refused.status).toBe(400);
	});

	test('holdWhileInactive: actions on a device that is not Active stay Pending', async () => {
		sim = await startSimulator({
			deviceCount: 5,
			seedActions: false,
			timeScale: 100,
			quirks: { holdWhileInactive: true },
		});
		const [active, inactive] = ['Active', 'Inactive'].map((health) =>
			sim.devices.find((device: { healthStatus: string }) => device.healthStatus === health),
		);
		const posted = await Promise.all(
			[active, inactive].map(
				async (device) =>
					(await api(sim, 'POST', `/api/machines/${device.id}/unisolate`, { Comment: 'c' })).body,
			),
		);
		await sleep(300);
		const statuses = await Promise.all(
			posted.map(
				async (action) => (await api(sim, 'GET', `/api/machineactions/${action.id}`)).body.status,
			),
		);
		expect(statuses).toEqual(['Succeeded', 'Pending']);
	});

	test('historyActions: thousands of finished actions, older than the seeded incidents', async () => {
		sim = await startSimulator({ deviceCount: 100, historyActions: 2_000 });
		const listed = await api(sim, 'GET', '/api/machineactions');
		expect(listed.body.value?.length).toBeGreaterThan(2_000);
		const device = sim.devices[2];
		type Action = { creationDateTimeUtc: string; requestorComment: string };
		const [newest] = (sim.actionsOf(device.id) as Action[]).sort(
			(x, y) =>
				Date.parse(String(y.creationDateTimeUtc)) - Date.parse(String(x.creationDateTimeUtc)),
		);
		expect(newest.requestorComment).toBe('Seeded: isolated during an incident');
	});

	test('answers carry a Date header on the simulated clock', async () => {
		sim = await startSimulator({ timeScale: 3600 });
		await sleep(1100);
		const answer = await api(sim, 'GET', '/api/machines?$top=1');
		const date = Date.parse(String(answer.headers.get('date')));
		expect(Math.abs(date - sim.now())).toBeLessThan(5_000);
		expect(date - Date.now()).toBeGreaterThan(3_000_000);
	});
});

describe('OData filter parser', () => {
	test.each([
		"computerDnsName eq 'unterminated",
		'eq eq eq',
		"computerDnsName eq 'a' and",
		"startswith(computerDnsName 'a')",
	])('rejects %p', (expression) => {
		expect(() => compileFilter(expression)).toThrow();
	});
	test('not, parentheses, numbers', () => {
		const predicate = compileFilter("not (healthStatus eq 'Active') and rbacGroupId eq 140");
		expect(predicate({ healthStatus: 'Inactive', rbacGroupId: 140 })).toBe(true);
		expect(predicate({ healthStatus: 'Active', rbacGroupId: 140 })).toBe(false);
	});
});
