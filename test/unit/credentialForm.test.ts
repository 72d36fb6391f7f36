import { DefenderForEndpointDelegatedOAuth2Api } from '../../credentials/DefenderForEndpointDelegatedOAuth2Api.credentials';
import { DefenderForEndpointOAuth2Api } from '../../credentials/DefenderForEndpointOAuth2Api.credentials';

/**
 * n8n merges the oAuth2Api parent's fields into this credential: a field of ours whose name is also the parent's
 * keeps the parent's place (first in the form). So the fields a user fills in have names of their own, and the
 * parent's OAuth2 fields are hidden and derived from them.
 */
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
		const parentFields = ['clientId', 'clientSecret', 'accessTokenUrl', 'authUrl', 'scope', 'grantType', 'authQueryParameters', 'authentication'];
		expect(visible.map((property) => property.name).filter((name) => parentFields.includes(name))).toEqual([]);
	});

	test('the OAuth2 client ID and secret are hidden and derived from the visible fields', () => {
		expect(byName('clientId')).toMatchObject({ type: 'hidden', default: '={{ $self.applicationId }}' });
		expect(byName('clientSecret')).toMatchObject({ type: 'hidden', default: '={{ $self.applicationSecret }}' });
		expect(byName('applicationSecret')?.typeOptions?.password).toBe(true);
	});
});

describe('delegated credential form', () => {
	const credential = new DefenderForEndpointDelegatedOAuth2Api();
	const visible = credential.properties.filter((property) => property.type !== 'hidden');
	const byName = (name: string) => credential.properties.find((property) => property.name === name);

	test('the same first fields as the application credential, and the authorization-code grant', () => {
		expect(visible.slice(0, 4).map((property) => property.displayName)).toEqual(['Cloud', 'Tenant ID', 'Client ID (Application ID)', 'Client Secret']);
		expect(byName('grantType')).toMatchObject({ type: 'hidden', default: 'authorizationCode' });
		expect(byName('authentication')).toMatchObject({ type: 'hidden', default: 'body' });
		expect(byName('clientId')).toMatchObject({ type: 'hidden', default: '={{ $self.applicationId }}' });
		expect(byName('clientSecret')).toMatchObject({ type: 'hidden', default: '={{ $self.applicationSecret }}' });
	});

	test('no visible field overrides a field of the oAuth2Api parent', () => {
		const parentFields = ['clientId', 'clientSecret', 'accessTokenUrl', 'authUrl', 'scope', 'grantType', 'authQueryParameters', 'authentication'];
		expect(visible.map((property) => property.name).filter((name) => parentFields.includes(name))).toEqual([]);
	});

	test('the Custom cloud asks for the authorization URL too, with the delegated scopes as default', () => {
		const custom = visible.filter((property) => property.displayOptions?.show?.cloud?.includes('custom')).map((property) => property.name);
		expect(custom).toEqual(['customApiBaseUrl', 'customAuthUrl', 'customTokenUrl', 'customScope']);
		expect(byName('customScope')?.default).toBe(
			'https://api.securitycenter.microsoft.com/Machine.Isolate https://api.securitycenter.microsoft.com/Machine.Read offline_access',
		);
	});
});
