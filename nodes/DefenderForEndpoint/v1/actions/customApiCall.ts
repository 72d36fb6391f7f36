import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

/**
 * The value of the "Custom API Call" option that n8n adds to Resource and Operation of every node
 * whose credential extends OAuth2 (n8n's CUSTOM_API_CALL_KEY). The node has no such operation: the
 * call is made in an HTTP Request node with this credential, as for n8n's own nodes.
 */
export const CUSTOM_API_CALL = '__CUSTOM_API_CALL__';

export function customApiCallError(context: IExecuteFunctions): NodeOperationError {
	return new NodeOperationError(
		context.getNode(),
		'Custom API Call is made with the HTTP Request node',
		{
			description:
				'Add an HTTP Request node, set Authentication to "Predefined Credential Type" and Credential Type to ' +
				'"Defender for Endpoint OAuth2 API", pick this credential, and call e.g. GET https://api.security.microsoft.com/api/machines ' +
				"(your cloud's API host). It gets the token and retries a 401 the same way.",
		},
	);
}
