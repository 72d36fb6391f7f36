import nock from 'nock';

import {
	API,
	machine,
	machineAction,
	machineId,
	mockTenantActions,
	unusedMocks,
	mockTokens,
	saveCredential,
} from '../helpers/defenderMocks';
import { defenderWorkflow, jsonOf, newEngine } from '../helpers/workflow';

const ID = machineId(7);

function setup() {
	const engine = newEngine();
	mockTokens(saveCredential(engine).clientId, ['t']);
	mockTenantActions();
	return engine;
}

const fromInput = (mode: string) => ({ __rl: true, mode, value: '={{ $json.value }}' });

describe('hostile hostnames stay one OData literal and never reach another device', () => {
	test.each([
		["x' or computerDnsName ne '", "computerDnsName eq 'x'' or computerDnsName ne '''"],
		["ws-1') or (1 eq 1", "computerDnsName eq 'ws-1'') or (1 eq 1'"],
		["ws-1&$filter=id ne ''&$top=10000", "computerDnsName eq 'ws-1&$filter=id ne ''''&$top=10000'"],
		['ws-1 or true', "computerDnsName eq 'ws-1 or true'"],
	])('%p', async (hostname, expectedFilter) => {
		const engine = setup();
		// A server that ignored the filter would return every device: the node must still release none of them.
		const lookup = nock(API)
			.get('/api/machines')
			.query(
				(query) =>
					query.$filter === expectedFilter &&
					query.$top === '10000' &&
					Object.keys(query).length === 2,
			)
			.reply(200, { value: [machine(machineId(1), 'ws-1'), machine(machineId(2), 'ws-2')] });
		const run = await engine.run(
			defenderWorkflow([{ value: hostname }], {
				parameters: { device: fromInput('hostname'), comment: 'c' },
				onError: 'continueRegularOutput',
			}),
		);
		expect(lookup.isDone()).toBe(true);
		expect(jsonOf(run, 'Defender')[0].error).toMatch(
			/^Device \(By Hostname\): no Defender device is named/,
		);
		expect(unusedMocks()).toEqual([]);
	});
});

describe('hostile device IDs are refused before any request', () => {
	test.each([
		`${'a'.repeat(39)}/`,
		`../${'a'.repeat(37)}`,
		`${'a'.repeat(37)}%2F`,
		`${'a'.repeat(20)} ${'a'.repeat(19)}`,
		`${ID}/isolate`,
		`${ID}?x=1`,
		`${ID}\n`.repeat(2),
	])('%p', async (value) => {
		const engine = setup();
		const run = await engine.run(
			defenderWorkflow([{ value }], {
				parameters: { device: fromInput('id'), comment: 'c' },
				onError: 'continueRegularOutput',
			}),
		);
		expect(jsonOf(run, 'Defender')[0].error).toMatch(
			/^Device \(By ID\): Device ID ".*" is not a Defender machine ID/,
		);
	});
});

describe('comments are sent exactly as typed (trimmed), whatever they contain', () => {
	test.each([
		['one character', 'x'],
		['emoji and non-ASCII', 'Released ✅ after INC-42 — Ærø 🛡️'],
		['control characters inside', 'line 1\nline 2\ttab\u0007bell'],
		['quotes and JSON syntax', `"}], "Comment": "evil", {"`],
		['very long', 'A'.repeat(20_000)],
	])('%s', async (_label, comment) => {
		const engine = setup();
		const post = nock(API)
			.post(
				`/api/machines/${ID}/unisolate`,
				(body) => JSON.stringify(body) === JSON.stringify({ Comment: comment }),
			)
			.reply(201, machineAction({ machineId: ID }));
		const run = await engine.run(
			defenderWorkflow([{ comment: `  ${comment}  ` }], {
				parameters: {
					device: { __rl: true, mode: 'id', value: ID },
					comment: '={{ $json.comment }}',
				},
			}),
		);
		expect(jsonOf(run, 'Defender')[0]).toMatchObject({ outcome: 'created' });
		expect(post.isDone()).toBe(true);
	});
});
