import type { IDataObject } from 'n8n-workflow';

import { DefenderForEndpointDelegatedOAuth2Api } from '../../credentials/DefenderForEndpointDelegatedOAuth2Api.credentials';
import { DefenderForEndpointOAuth2Api } from '../../credentials/DefenderForEndpointOAuth2Api.credentials';
import { newEngine } from '../helpers/workflow';

/**
 * n8n merges the oAuth2Api parent's fields into this credential: a field of ours whose name is also the parent's
 * keeps the parent's place (first in the form). So the fields a user fills in have names of their own, and the
 * parent's OAuth2 fields are hidden and derived from them.
 */
/** n8n's allowedHttpRequestDomains and allowedDomains of a stored credential, resolved as n8n resolves them. */
async function domainRestriction(type: string, data: IDataObject): Promise<string> {
	const engine = newEngine();
	engine.credentialsHelper.save('form', type, data);
	const helper = engine.credentialsHelper as unknown as {
		getDecrypted(...args: unknown[]): Promise<IDataObject>;
	};
	const { allowedHttpRequestDomains, allowedDomains } = await helper.getDecrypted(
		{},
		{ id: 'form' },
		type,
		'manual',
		undefined,
		false,
	);
	return `${allowedHttpRequestDomains}: ${allowedDomains}`;
}

describe('credential form', () => {
	const credential = new DefenderForEndpointOAuth2Api();
	const visible = credential.properties.filter((property) => property.type !== 'hidden');
	const byName = (name: string) => credential.properties.find((property) => property.name === name);

	test('Cloud, Tenant ID, Client ID and Client Secret come first, in that order', () => {
		expect(visible.slice(0, 4).map((property) => property.displayName)).toEqual([
			'Cloud',
			'Tenant ID',
			'Client ID (Application ID)',
			'Client Secret',
		]);
	});

	test('no visible field overrides a field of the oAuth2Api parent', () => {
		const parentFields = [
			'clientId',
			'clientSecret',
			'accessTokenUrl',
			'authUrl',
			'scope',
			'grantType',
			'authQueryParameters',
			'authentication',
		];
		expect(
			visible.map((property) => property.name).filter((name) => parentFields.includes(name)),
		).toEqual([]);
	});

	test('the OAuth2 client ID and secret are hidden and derived from the visible fields', () => {
		expect(byName('clientId')).toMatchObject({
			type: 'hidden',
			default: '={{ $self.applicationId }}',
		});
		expect(byName('clientSecret')).toMatchObject({
			type: 'hidden',
			default: '={{ $self.applicationSecret }}',
		});
		expect(byName('applicationSecret')?.typeOptions?.password).toBe(true);
	});

	test("Allowed HTTP Request Domains is the credential's own field, after the connection fields, defaulting to the cloud's hosts", () => {
		const shownForCommercial = visible.filter((property) => !property.displayOptions?.show?.cloud);
		expect(shownForCommercial.map((property) => property.name).slice(4, 5)).toEqual([
			'httpRequestDomains',
		]);
		expect(byName('httpRequestDomains')?.default).toBe('cloud');
		// n8n reads these two (and does not add its own fields when allowedHttpRequestDomains exists).
		expect(byName('allowedHttpRequestDomains')).toMatchObject({ type: 'hidden' });
		expect(byName('allowedDomains')).toMatchObject({ type: 'hidden' });
	});

	test("the cloud's hosts are the API and sign-in hosts of each cloud, and of a Custom cloud's URLs (n8n's expression engine)", async () => {
		const resolved = (data: IDataObject) => domainRestriction('defenderForEndpointOAuth2Api', data);
		expect(await resolved({})).toBe(
			'domains: api.security.microsoft.com, login.microsoftonline.com',
		);
		expect(await resolved({ cloud: 'gccHigh' })).toBe(
			'domains: api-gov.securitycenter.microsoft.us, login.microsoftonline.us',
		);
		expect(await resolved({ cloud: 'swa' })).toBe(
			'domains: swa.api.security.microsoft.com, login.microsoftonline.com',
		);
		expect(await resolved({ cloud: 'ina' })).toBe(
			'domains: ina.api.security.microsoft.com, login.microsoftonline.com',
		);
		expect(
			await resolved({
				cloud: 'custom',
				customApiBaseUrl: 'https://api.contoso.test:8443/x',
				customTokenUrl: 'https://login.contoso.test/t/oauth2/v2.0/token',
			}),
		).toBe('domains: api.contoso.test, login.contoso.test');
		expect(
			await resolved({
				cloud: 'custom',
				customApiBaseUrl: 'http://127.0.0.1:5000',
				customTokenUrl: 'http://127.0.0.1:5001/t',
			}),
		).toBe('domains: 127.0.0.1');
		expect(
			await resolved({ httpRequestDomains: 'domains', httpRequestAllowedDomains: 'a.example' }),
		).toBe('domains: a.example');
		expect(await resolved({ httpRequestDomains: 'all' })).toMatch(/^all: /);
	});
});

describe('delegated credential form', () => {
	const credential = new DefenderForEndpointDelegatedOAuth2Api();
	const visible = credential.properties.filter((property) => property.type !== 'hidden');
	const byName = (name: string) => credential.properties.find((property) => property.name === name);

	test('the same first fields as the application credential, and the authorization-code grant', () => {
		expect(visible.slice(0, 4).map((property) => property.displayName)).toEqual([
			'Cloud',
			'Tenant ID',
			'Client ID (Application ID)',
			'Client Secret',
		]);
		expect(byName('grantType')).toMatchObject({ type: 'hidden', default: 'authorizationCode' });
		expect(byName('authentication')).toMatchObject({ type: 'hidden', default: 'body' });
		expect(byName('clientId')).toMatchObject({
			type: 'hidden',
			default: '={{ $self.applicationId }}',
		});
		expect(byName('clientSecret')).toMatchObject({
			type: 'hidden',
			default: '={{ $self.applicationSecret }}',
		});
	});

	test('no visible field overrides a field of the oAuth2Api parent', () => {
		const parentFields = [
			'clientId',
			'clientSecret',
			'accessTokenUrl',
			'authUrl',
			'scope',
			'grantType',
			'authQueryParameters',
			'authentication',
		];
		expect(
			visible.map((property) => property.name).filter((name) => parentFields.includes(name)),
		).toEqual([]);
	});

	test('the Custom cloud asks for the authorization URL too, with the delegated scopes as default', () => {
		const custom = visible
			.filter((property) => property.displayOptions?.show?.cloud?.includes('custom'))
			.map((property) => property.name);
		expect(custom).toEqual(['customApiBaseUrl', 'customAuthUrl', 'customTokenUrl', 'customScope']);
		expect(byName('customScope')?.default).toBe(
			'https://api.securitycenter.microsoft.com/Machine.Isolate https://api.securitycenter.microsoft.com/Machine.Read offline_access',
		);
	});

	test("Allowed HTTP Request Domains defaults to the cloud's hosts here too, and is hidden from the editor's connect step", async () => {
		expect(byName('httpRequestDomains')?.default).toBe('cloud');
		expect(byName('allowedHttpRequestDomains')?.type).toBe('hidden');
		const resolved = (data: IDataObject) =>
			domainRestriction('defenderForEndpointDelegatedOAuth2Api', data);
		expect(await resolved({ cloud: 'dod' })).toBe(
			'domains: api-gov.securitycenter.microsoft.us, login.microsoftonline.us',
		);
		expect(
			await resolved({
				cloud: 'custom',
				customApiBaseUrl: 'https://api.contoso.test',
				customAuthUrl: 'https://sso.contoso.test/a',
				customTokenUrl: 'https://login.contoso.test/t',
			}),
		).toBe('domains: api.contoso.test, sso.contoso.test, login.contoso.test');
	});
});
