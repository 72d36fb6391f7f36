import type { ICredentialType, INodeProperties } from 'n8n-workflow';

import { perCloudExpression } from '../nodes/DefenderForEndpoint/lib/clouds';
import {
	connectionFields,
	CUSTOM_TOKEN_URL_FIELD,
	DERIVED_CLIENT_FIELDS,
	entraEndpoint,
	httpRequestDomainFields,
	READ_ONE_DEVICE,
} from './sharedFields';

export class DefenderForEndpointOAuth2Api implements ICredentialType {
	name = 'defenderForEndpointOAuth2Api';

	extends = ['oAuth2Api'];

	displayName = 'Defender for Endpoint OAuth2 API';

	documentationUrl =
		'https://learn.microsoft.com/en-us/defender-endpoint/api/exposed-apis-create-app-webapp';

	icon = 'file:../nodes/DefenderForEndpoint/defenderForEndpoint.svg' as const;

	properties: INodeProperties[] = [
		...connectionFields({
			cloudDecides: 'the token scope',
			applicationIdDescription: 'Application (client) ID of the app registration',
			secretDescription: 'A client secret value of the app registration (not its secret ID)',
		}),
		CUSTOM_TOKEN_URL_FIELD,
		{
			displayName: 'Scope',
			name: 'customScope',
			type: 'string',
			default: 'https://api.securitycenter.microsoft.com/.default',
			required: true,
			description:
				"OAuth2 scope of the token: the API's application ID URI followed by /.default (app permissions), e.g. https://api.securitycenter.microsoft.com/.default",
			displayOptions: { show: { cloud: ['custom'] } },
		},
		...httpRequestDomainFields(['customApiBaseUrl', 'customTokenUrl']),
		// The OAuth2 fields n8n's client-credentials flow reads, derived from the fields above.
		{ displayName: 'Grant Type', name: 'grantType', type: 'hidden', default: 'clientCredentials' },
		...DERIVED_CLIENT_FIELDS,
		{
			displayName: 'Access Token URL',
			name: 'accessTokenUrl',
			type: 'hidden',
			default: entraEndpoint('token', 'customTokenUrl'),
		},
		{
			displayName: 'Scope',
			name: 'scope',
			type: 'hidden',
			default: `={{ $self.cloud === 'custom' ? $self.customScope : ${perCloudExpression((cloud) => cloud.scope, '$self.cloud')} }}`,
		},
		{ displayName: 'Auth URI', name: 'authUrl', type: 'hidden', default: '' },
		{
			displayName: 'Auth URI Query Parameters',
			name: 'authQueryParameters',
			type: 'hidden',
			default: '',
		},
	];

	/**
	 * Acquires a token and reads one device: proves the secret, the cloud and Machine.Read.All
	 * together.
	 */
	test = READ_ONE_DEVICE;
}
