import {
	CLOUDS,
	parseSecureUrl,
	parseTenantId,
	resolveCloud,
} from '../../nodes/DefenderForEndpoint/lib/clouds';

const TENANT = 'a1b2c3d4-0000-1111-2222-333344445555';
const CLIENT = '11111111-2222-3333-4444-555555555555';

const COMMERCIAL_LOGIN = 'https://login.microsoftonline.com';
const GOV_LOGIN = 'https://login.microsoftonline.us';
const COMMERCIAL_SCOPE = 'https://api.securitycenter.microsoft.com/.default';
const GOV_SCOPE = 'https://securitycenter.onmicrosoft.us/windowsatpservice/.default';

// Literal hosts from Microsoft's documentation (exposed APIs list, the regional hosts' tip, US Government docs).
const EXPECTED: Array<[string, string, string, string]> = [
	['commercial', 'https://api.security.microsoft.com', COMMERCIAL_LOGIN, COMMERCIAL_SCOPE],
	['us', 'https://us.api.security.microsoft.com', COMMERCIAL_LOGIN, COMMERCIAL_SCOPE],
	['eu', 'https://eu.api.security.microsoft.com', COMMERCIAL_LOGIN, COMMERCIAL_SCOPE],
	['uk', 'https://uk.api.security.microsoft.com', COMMERCIAL_LOGIN, COMMERCIAL_SCOPE],
	['au', 'https://au.api.security.microsoft.com', COMMERCIAL_LOGIN, COMMERCIAL_SCOPE],
	['swa', 'https://swa.api.security.microsoft.com', COMMERCIAL_LOGIN, COMMERCIAL_SCOPE],
	['ina', 'https://ina.api.security.microsoft.com', COMMERCIAL_LOGIN, COMMERCIAL_SCOPE],
	['gcc', 'https://api-gcc.securitycenter.microsoft.us', COMMERCIAL_LOGIN, COMMERCIAL_SCOPE],
	['gccHigh', 'https://api-gov.securitycenter.microsoft.us', GOV_LOGIN, GOV_SCOPE],
	['dod', 'https://api-gov.securitycenter.microsoft.us', GOV_LOGIN, GOV_SCOPE],
];

const custom = (overrides: Record<string, string | undefined> = {}) => ({
	cloud: 'custom',
	tenantId: TENANT,
	clientId: CLIENT,
	customApiBaseUrl: 'https://defender.example.com',
	customTokenUrl: 'https://login.example.com/tenant/oauth2/v2.0/token',
	customScope: 'https://api.example.com/.default',
	...overrides,
});

function messageOf(fn: () => unknown): string {
	try {
		fn();
	} catch (error) {
		return (error as Error).message;
	}
	throw new Error('expected an error');
}

describe('resolveCloud: named clouds', () => {
	it('covers exactly the documented clouds', () => {
		expect(Object.keys(CLOUDS).sort()).toEqual(EXPECTED.map(([name]) => name).sort());
	});

	describe.each(EXPECTED)('%s', (cloud, apiBaseUrl, login, scope) => {
		it(`calls ${apiBaseUrl}, gets tokens from ${login} for ${scope}`, () => {
			expect(resolveCloud({ cloud, tenantId: TENANT, clientId: CLIENT })).toMatchObject({
				apiBaseUrl,
				tokenUrl: `${login}/${TENANT}/oauth2/v2.0/token`,
				scope,
				tenantId: TENANT,
				clientId: CLIENT,
			});
		});

		it('builds the token URL from the tenant domain too', () => {
			expect(
				resolveCloud({ cloud, tenantId: 'contoso.onmicrosoft.com', clientId: CLIENT }).tokenUrl,
			).toBe(`${login}/contoso.onmicrosoft.com/oauth2/v2.0/token`);
		});

		it('has a portal URL on https', () => {
			const { portalUrl } = resolveCloud({ cloud, tenantId: TENANT, clientId: CLIENT });
			expect(portalUrl).toMatch(/^https:\/\/[a-z.]+$/);
		});
	});

	it('points the portal at the cloud’s own Defender portal', () => {
		const portal = (cloud: string) =>
			resolveCloud({ cloud, tenantId: TENANT, clientId: CLIENT }).portalUrl;
		expect(portal('commercial')).toBe('https://security.microsoft.com');
		expect(portal('gccHigh')).toBe('https://security.microsoft.us');
		expect(portal('dod')).toBe('https://security.apps.mil');
	});

	it('defaults to the commercial cloud', () => {
		expect(resolveCloud({ tenantId: TENANT, clientId: CLIENT })).toEqual(
			resolveCloud({ cloud: 'commercial', tenantId: TENANT, clientId: CLIENT }),
		);
	});

	it('trims the tenant ID and client ID', () => {
		const resolved = resolveCloud({
			cloud: 'eu',
			tenantId: `  ${TENANT}\n`,
			clientId: `  ${CLIENT} `,
		});
		expect(resolved.tenantId).toBe(TENANT);
		expect(resolved.clientId).toBe(CLIENT);
		expect(resolved.tokenUrl).toBe(`${COMMERCIAL_LOGIN}/${TENANT}/oauth2/v2.0/token`);
	});

	it('rejects an empty client ID', () => {
		expect(() => resolveCloud({ tenantId: TENANT, clientId: '  ' })).toThrow(/Client ID is empty/);
		expect(() => resolveCloud({ tenantId: TENANT })).toThrow(/Client ID is empty/);
	});

	it('rejects an invalid tenant before building any URL', () => {
		expect(() => resolveCloud({ tenantId: '../evil', clientId: CLIENT })).toThrow(/Tenant ID/);
		expect(() => resolveCloud({ clientId: CLIENT })).toThrow(/Tenant ID/);
	});

	it.each(['mars', 'Commercial', 'GCCHIGH', '', ' commercial'])(
		'rejects the unknown cloud %p',
		(cloud) => {
			expect(() => resolveCloud({ cloud, tenantId: TENANT, clientId: CLIENT })).toThrow(
				/Unknown cloud/,
			);
		},
	);

	it.each(['toString', 'constructor', 'hasOwnProperty', '__proto__', 'valueOf'])(
		'rejects the Object.prototype member %p as an unknown cloud',
		(cloud) => {
			expect(() => resolveCloud({ cloud, tenantId: TENANT, clientId: CLIENT })).toThrow(
				/Unknown cloud/,
			);
		},
	);
});

describe('resolveCloud: custom cloud', () => {
	it('uses the typed API base URL, token URL and scope, without a portal', () => {
		expect(resolveCloud(custom())).toEqual({
			apiBaseUrl: 'https://defender.example.com',
			tokenUrl: 'https://login.example.com/tenant/oauth2/v2.0/token',
			scope: 'https://api.example.com/.default',
			tenantId: TENANT,
			clientId: CLIENT,
		});
	});

	it('removes trailing slashes from both URLs', () => {
		const resolved = resolveCloud(
			custom({
				customApiBaseUrl: 'https://defender.example.com/api///',
				customTokenUrl: 'https://login.example.com/token/',
			}),
		);
		expect(resolved.apiBaseUrl).toBe('https://defender.example.com/api');
		expect(resolved.tokenUrl).toBe('https://login.example.com/token');
		expect(
			resolveCloud(custom({ customApiBaseUrl: 'https://defender.example.com/' })).apiBaseUrl,
		).toBe('https://defender.example.com');
	});

	it('trims the URLs and the scope', () => {
		const resolved = resolveCloud(
			custom({
				customApiBaseUrl: '  https://defender.example.com  ',
				customScope: '  api://x/.default ',
			}),
		);
		expect(resolved.apiBaseUrl).toBe('https://defender.example.com');
		expect(resolved.scope).toBe('api://x/.default');
	});

	it.each([
		['localhost', 'http://localhost:3000', 'http://localhost:3000'],
		['LOCALHOST in capitals', 'HTTP://LOCALHOST:3000/', 'http://localhost:3000'],
		['127.0.0.1', 'http://127.0.0.1:8080/api/', 'http://127.0.0.1:8080/api'],
		['another 127.x.x.x address', 'http://127.10.20.30', 'http://127.10.20.30'],
		['[::1]', 'http://[::1]:8443/', 'http://[::1]:8443'],
	])('accepts plain http for loopback: %s', (_label, url, expected) => {
		const resolved = resolveCloud(
			custom({ customApiBaseUrl: url, customTokenUrl: `${url.replace(/\/$/, '')}/token` }),
		);
		expect(resolved.apiBaseUrl).toBe(expected);
		expect(resolved.tokenUrl).toBe(`${expected}/token`);
	});

	it.each([
		['a private IP', 'http://10.0.0.5'],
		['a public host', 'http://example.com'],
		['a host that starts with a loopback IP', 'http://127.0.0.1.evil.com'],
		['a host that starts with localhost', 'http://localhost.evil.com'],
		['a host that ends with localhost', 'http://evil-localhost'],
		['a subdomain of localhost look-alike', 'http://localhost.localdomain.evil.com'],
		['the unspecified address', 'http://0.0.0.0'],
		['another IPv6 host', 'http://[::2]'],
		['ftp', 'ftp://defender.example.com'],
		['file', 'file:///etc/passwd'],
		['javascript', 'javascript:alert(1)'],
		['ws', 'ws://localhost:3000'],
	])('rejects %s for the API Base URL, naming the field', (_label, url) => {
		expect(messageOf(() => resolveCloud(custom({ customApiBaseUrl: url })))).toMatch(
			/^API Base URL must use https:\/\//,
		);
	});

	it.each([
		['a private IP', 'http://10.0.0.5/token'],
		['a public host', 'http://example.com/token'],
		['a host that starts with a loopback IP', 'http://127.0.0.1.evil.com/token'],
		['a host that starts with localhost', 'http://localhost.evil.com/token'],
	])('rejects %s for the Token URL, naming the field', (_label, url) => {
		expect(messageOf(() => resolveCloud(custom({ customTokenUrl: url })))).toMatch(
			/^Token URL must use https:\/\//,
		);
	});

	it.each([
		['user and password', 'https://user:secret@defender.example.com'],
		['user only', 'https://user@defender.example.com'],
		['password only', 'https://:secret@defender.example.com'],
		['user and password on loopback http', 'http://user:secret@localhost:3000'],
	])('rejects a URL with %s', (_label, url) => {
		expect(messageOf(() => resolveCloud(custom({ customApiBaseUrl: url })))).toBe(
			'API Base URL must not contain a user name or password',
		);
		expect(messageOf(() => resolveCloud(custom({ customTokenUrl: url })))).toBe(
			'Token URL must not contain a user name or password',
		);
	});

	it('never echoes the password of a rejected URL', () => {
		expect(
			messageOf(() =>
				resolveCloud(custom({ customTokenUrl: 'https://user:hunter2@login.example.com' })),
			),
		).not.toContain('hunter2');
	});

	it.each([
		['not a URL', 'not a url'],
		['a bare host', 'defender.example.com'],
		['an empty string', ''],
		['a scheme only', 'https://'],
		['a broken IPv6 host', 'http://[::1'],
	])('rejects %s as an invalid URL, naming the field', (_label, url) => {
		expect(messageOf(() => resolveCloud(custom({ customApiBaseUrl: url })))).toMatch(
			/^API Base URL ".*" is not a valid URL$/,
		);
		expect(messageOf(() => resolveCloud(custom({ customTokenUrl: url })))).toMatch(
			/^Token URL ".*" is not a valid URL$/,
		);
	});

	it('rejects a missing URL', () => {
		expect(() => resolveCloud(custom({ customApiBaseUrl: undefined }))).toThrow(
			/^API Base URL "" is not a valid URL$/,
		);
		expect(() => resolveCloud(custom({ customTokenUrl: undefined }))).toThrow(
			/^Token URL "" is not a valid URL$/,
		);
	});

	it.each([[''], ['   '], [undefined]])('rejects the empty scope %p', (customScope) => {
		expect(() => resolveCloud(custom({ customScope }))).toThrow(/Scope is empty/);
	});

	it('still validates the tenant and client ID', () => {
		expect(() => resolveCloud(custom({ tenantId: 'a/b' }))).toThrow(/Tenant ID/);
		expect(() => resolveCloud(custom({ clientId: '' }))).toThrow(/Client ID is empty/);
	});
});

describe('parseSecureUrl', () => {
	it('returns the normalised URL without trailing slashes', () => {
		expect(parseSecureUrl('https://Defender.Example.com:443/api/', 'X')).toBe(
			'https://defender.example.com/api',
		);
		expect(parseSecureUrl('https://defender.example.com/a/b?x=1', 'X')).toBe(
			'https://defender.example.com/a/b?x=1',
		);
	});

	it('names the given field in its errors', () => {
		expect(() => parseSecureUrl('http://example.com', 'My Field')).toThrow(
			/^My Field must use https:\/\//,
		);
		expect(() => parseSecureUrl('nope', 'My Field')).toThrow(
			/^My Field "nope" is not a valid URL$/,
		);
	});

	it.each([[42], [null], [{}]])('rejects the non-string %p as an invalid URL', (value) => {
		expect(() => parseSecureUrl(value, 'X')).toThrow(/is not a valid URL/);
	});

	it('shows control characters of an invalid URL escaped', () => {
		const message = messageOf(() => parseSecureUrl('bad\u0000url', 'X'));
		expect(message).toContain('\\u0000');
		expect(message).not.toMatch(/\p{Cc}/u);
	});
});

describe('parseTenantId', () => {
	it.each([
		[TENANT],
		[TENANT.toUpperCase()],
		['contoso.onmicrosoft.com'],
		['contoso.com'],
		['sub-domain.contoso.co.uk'],
		['CONTOSO.ONMICROSOFT.US'],
		['x1.io'],
	])('accepts %p', (value) => {
		expect(parseTenantId(value)).toBe(value);
	});

	it('trims surrounding whitespace', () => {
		expect(parseTenantId(`  ${TENANT}\n`)).toBe(TENANT);
		expect(parseTenantId(' contoso.onmicrosoft.com ')).toBe('contoso.onmicrosoft.com');
	});

	it.each([
		['a traversal', '../x'],
		['a slash', 'a/b'],
		['a domain with a path', 'contoso.com/../evil'],
		['a domain with a query', 'contoso.com?x=1'],
		['a domain with a fragment', 'contoso.com#x'],
		['empty', ''],
		['spaces', '   '],
		['a single label', 'contoso'],
		['common', 'common'],
		['a GUID that is one character short', TENANT.slice(0, -1)],
		['a GUID without dashes', TENANT.replace(/-/g, '')],
		['a GUID with braces', `{${TENANT}}`],
		['a domain with a leading dot', '.contoso.com'],
		['a domain with a trailing dot', 'contoso.com.'],
		['a domain with an empty label', 'contoso..com'],
		['a label starting with a hyphen', '-contoso.com'],
		['a numeric top-level domain', 'contoso.123'],
		['an inner space', 'contoso .com'],
		['a percent-escape', 'contoso%2Ecom'],
		['an @', 'user@contoso.com'],
	])('rejects %s', (_label, value) => {
		expect(() => parseTenantId(value)).toThrow(/is neither a GUID nor a domain/);
	});

	it.each([[undefined], [null], [42], [{}]])('rejects the non-string %p', (value) => {
		expect(() => parseTenantId(value)).toThrow(/Tenant ID "" is neither a GUID nor a domain/);
	});

	it('rejects a domain longer than 253 characters', () => {
		const label = 'a'.repeat(60);
		const long = `${[label, label, label, label].join('.')}.com`; // 248
		expect(parseTenantId(long)).toBe(long);
		expect(() => parseTenantId(`aaaaaa.${long}`)).toThrow(/neither a GUID nor a domain/);
	});

	it('rejects a label longer than 63 characters', () => {
		expect(parseTenantId(`${'a'.repeat(63)}.com`)).toBe(`${'a'.repeat(63)}.com`);
		expect(() => parseTenantId(`${'a'.repeat(64)}.com`)).toThrow(/neither a GUID nor a domain/);
	});
});
