import type { ICredentialTestRequest, ICredentialType, INodeProperties } from 'n8n-workflow';

import { CLOUDS, perCloudExpression } from '../nodes/DefenderForEndpoint/lib/clouds';
import { httpRequestDomainFields } from './httpRequestDomains';

export class DefenderForEndpointOAuth2Api implements ICredentialType {
	name = 'defenderForEndpointOAuth2Api';

	extends = ['oAuth2Api'];

	displayName = 'Defender for Endpoint OAuth2 API';

	documentationUrl =
		'https://learn.microsoft.com/en-us/defender-endpoint/api/exposed-apis-create-app-webapp';

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
				'Which Microsoft cloud hosts your Defender tenant. It decides the API host, the sign-in host and the token scope.',
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
		// Not named clientId / clientSecret: n8n shows a field that overrides one of the oAuth2Api parent's fields in the
		// parent's place (first), so the visible fields have names of their own and the parent's are derived below.
		{
			displayName: 'Client ID (Application ID)',
			name: 'applicationId',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'e.g. 00000000-0000-0000-0000-000000000000',
			description: 'Application (client) ID of the app registration',
		},
		{
			displayName: 'Client Secret',
			name: 'applicationSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'A client secret value of the app registration (not its secret ID)',
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
			default: 'https://api.securitycenter.microsoft.com/.default',
			required: true,
			description:
				'OAuth2 scope of the token: the API\'s application ID URI followed by /.default (app permissions), e.g. https://api.securitycenter.microsoft.com/.default',
			displayOptions: { show: { cloud: ['custom'] } },
		},
		...httpRequestDomainFields(['customApiBaseUrl', 'customTokenUrl']),
		// The OAuth2 fields n8n's client-credentials flow reads, derived from the fields above.
		{ displayName: 'Grant Type', name: 'grantType', type: 'hidden', default: 'clientCredentials' },
		{ displayName: 'Client ID', name: 'clientId', type: 'hidden', default: '={{ $self.applicationId }}' },
		{ displayName: 'Client Secret', name: 'clientSecret', type: 'hidden', typeOptions: { password: true }, default: '={{ $self.applicationSecret }}' },
		{
			displayName: 'Access Token URL',
			name: 'accessTokenUrl',
			type: 'hidden',
			default: `={{ $self.cloud === 'custom' ? $self.customTokenUrl : ${perCloudExpression((cloud) => cloud.loginBaseUrl, '$self.cloud')} + '/' + String($self.tenantId).trim() + '/oauth2/v2.0/token' }}`,
		},
		{
			displayName: 'Scope',
			name: 'scope',
			type: 'hidden',
			default: `={{ $self.cloud === 'custom' ? $self.customScope : ${perCloudExpression((cloud) => cloud.scope, '$self.cloud')} }}`,
		},
		{ displayName: 'Auth URI', name: 'authUrl', type: 'hidden', default: '' },
		{ displayName: 'Auth URI Query Parameters', name: 'authQueryParameters', type: 'hidden', default: '' },
		{ displayName: 'Authentication', name: 'authentication', type: 'hidden', default: 'body' },
		// n8n's generic OAuth2 fields that mean nothing here: Entra's client-credentials token request takes no extra body.
		{ displayName: 'Send Additional Body Properties', name: 'sendAdditionalBodyProperties', type: 'hidden', default: false },
		{ displayName: 'Additional Body Properties', name: 'additionalBodyProperties', type: 'hidden', default: '' },
	];

	/** Acquires a token and reads one device: proves the secret, the cloud and Machine.Read.All together. */
	test: ICredentialTestRequest = {
		request: {
			baseURL: `={{ $credentials.cloud === 'custom' ? $credentials.customApiBaseUrl : ${perCloudExpression((cloud) => cloud.apiBaseUrl, '$credentials.cloud')} }}`,
			url: '/api/machines',
			qs: { $top: 1 },
		},
	};
}
