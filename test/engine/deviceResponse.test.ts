import nock from 'nock';

import {
	API,
	apiErrorBody,
	machine,
	machineAction,
	machineId,
	mockTenantActions,
	unusedMocks,
	mockTokens,
	saveCredential,
} from '../helpers/defenderMocks';
import { defenderWorkflow, jsonOf, newEngine, outputOf, runError } from '../helpers/workflow';

const ID = machineId(1);
const byId = (id: string) => ({ __rl: true, mode: 'id', value: id });
const ACTION_ID = '5382f7ea-7557-4ab7-9782-d50480024a4e';

function setup() {
	const engine = newEngine();
	const credential = saveCredential(engine);
	mockTokens(credential.clientId, ['t']);
	mockTenantActions();
	return engine;
}

describe('Device → Isolate', () => {
	test.each(['Full', 'Selective', 'UnManagedDevice'])(
		'posts IsolationType %s with the comment',
		async (isolationType) => {
			const engine = setup();
			const post = nock(API)
				.post(`/api/machines/${ID}/isolate`, {
					Comment: 'Isolate due to alert 1234',
					IsolationType: isolationType,
				})
				.reply(201, machineAction({ type: 'Isolate', scope: isolationType }));
			const run = await engine.run(
				defenderWorkflow([{}], {
					parameters: {
						operation: 'isolate',
						device: byId(ID),
						comment: 'Isolate due to alert 1234',
						isolationType,
					},
				}),
			);
			expect(runError(run)).toBeUndefined();
			expect(jsonOf(run, 'Defender')[0]).toMatchObject({ type: 'Isolate', outcome: 'created' });
			expect(post.isDone()).toBe(true);
		},
	);

	test('a pending Isolate is an idempotent success', async () => {
		const engine = setup();
		nock(API)
			.post(`/api/machines/${ID}/isolate`)
			.reply(400, apiErrorBody('ActiveRequestAlreadyExists', 'Action is already in progress'));
		nock(API)
			.get('/api/machineactions')
			.query(true)
			.reply(200, { value: [machineAction({ id: 'iso-1', type: 'Isolate', status: 'Pending' })] });
		const run = await engine.run(
			defenderWorkflow([{}], {
				parameters: { operation: 'isolate', device: byId(ID), comment: 'c', isolationType: 'Full' },
			}),
		);
		expect(jsonOf(run, 'Defender')[0]).toMatchObject({ id: 'iso-1', outcome: 'alreadyInProgress' });
		expect(unusedMocks()).toEqual([]);
	});
});

describe('Wait for completion', () => {
	test('polls the action until it succeeds', async () => {
		const engine = setup();
		nock(API)
			.post(`/api/machines/${ID}/unisolate`)
			.reply(201, machineAction({ id: ACTION_ID, status: 'Pending' }));
		const polls = nock(API)
			.get(`/api/machineactions/${ACTION_ID}`)
			.reply(200, machineAction({ id: ACTION_ID, status: 'InProgress' }))
			.get(`/api/machineactions/${ACTION_ID}`)
			.reply(200, machineAction({ id: ACTION_ID, status: 'Succeeded' }));
		const run = await engine.run(
			defenderWorkflow([{}], {
				parameters: {
					device: byId(ID),
					comment: 'c',
					waitForCompletion: true,
					maxCompletionWaitSeconds: 30,
				},
			}),
		);
		expect(jsonOf(run, 'Defender')[0]).toMatchObject({
			id: ACTION_ID,
			status: 'Succeeded',
			completion: 'completed',
			outcome: 'created',
		});
		expect(polls.isDone()).toBe(true);
	}, 30_000);

	test('on timeout it returns the last status honestly, never a pending action as done', async () => {
		const engine = setup();
		nock(API)
			.post(`/api/machines/${ID}/unisolate`)
			.reply(201, machineAction({ id: ACTION_ID, status: 'Pending' }));
		nock(API)
			.get(`/api/machineactions/${ACTION_ID}`)
			.reply(200, machineAction({ id: ACTION_ID, status: 'InProgress' }));
		const started = Date.now();
		const run = await engine.run(
			defenderWorkflow([{}], {
				parameters: {
					device: byId(ID),
					comment: 'c',
					waitForCompletion: true,
					maxCompletionWaitSeconds: 1,
				},
			}),
		);
		expect(jsonOf(run, 'Defender')[0]).toMatchObject({
			status: 'InProgress',
			completion: 'timedOut',
		});
		expect(Date.now() - started).toBeLessThan(4000);
	});

	test.each(['Failed', 'TimeOut', 'Cancelled'])(
		'a release that ends %s is an error for the item, with the action in the details',
		async (status) => {
			const engine = setup();
			nock(API)
				.post(`/api/machines/${ID}/unisolate`)
				.reply(201, machineAction({ id: ACTION_ID, status: 'Pending' }));
			nock(API)
				.get(`/api/machineactions/${ACTION_ID}`)
				.reply(200, machineAction({ id: ACTION_ID, status }));
			const run = await engine.run(
				defenderWorkflow([{ ticket: 'INC-1' }], {
					parameters: { device: byId(ID), comment: 'c', waitForCompletion: true },
					onError: 'continueErrorOutput',
				}),
			);
			expect(jsonOf(run, 'Defender', 0)).toEqual([]);
			const [failure] = jsonOf(run, 'Defender', 1);
			expect(failure.error).toBe(
				`The Unisolate action for device ${ID} ended ${status}: Defender did not carry it out`,
			);
			expect(failure.details).toContain(ACTION_ID);
			expect(failure.details).toContain(`"status":"${status}"`);
		},
		30_000,
	);
});

describe('Device → Get and Get Many', () => {
	test('Get by ID returns the machine without OData metadata', async () => {
		const engine = setup();
		nock(API)
			.get(`/api/machines/${ID}`)
			.reply(200, { '@odata.context': 'x', ...machine(ID, 'ws-1.contoso.com') });
		const run = await engine.run(
			defenderWorkflow([{}], { parameters: { operation: 'get', device: byId(ID) } }),
		);
		expect(jsonOf(run, 'Defender')).toEqual([machine(ID, 'ws-1.contoso.com')]);
	});

	test('Get by IP asks findbyip with a timestamp and fails closed on several matches', async () => {
		const engine = setup();
		nock(API)
			.get(
				/\/api\/machines\/findbyip\(ip='10\.1\.2\.3',timestamp=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)/,
			)
			.reply(200, {
				value: [machine(machineId(2), 'a.contoso.com'), machine(machineId(3), 'b.contoso.com')],
			});
		const run = await engine.run(
			defenderWorkflow([{}], {
				parameters: { operation: 'get', device: { __rl: true, mode: 'ip', value: '10.1.2.3' } },
				onError: 'continueRegularOutput',
			}),
		);
		expect(jsonOf(run, 'Defender')[0].error).toMatch(
			/^Device \(By IP Address\): 2 Defender devices are seen with IP address 10\.1\.2\.3/,
		);
	});

	test('an invalid IP is refused before sending', async () => {
		const engine = setup();
		const run = await engine.run(
			defenderWorkflow([{ ip: "10.0.0.1') or (ip eq '" }], {
				parameters: {
					operation: 'get',
					device: { __rl: true, mode: 'ip', value: '={{ $json.ip }}' },
				},
				onError: 'continueRegularOutput',
			}),
		);
		expect(jsonOf(run, 'Defender')[0].error).toMatch(
			/^Device \(By IP Address\): IP address .* is not an IPv4 or IPv6 address/,
		);
	});

	test('Get Many builds the filter, follows @odata.nextLink on the same host, and returns one item per device', async () => {
		const engine = setup();
		const filter =
			"startswith(computerDnsName,'ws-') and healthStatus eq 'Active' and osPlatform eq 'Windows11' and machineTags/any(tag: tag eq 'vip') and lastSeen gt 2026-11-01T00:00:00Z";
		nock(API)
			.get('/api/machines')
			.query({ $filter: filter, $top: '10000' })
			.reply(200, {
				value: [machine(machineId(1), 'ws-1')],
				'@odata.nextLink': `${API}/api/machines?$filter=x&$skip=1`,
			});
		nock(API)
			.get('/api/machines')
			.query({ $filter: 'x', $skip: '1' })
			.reply(200, { value: [machine(machineId(2), 'ws-2')] });
		const run = await engine.run(
			defenderWorkflow([{}], {
				parameters: {
					operation: 'getMany',
					returnAll: true,
					filters: {
						hostnamePrefix: 'WS-',
						healthStatus: 'Active',
						osPlatform: 'Windows11',
						tag: 'vip',
						lastSeenAfter: '2026-11-01T00:00:00Z',
					},
				},
			}),
		);
		const output = outputOf(run, 'Defender')!;
		expect(output.map((item) => [item.json.computerDnsName, item.pairedItem])).toEqual([
			['ws-1', { item: 0 }],
			['ws-2', { item: 0 }],
		]);
	});

	test('Get Many with a limit pages with $skip when no nextLink is given, and stops at the limit', async () => {
		const engine = setup();
		nock(API)
			.get('/api/machines')
			.query({ $top: '2' })
			.reply(200, { value: [machine(machineId(1), 'a'), machine(machineId(2), 'b')] });
		const run = await engine.run(
			defenderWorkflow([{}], { parameters: { operation: 'getMany', returnAll: false, limit: 2 } }),
		);
		expect(jsonOf(run, 'Defender')).toHaveLength(2);
		expect(unusedMocks()).toEqual([]);
	});

	test('Get Many with no results returns no items for that input', async () => {
		const engine = setup();
		nock(API).get('/api/machines').query(true).reply(200, { value: [] });
		const run = await engine.run(
			defenderWorkflow([{}], { parameters: { operation: 'getMany', returnAll: true } }),
		);
		expect(runError(run)).toBeUndefined();
		expect(jsonOf(run, 'Defender')).toEqual([]);
	});

	test('a nextLink to another host is refused: the token is not sent there', async () => {
		const engine = setup();
		nock(API)
			.get('/api/machines')
			.query(true)
			.reply(200, {
				value: [machine(machineId(1), 'a')],
				'@odata.nextLink': 'https://evil.example/api/machines?$skip=1',
			});
		const run = await engine.run(
			defenderWorkflow([{}], {
				parameters: { operation: 'getMany', returnAll: true },
				onError: 'continueRegularOutput',
			}),
		);
		expect(jsonOf(run, 'Defender')[0].error).toMatch(/next-page link to another host/);
	});

	test('an invalid date filter names the field', async () => {
		const engine = setup();
		const run = await engine.run(
			defenderWorkflow([{}], {
				parameters: {
					operation: 'getMany',
					returnAll: true,
					filters: { lastSeenAfter: 'yesterday-ish' },
				},
				onError: 'continueRegularOutput',
			}),
		);
		expect(jsonOf(run, 'Defender')[0].error).toMatch(
			/^Filters: "yesterday-ish" is not a date and time/,
		);
	});
});

describe('Device → Get Isolation State', () => {
	test.each([
		[
			[{ type: 'Isolate', status: 'Succeeded', creationDateTimeUtc: '2026-11-01T00:00:00Z' }],
			'isolated',
		],
		[
			[
				{ type: 'Isolate', status: 'Succeeded', creationDateTimeUtc: '2026-11-01T00:00:00Z' },
				{ type: 'Unisolate', status: 'Pending', creationDateTimeUtc: '2026-11-02T00:00:00Z' },
			],
			'releasing',
		],
		[
			[
				{ type: 'Isolate', status: 'Succeeded', creationDateTimeUtc: '2026-11-01T00:00:00Z' },
				{ type: 'Unisolate', status: 'Failed', creationDateTimeUtc: '2026-11-02T00:00:00Z' },
			],
			'isolated',
		],
		[[], 'unknown'],
	])('derives the state from the latest decisive action (%#)', async (actions, state) => {
		const engine = setup();
		nock(API)
			.get('/api/machineactions')
			.query({
				$filter: `machineId eq '${ID}' and (type eq 'Isolate' or type eq 'Unisolate')`,
				$top: '10000',
			})
			.reply(200, {
				value: actions.map((action, n) => machineAction({ id: `a-${n}`, ...action })),
			});
		const run = await engine.run(
			defenderWorkflow([{}], { parameters: { operation: 'getIsolationState', device: byId(ID) } }),
		);
		const [result] = jsonOf(run, 'Defender');
		expect(result).toMatchObject({
			machineId: ID,
			isolationState: state,
			isolationActionsSeen: actions.length,
		});
		expect(result.decidedBy === null).toBe(state === 'unknown');
	});
});

describe('Machine Action → Get, Get Many, Cancel', () => {
	test('Get validates the GUID and returns the action', async () => {
		const engine = setup();
		nock(API)
			.get(`/api/machineactions/${ACTION_ID}`)
			.reply(200, machineAction({ id: ACTION_ID }));
		const run = await engine.run(
			defenderWorkflow([{ id: ACTION_ID }, { id: '../machines' }], {
				parameters: {
					resource: 'machineAction',
					operation: 'get',
					machineActionId: '={{ $json.id }}',
				},
				onError: 'continueRegularOutput',
			}),
		);
		const [found, refused] = jsonOf(run, 'Defender');
		expect(found).toMatchObject({ id: ACTION_ID });
		expect(refused.error).toMatch(
			/^Machine Action ID: Machine action ID "..\/machines" is not a GUID/,
		);
	});

	test('Get Many filters by device, type, status, requestor and creation time', async () => {
		const engine = setup();
		nock(API)
			.get('/api/machineactions')
			.query({
				$filter: `machineId eq '${ID}' and type eq 'Unisolate' and status eq 'Pending' and requestor eq 'soc@contoso.com' and creationDateTimeUtc gt 2026-11-20T00:00:00Z`,
				$top: '5',
			})
			.reply(200, { value: [machineAction()] });
		const run = await engine.run(
			defenderWorkflow([{}], {
				parameters: {
					resource: 'machineAction',
					operation: 'getMany',
					limit: 5,
					filters: {
						machineId: ID.toUpperCase(),
						type: 'Unisolate',
						status: 'Pending',
						requestor: 'soc@contoso.com',
						createdAfter: '2026-11-20T00:00:00Z',
					},
				},
			}),
		);
		expect(jsonOf(run, 'Defender')).toHaveLength(1);
	});

	test('Cancel posts the comment and returns the cancelled action', async () => {
		const engine = setup();
		nock(API)
			.post(`/api/machineactions/${ACTION_ID}/cancel`, {
				Comment: 'Machine action was canceled by automation',
			})
			.reply(
				200,
				machineAction({
					id: ACTION_ID,
					status: 'Cancelled',
					cancellationComment: 'Machine action was canceled by automation',
				}),
			);
		const run = await engine.run(
			defenderWorkflow([{}], {
				parameters: {
					resource: 'machineAction',
					operation: 'cancel',
					machineActionId: ACTION_ID,
					comment: 'Machine action was canceled by automation',
				},
			}),
		);
		expect(jsonOf(run, 'Defender')[0]).toMatchObject({ status: 'Cancelled' });
	});

	test('cancelling an action that already finished says so', async () => {
		const engine = setup();
		nock(API)
			.post(`/api/machineactions/${ACTION_ID}/cancel`)
			.reply(400, apiErrorBody('BadRequest', 'Cannot cancel'));
		nock(API)
			.get(`/api/machineactions/${ACTION_ID}`)
			.reply(200, machineAction({ id: ACTION_ID, status: 'Succeeded' }));
		const run = await engine.run(
			defenderWorkflow([{}], {
				parameters: {
					resource: 'machineAction',
					operation: 'cancel',
					machineActionId: ACTION_ID,
					comment: 'stop',
				},
				onError: 'continueRegularOutput',
			}),
		);
		expect(jsonOf(run, 'Defender')[0].error).toBe(
			`Machine action ${ACTION_ID} (Unisolate) cannot be cancelled: it is Succeeded`,
		);
	});
});
