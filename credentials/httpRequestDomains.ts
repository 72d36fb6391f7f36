import type { INodeProperties } from 'n8n-workflow';

import { perCloudExpression } from '../nodes/DefenderForEndpoint/lib/clouds';

/** An n8n expression for the host of a URL held in a credential field (the Custom cloud's URLs). */
function hostOf(field: string): string {
	return `(String($self.${field}).split('//')[1] || '').split('/')[0].split('?')[0].split(':')[0]`;
}

/**
 * n8n's restriction of a credential in the HTTP Request and GraphQL nodes (it does not apply to this package's node),
 * defaulting to the selected cloud's API and sign-in hosts. n8n adds its own fields for this (default: All) unless the
 * credential has `allowedHttpRequestDomains`: so the visible fields have names of their own, and n8n's
 * `allowedHttpRequestDomains` / `allowedDomains` are hidden and derived from them. Hidden, they are also not set to
 * None by the editor when it connects an OAuth2 credential.
 *
 * @param customUrlFields the credential's URL fields for the Custom cloud, whose hosts are allowed then
 */
export function httpRequestDomainFields(customUrlFields: string[]): INodeProperties[] {
	const customHosts = `[...new Set([${customUrlFields.map(hostOf).join(', ')}])].join(', ')`;
	const cloudHosts = perCloudExpression((cloud) => `${new URL(cloud.apiBaseUrl).host}, ${new URL(cloud.loginBaseUrl).host}`, '$self.cloud');
	return [
		{
			displayName: 'Allowed HTTP Request Domains',
			name: 'httpRequestDomains',
			type: 'options',
			options: [
				{ name: "This Cloud's Hosts", value: 'cloud', description: "Only the selected cloud's API and sign-in hosts" },
				{ name: 'All', value: 'all', description: 'Allow all requests when used in the HTTP Request or GraphQL node' },
				{ name: 'Specific Domains', value: 'domains', description: 'Restrict requests to specific domains' },
				{ name: 'None', value: 'none', description: 'Block all requests when used in the HTTP Request or GraphQL node' },
			],
			default: 'cloud',
			description:
				"Where the HTTP Request and GraphQL nodes may send this credential's token (this node always calls the cloud's API host)",
		},
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
