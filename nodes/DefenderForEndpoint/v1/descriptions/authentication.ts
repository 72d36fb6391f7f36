import type { INodeProperties } from 'n8n-workflow';

/**
 * Which credential the node signs in with; the same names are the credential types' displayOptions.
 */
export const authenticationProperty: INodeProperties = {
	displayName: 'Authentication',
	name: 'authentication',
	type: 'options',
	noDataExpression: true,
	options: [
		{
			name: 'Application (Client Credentials)',
			value: 'application',
			description:
				'The app registration acts on its own; Defender records the app as the requestor',
		},
		{
			name: 'Delegated (Signed-In User)',
			value: 'delegated',
			description:
				"An analyst's account acts, within that analyst's role and device groups; Defender records the analyst's UPN as the requestor",
		},
	],
	default: 'application',
};

/** The two credentials, each shown for its choice of Authentication. */
export const credentialsByAuthentication = [
	{
		name: 'defenderForEndpointOAuth2Api',
		required: true,
		displayOptions: { show: { authentication: ['application'] } },
	},
	{
		name: 'defenderForEndpointDelegatedOAuth2Api',
		required: true,
		displayOptions: { show: { authentication: ['delegated'] } },
	},
];
