import type { IExecuteFunctions } from 'n8n-workflow';

import { checkedNumber, NUMERIC_OPTIONS } from '../../lib/numbers';
import { operationError } from '../transport/errors';

/** A per-item numeric parameter, checked against its range: an unusable value fails the item before anything is sent. */
export function numberParameter(
	context: IExecuteFunctions,
	name: 'limit' | 'maxCompletionWaitSeconds',
	itemIndex: number,
	fallback: number,
): number {
	const raw = context.getNodeParameter(name, itemIndex, fallback) as unknown;
	try {
		return checkedNumber(raw, NUMERIC_OPTIONS[name], fallback);
	} catch (error) {
		throw operationError(context.getNode(), itemIndex, (error as Error).message, 'Nothing was sent for this item.');
	}
}

/** Return All / Limit: undefined for all results, else the checked Limit. */
export function resultLimit(context: IExecuteFunctions, itemIndex: number): number | undefined {
	const returnAll = context.getNodeParameter('returnAll', itemIndex, false) as boolean;
	return returnAll ? undefined : numberParameter(context, 'limit', itemIndex, 50);
}
