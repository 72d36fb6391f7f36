import type { IExecuteFunctions } from 'n8n-workflow';

import { parseActionId } from '../../lib/validation';
import { operationError } from '../transport/errors';

/** The Machine Action ID parameter, validated before it can reach a URL. */
export function requiredActionId(context: IExecuteFunctions, itemIndex: number): string {
	const raw = context.getNodeParameter('machineActionId', itemIndex, '') as unknown;
	try {
		return parseActionId(raw);
	} catch (error) {
		throw operationError(context.getNode(), itemIndex, `Machine Action ID: ${(error as Error).message}`, 'Nothing was sent for this item.');
	}
}
