import { deriveIsolationState } from '../../nodes/DefenderForEndpoint/lib/isolationState';
import { checkedNumber, NUMERIC_OPTIONS } from '../../nodes/DefenderForEndpoint/lib/numbers';
import { sameHostname, safeLowerCase } from '../../nodes/DefenderForEndpoint/lib/odata';
import { PageTrail } from '../../nodes/DefenderForEndpoint/lib/paging';
import { redact, redactDeep } from '../../nodes/DefenderForEndpoint/lib/redact';
import {
	readTokenIssuance,
	staleTokenReason,
} from '../../nodes/DefenderForEndpoint/lib/tokenClaims';

describe('checkedNumber', () => {
	const range = NUMERIC_OPTIONS.parallelRequests;
	it('takes numbers in range, and text that is exactly such a number', () => {
		expect(checkedNumber(4, range, 1)).toBe(4);
		expect(checkedNumber(' 7 ', range, 1)).toBe(7);
	});
	it('uses the default only when the option is absent', () => {
		expect(checkedNumber(undefined, range, 4)).toBe(4);
		expect(checkedNumber(null, range, 4)).toBe(4);
	});
	it.each([
		['four', 'the text "four"'],
		['', 'the text ""'],
		[NaN, 'NaN'],
		[Infinity, 'Infinity'],
		[true, 'the boolean true'],
		[[4], 'a list ([4])'],
	])('refuses %p naming it', (value, shown) => {
		expect(() => checkedNumber(value, range, 4)).toThrow(
			`Parallel Requests: expected a whole number from 1 to 10, got ${shown}`,
		);
	});
	it('refuses values out of range and fractions of counts', () => {
		expect(() => checkedNumber(0, range, 4)).toThrow('got 0');
		expect(() => checkedNumber(11, range, 4)).toThrow('got 11');
		expect(() => checkedNumber(1.5, range, 4)).toThrow('got 1.5');
		expect(checkedNumber(0.5, NUMERIC_OPTIONS.maxWaitSeconds, 300)).toBe(0.5);
	});
});

describe('PageTrail', () => {
	const stop = (problem: string) => new Error(problem);
	it('stops at a page asked for twice, whatever the order of its query', () => {
		const trail = new PageTrail(stop);
		trail.visit({ path: '/api/machines', qs: { $top: 10, $skiptoken: 'a' } });
		expect(() => trail.visit({ path: '/API/Machines', qs: { $skiptoken: 'a', $top: 10 } })).toThrow(
			'already returned',
		);
	});
	it('stops past its page bound', () => {
		const trail = new PageTrail(stop, 2);
		trail.visit({ path: '/p', qs: { n: 1 } });
		trail.visit({ path: '/p', qs: { n: 2 } });
		expect(() => trail.visit({ path: '/p', qs: { n: 3 } })).toThrow('went on past 2 pages');
	});
});

describe('token issuance', () => {
	const jwt = (claims: object) =>
		`eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
	const tenant = '11111111-2222-3333-4444-555555555555';
	const app = '66666666-7777-8888-9999-000000000000';
	it('reads tid and appid (v1) or azp (v2)', () => {
		expect(readTokenIssuance(jwt({ tid: tenant, appid: app }))).toEqual({
			tenantId: tenant,
			appId: app,
		});
		expect(readTokenIssuance(jwt({ tid: tenant, azp: app }))).toEqual({
			tenantId: tenant,
			appId: app,
		});
	});
	it('says nothing of tokens that are not JWTs', () => {
		expect(readTokenIssuance('opaque-simulator-token')).toBeUndefined();
		expect(readTokenIssuance('a.%%%.c')).toBeUndefined();
		expect(staleTokenReason('opaque', tenant, app)).toBeUndefined();
	});
	it('finds a token of another tenant or app, compared case-insensitively, GUIDs only', () => {
		expect(
			staleTokenReason(jwt({ tid: tenant.toUpperCase(), appid: app }), tenant, app),
		).toBeUndefined();
		expect(staleTokenReason(jwt({ tid: app }), tenant, app)).toMatch(/issued for tenant 6666/);
		expect(staleTokenReason(jwt({ tid: tenant, appid: tenant }), tenant, app)).toMatch(
			/another application/,
		);
		// A Tenant ID given as a domain cannot be compared with tid.
		expect(staleTokenReason(jwt({ tid: app }), 'contoso.onmicrosoft.com', app)).toBeUndefined();
	});
});

describe('redaction', () => {
	const secrets = [{ label: 'access token', value: 'opaque-token-123' }];
	it('replaces known values and anything shaped like a token, whole or cut short', () => {
		expect(redact('x opaque-token-123 y', secrets)).toBe('x [access token] y');
		expect(redact('Authorization: Bearer abc.def', [])).toBe(
			'Authorization: Bearer [access token]',
		);
		expect(redact('jwt eyJhbGciOiJSUzI1NiJ9.eyJ0aWQiOiJ4In0.sig and cut eyJhbGciOiJSUz…', [])).toBe(
			'jwt [access token] and cut [access token]…',
		);
	});
	it('walks every field of an error, its cause and the raw answer, in place, but not the node', () => {
		const node = { parameters: { comment: 'opaque-token-123' } };
		const error = Object.assign(new Error('failed: opaque-token-123'), {
			node,
			errorResponse: { message: ['deep', { text: 'opaque-token-123' }] },
			cause: new Error('cause opaque-token-123'),
		});
		redactDeep(error, (text) => redact(text, secrets));
		const shown = {
			errorResponse: error.errorResponse,
			message: error.message,
			stack: error.stack,
			cause: error.cause?.message,
		};
		expect(JSON.stringify(shown)).not.toContain('opaque-token-123');
		expect(node.parameters.comment).toBe('opaque-token-123');
	});
	it('replaces read-only fields too', () => {
		const frozen = Object.defineProperty({}, 'text', {
			value: 'opaque-token-123',
			writable: false,
			configurable: true,
			enumerable: true,
		});
		redactDeep(frozen, (text) => redact(text, secrets));
		expect((frozen as { text: string }).text).toBe('[access token]');
	});
});

describe('safeLowerCase', () => {
	it('folds ASCII and non-ASCII letters, but never a non-ASCII character onto ASCII', () => {
		expect(safeLowerCase('WS-0042')).toBe('ws-0042');
		expect(safeLowerCase('MÜLLER')).toBe('müller');
		expect(safeLowerCase('WS-\u212a1')).toBe('ws-\u212a1');
		expect(safeLowerCase('\u0130STANBUL')).toBe('\u0130stanbul');
		expect(sameHostname('ws-k1', 'ws-\u212a1')).toBe(false);
	});
});

describe('isolation state at equal times', () => {
	const at = '2026-11-20T10:00:00Z';
	const action = (id: string, type: string, status: string) => ({
		id,
		type,
		status,
		creationDateTimeUtc: at,
		lastUpdateDateTimeUtc: at,
	});
	it.each([
		['Succeeded', 'isolated'],
		['Pending', 'isolating'],
	])('%s Isolate and Unisolate at one time: %s, in either order', (status, state) => {
		const isolate = action('b', 'Isolate', status);
		const release = action('a', 'Unisolate', status);
		expect(deriveIsolationState([isolate, release])).toEqual({ state, decidedBy: isolate });
		expect(deriveIsolationState([release, isolate])).toEqual({ state, decidedBy: isolate });
	});
	it('two actions of one type at one time: the larger ID decides, in either order', () => {
		const first = action('1', 'Isolate', 'Succeeded');
		const second = action('2', 'Isolate', 'Succeeded');
		expect(deriveIsolationState([first, second]).decidedBy).toBe(second);
		expect(deriveIsolationState([second, first]).decidedBy).toBe(second);
	});
});
