import type { ICredentialTestRequest, INodeProperties } from 'n8n-workflow';

import { CLOUDS, perCloudExpression } from '../nodes/DefenderForEndpoint/lib/clouds';

/** What the application and the delegated credential say differently in their shared fields. */
export interface ConnectionFieldTexts {
	/** What the Cloud decides besides the hosts, e.g. "the token scope". */
	cloudDecides: string;
	applicationIdDescription: string;
	secretDescription: string;
}

/**
 * Cloud, Tenant ID, Client ID and Client Secret, in that order, then the Custom cloud's API Base
 * URL. The ID and secret are not named clientId / clientSecret: n8n shows a field that overrides
 * one of the oAuth2Api parent's fields in the parent's place (first), so the visible fields have
 * names of their own and the parent's are derived (derivedClientFields).
 */
export function connectionFields(texts: ConnectionFieldTexts): INodeProperties[] {
	return [
		{
			displayName: 'Cloud',
			name: 'cloud',
			type: 'options',
			options: [
				...Object.entries(CLOUDS).map(([value, cloud]) => ({ name: cloud.label, value })),
				{ name: 'Custom', value: 'custom' },
			],
			default: 'commercial',
			description: `Which Microsoft cloud hosts your Defender tenant. It decides the API host, the sign-in host and ${texts.cloudDecides}.`,
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
		{
			displayName: 'Client ID (Application ID)',
			name: 'applicationId',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'e.g. 00000000-0000-0000-0000-000000000000',
			description: texts.applicationIdDescription,
		},
		{
			displayName: 'Client Secret',
			name: 'applicationSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: texts.secretDescription,
		},
		{
			displayName: 'API Base URL',
			name: 'customApiBaseUrl',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'https://api.security.microsoft.com',
			description:
				'Base URL of the Defender for Endpoint API, without /api. Must be https (http only for localhost).',
			displayOptions: { show: { cloud: ['custom'] } },
		},
	];
}

/**
 * The sign-in host of the chosen cloud, or the Custom cloud's URL, followed by the tenant's OAuth2
 * v2.0 endpoint.
 */
export function entraEndpoint(endpoint: 'authorize' | 'token', customField: string): string {
	return `={{ $self.cloud === 'custom' ? $self.${customField} : ${perCloudExpression((cloud) => cloud.loginBaseUrl, '$self.cloud')} + '/' + String($self.tenantId).trim() + '/oauth2/v2.0/${endpoint}' }}`;
}

/** The Custom cloud's token endpoint. */
export const CUSTOM_TOKEN_URL_FIELD: INodeProperties = {
	displayName: 'Token URL',
	name: 'customTokenUrl',
	type: 'string',
	default: '',
	required: true,
	placeholder: 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token',
	description: 'OAuth2 token endpoint. Must be https (http only for localhost).',
	displayOptions: { show: { cloud: ['custom'] } },
};

/**
 * n8n's OAuth2 client ID and secret, derived from the visible fields, and its generic fields that
 * mean nothing here.
 */
export const DERIVED_CLIENT_FIELDS: INodeProperties[] = [
	{
		displayName: 'Client ID',
		name: 'clientId',
		type: 'hidden',
		default: '={{ $self.applicationId }}',
	},
	{
		displayName: 'Client Secret',
		name: 'clientSecret',
		type: 'hidden',
		typeOptions: { password: true },
		default: '={{ $self.applicationSecret }}',
	},
	{ displayName: 'Authentication', name: 'authentication', type: 'hidden', default: 'body' },
	// Entra's token requests take no extra body.
	{
		displayName: 'Send Additional Body Properties',
		name: 'sendAdditionalBodyProperties',
		type: 'hidden',
		default: false,
	},
	{
		displayName: 'Additional Body Properties',
		name: 'additionalBodyProperties',
		type: 'hidden',
		default: '',
	},
];

/**
 * The credential test: reads one device, which proves the sign-in, the cloud and the read
 * permission together.
 */
export const READ_ONE_DEVICE: ICredentialTestRequest = {
	request: {
		baseURL: `={{ $credentials.cloud === 'custom' ? $credentials.customApiBaseUrl : ${perCloudExpression((cloud) => cloud.apiBaseUrl, '$credentials.cloud')} }}`,
		url: '/api/machines',
		qs: { $top: 1 },
	},
};

/** An n8n expression for the host of a URL held in a credential field (the Custom cloud's URLs). */
function hostOf(field: string): string {
	return `(String($self.${field}).split('//')[1] || '').split('/')[0].split('?')[0].split(':')[0]`;
}

/** The visible choice of where the HTTP Request and GraphQL nodes may send the token. */
const httpRequestDomainsChoice: INodeProperties = {
	displayName: 'Allowed HTTP Request Domains',
	name: 'httpRequestDomains',
	type: 'options',
	options: [
		{
			name: "This Cloud's Hosts",
			value: 'cloud',
			description: "Only the selected cloud's API and sign-in hosts",
		},
		{
			name: 'All',
			value: 'all',
			description: 'Allow all requests when used in the HTTP Request or GraphQL node',
		},
		{
			name: 'Specific Domains',
			value: 'domains',
			description: 'Restrict requests to specific domains',
		},
		{
			name: 'None',
			value: 'none',
			description: 'Block all requests when used in the HTTP Request or GraphQL node',
		},
	],
	default: 'cloud',
	description:
		"Where the HTTP Request and GraphQL nodes may send this credential's token (this node always calls the cloud's API host)",
};

/**
 * n8n's restriction of a credential in the HTTP Request and GraphQL nodes (it does not apply to
 * this package's node), defaulting to the selected cloud's API and sign-in hosts. n8n adds its own
 * fields for this (default: All) unless the credential has `allowedHttpRequestDomains`: so the
 * visible fields have names of their own, and n8n's `allowedHttpRequestDomains` / `allowedDomains`
 * are hidden and derived from them. Hidden, they are also not set to None by the editor when it
 * connects an OAuth2 credential.
 *
 * @param customUrlFields the credential's URL fields for the Custom cloud, whose hosts are allowed then
 */
export function httpRequestDomainFields(customUrlFields: string[]): INodeProperties[] {
	const customHosts = `[...new Set([${customUrlFields.map(hostOf).join(', ')}])].join(', ')`;
	const cloudHosts = perCloudExpression(
		(cloud) => `${new URL(cloud.apiBaseUrl).host}, ${new URL(cloud.loginBaseUrl).host}`,
		'$self.cloud',
	);
	return [
		httpRequestDomainsChoice,
		{
			displayName: 'Allowed Domains',
			name: 'httpRequestAllowedDomains',
			type: 'string',
			default: '',
			placeholder: 'api.security.microsoft.com, *.contoso.com',
			description: 'Comma-separated list of allowed domains (supports wildcards with *)',
			displayOptions: { show: { httpRequestDomains: ['domains'] } },
		},
		{
			displayName: 'Allowed HTTP Request Domains',
			name: 'allowedHttpRequestDomains',
			type: 'hidden',
			default: "={{ $self.httpRequestDomains === 'cloud' ? 'domains' : $self.httpRequestDomains }}",
		},
		{
			displayName: 'Allowed Domains',
			name: 'allowedDomains',
			type: 'hidden',
			default: `={{ $self.httpRequestDomains !== 'cloud' ? $self.httpRequestAllowedDomains : $self.cloud === 'custom' ? ${customHosts} : ${cloudHosts} }}`,
		},
	];
}
