import type { ICredentialType, INodeProperties } from 'n8n-workflow';

import {
	CLOUDS,
	delegatedScope,
	perCloudExpression,
} from '../nodes/DefenderForEndpoint/lib/clouds';
import {
	connectionFields,
	CUSTOM_TOKEN_URL_FIELD,
	DERIVED_CLIENT_FIELDS,
	entraEndpoint,
	httpRequestDomainFields,
	READ_ONE_DEVICE,
} from './sharedFields';

const COMMERCIAL_DELEGATED_SCOPE = delegatedScope(CLOUDS.commercial.scope);

/**
 * Delegated sign-in (OAuth2 authorization code with refresh tokens): the node acts as the analyst
 * who clicked "Connect my account", so Defender records that user as the requestor and applies the
 * user's role and device groups.
 */
export class DefenderForEndpointDelegatedOAuth2Api implements ICredentialType {
	name = 'defenderForEndpointDelegatedOAuth2Api';

	extends = ['oAuth2Api'];

	displayName = 'Defender for Endpoint Delegated OAuth2 API';

	documentationUrl =
		'https://learn.microsoft.com/en-us/defender-endpoint/api/exposed-apis-create-app-nativeapp';

	icon = 'file:../nodes/DefenderForEndpoint/defenderForEndpoint.svg' as const;

	properties: INodeProperties[] = [
		...connectionFields({
			cloudDecides: 'the scopes',
			applicationIdDescription:
				'Application (client) ID of the app registration with the delegated WindowsDefenderATP permissions',
			secretDescription:
				'A client secret value of the app registration (not its secret ID); n8n uses it to redeem and refresh the sign-in',
		}),
		{
			displayName: 'Authorization URL',
			name: 'customAuthUrl',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize',
			description:
				'OAuth2 authorization endpoint, where the user signs in. Must be https (http only for localhost).',
			displayOptions: { show: { cloud: ['custom'] } },
		},
		CUSTOM_TOKEN_URL_FIELD,
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
		...DERIVED_CLIENT_FIELDS,
		{
			displayName: 'Authorization URL',
			name: 'authUrl',
			type: 'hidden',
			default: entraEndpoint('authorize', 'customAuthUrl'),
		},
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
			default: `={{ $self.cloud === 'custom' ? $self.customScope : ${perCloudExpression((cloud) => delegatedScope(cloud.scope), '$self.cloud')} }}`,
		},
		// As Microsoft's own OAuth2 credential in n8n: the code comes back in the query; the user picks
		// the account.
		{
			displayName: 'Auth URI Query Parameters',
			name: 'authQueryParameters',
			type: 'hidden',
			default: 'response_mode=query&prompt=select_account',
		},
	];

	/**
	 * Reads one device as the signed-in user: proves the sign-in, the cloud and Machine.Read
	 * together.
	 */
	test = READ_ONE_DEVICE;
}
