import type { ICredentialTestRequest, ICredentialType, INodeProperties } from 'n8n-workflow';

import { CLOUDS, delegatedScope, perCloudExpression } from '../nodes/DefenderForEndpoint/lib/clouds';
import { httpRequestDomainFields } from './httpRequestDomains';

const COMMERCIAL_DELEGATED_SCOPE = delegatedScope(CLOUDS.commercial.scope);

/** The sign-in host of the chosen cloud, or the custom URL, followed by the tenant's OAuth2 v2.0 endpoint. */
function entraEndpoint(endpoint: 'authorize' | 'token', customField: string): string {
	return `={{ $self.cloud === 'custom' ? $self.${customField} : ${perCloudExpression((cloud) => cloud.loginBaseUrl, '$self.cloud')} + '/' + String($self.tenantId).trim() + '/oauth2/v2.0/${endpoint}' }}`;
}

/**
 * Delegated sign-in (OAuth2 authorization code with refresh tokens): the node acts as the analyst who clicked
 * "Connect my account", so Defender records that user as the requestor and applies the user's role and device groups.
 */
export class DefenderForEndpointDelegatedOAuth2Api implements ICredentialType {
	name = 'defenderForEndpointDelegatedOAuth2Api';

	extends = ['oAuth2Api'];

	displayName = 'Defender for Endpoint Delegated OAuth2 API';

	documentationUrl = 'https://learn.microsoft.com/en-us/defender-endpoint/api/exposed-apis-create-app-nativeapp';

	icon = 'file:../nodes/DefenderForEndpoint/defenderForEndpoint.svg' as const;

	properties: INodeProperties[] = [
		{
			displayName: 'Cloud',
			name: 'cloud',
			type: 'options',
			options: [
				...Object.entries(CLOUDS).map(([value, cloud]) => ({ name: cloud.label, value })),
				{ name: 'Custom', value: 'custom' },
			],
			default: 'commercial',
			description:
				'Which Microsoft cloud hosts your Defender tenant. It decides the API host, the sign-in host and the scopes.',
		},
		{
			displayName: 'Tenant ID',
			name: 'tenantId',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'e.g. 72f988bf-86f1-41af-91ab-2d7cd011db47 or contoso.onmicrosoft.com',
			description: 'Directory (tenant) ID of the app registration, as a GUID or a verified domain',
		},
		// Own names, not clientId / clientSecret: see DefenderForEndpointOAuth2Api (n8n would show them first).
		{
			displayName: 'Client ID (Application ID)',
			name: 'applicationId',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'e.g. 00000000-0000-0000-0000-000000000000',
			description: 'Application (client) ID of the app registration with the delegated WindowsDefenderATP permissions',
		},
		{
			displayName: 'Client Secret',
			name: 'applicationSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'A client secret value of the app registration (not its secret ID); n8n uses it to redeem and refresh the sign-in',
		},
		{
			displayName: 'API Base URL',
			name: 'customApiBaseUrl',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'https://api.security.microsoft.com',
			description: 'Base URL of the Defender for Endpoint API, without /api. Must be https (http only for localhost).',
			displayOptions: { show: { cloud: ['custom'] } },
		},
		{
			displayName: 'Authorization URL',
			name: 'customAuthUrl',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize',
			description: 'OAuth2 authorization endpoint, where the user signs in. Must be https (http only for localhost).',
			displayOptions: { show: { cloud: ['custom'] } },
		},
		{
			displayName: 'Token URL',
			name: 'customTokenUrl',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token',
			description: 'OAuth2 token endpoint. Must be https (http only for localhost).',
			displayOptions: { show: { cloud: ['custom'] } },
		},
		{
			displayName: 'Scope',
			name: 'customScope',
			type: 'string',
			default: COMMERCIAL_DELEGATED_SCOPE,
			required: true,
			description: `Delegated scopes, separated by spaces: the API's Machine.Isolate and Machine.Read, and offline_access for a refresh token, e.g. ${COMMERCIAL_DELEGATED_SCOPE}`,
			displayOptions: { show: { cloud: ['custom'] } },
		},
		...httpRequestDomainFields(['customApiBaseUrl', 'customAuthUrl', 'customTokenUrl']),
		// The OAuth2 fields n8n's authorization-code flow reads, derived from the fields above.
		{ displayName: 'Grant Type', name: 'grantType', type: 'hidden', default: 'authorizationCode' },
		{ displayName: 'Client ID', name: 'clientId', type: 'hidden', default: '={{ $self.applicationId }}' },
		{ displayName: 'Client Secret', name: 'clientSecret', type: 'hidden', typeOptions: { password: true }, default: '={{ $self.applicationSecret }}' },
		{ displayName: 'Authorization URL', name: 'authUrl', type: 'hidden', default: entraEndpoint('authorize', 'customAuthUrl') },
		{ displayName: 'Access Token URL', name: 'accessTokenUrl', type: 'hidden', default: entraEndpoint('token', 'customTokenUrl') },
		{
			displayName: 'Scope',
			name: 'scope',
			type: 'hidden',
			default: `={{ $self.cloud === 'custom' ? $self.customScope : ${perCloudExpression((cloud) => delegatedScope(cloud.scope), '$self.cloud')} }}`,
		},
		// As Microsoft's own OAuth2 credential in n8n: the code comes back in the query; the user picks the account.
		{ displayName: 'Auth URI Query Parameters', name: 'authQueryParameters', type: 'hidden', default: 'response_mode=query&prompt=select_account' },
		{ displayName: 'Authentication', name: 'authentication', type: 'hidden', default: 'body' },
		{ displayName: 'Send Additional Body Properties', name: 'sendAdditionalBodyProperties', type: 'hidden', default: false },
		{ displayName: 'Additional Body Properties', name: 'additionalBodyProperties', type: 'hidden', default: '' },
	];

	/** Reads one device as the signed-in user: proves the sign-in, the cloud and Machine.Read together. */
	test: ICredentialTestRequest = {
		request: {
			baseURL: `={{ $credentials.cloud === 'custom' ? $credentials.customApiBaseUrl : ${perCloudExpression((cloud) => cloud.apiBaseUrl, '$credentials.cloud')} }}`,
			url: '/api/machines',
			qs: { $top: 1 },
		},
	};
}
