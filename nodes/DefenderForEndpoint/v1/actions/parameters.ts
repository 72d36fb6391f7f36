import type { IExecuteFunctions } from 'n8n-workflow';

import { parseDeviceLocator, type DeviceLocator } from '../../lib/deviceLocator';
import { checkedNumber, NUMERIC_OPTIONS } from '../../lib/numbers';
import { parseActionId } from '../../lib/validation';
import { operationError } from '../transport/errors';

/**
 * The item's Device locator, parsed: an unusable one fails the item naming the field, before
 * anything is sent.
 */
export function deviceParameter(context: IExecuteFunctions, itemIndex: number): DeviceLocator {
	const parsed = parseDeviceLocator(context.getNodeParameter('device', itemIndex));
	if ('problem' in parsed)
		throw operationError(context.getNode(), itemIndex, parsed.problem, parsed.hint);
	return parsed.locator;
}

/** A required Comment parameter, trimmed: an empty one fails the item before anything is sent. */
export function requiredComment(context: IExecuteFunctions, itemIndex: number): string {
	const raw = context.getNodeParameter('comment', itemIndex, '') as unknown;
	const comment = typeof raw === 'string' ? raw.trim() : '';
	if (!comment) {
		throw operationError(
			context.getNode(),
			itemIndex,
			'Comment: a comment is required',
			'Defender records the comment with the action. Nothing was sent for this item.',
		);
	}
	return comment;
}

/** The Machine Action ID parameter, validated before it can reach a URL. */
export function requiredActionId(context: IExecuteFunctions, itemIndex: number): string {
	const raw = context.getNodeParameter('machineActionId', itemIndex, '') as unknown;
	try {
		return parseActionId(raw);
	} catch (error) {
		throw operationError(
			context.getNode(),
			itemIndex,
			`Machine Action ID: ${(error as Error).message}`,
			'Nothing was sent for this item.',
		);
	}
}

/**
 * A per-item numeric parameter, checked against its range: an unusable value fails the item before
 * anything is sent.
 */
function numberParameter(
	context: IExecuteFunctions,
	name: 'limit' | 'maxCompletionWaitSeconds',
	itemIndex: number,
	fallback: number,
): number {
	const raw = context.getNodeParameter(name, itemIndex, fallback) as unknown;
	try {
		return checkedNumber(raw, NUMERIC_OPTIONS[name], fallback);
	} catch (error) {
		throw operationError(
			context.getNode(),
			itemIndex,
			(error as Error).message,
			'Nothing was sent for this item.',
		);
	}
}

/** Return All / Limit: undefined for all results, else the checked Limit. */
export function resultLimit(context: IExecuteFunctions, itemIndex: number): number | undefined {
	const returnAll = context.getNodeParameter('returnAll', itemIndex, false) as boolean;
	return returnAll ? undefined : numberParameter(context, 'limit', itemIndex, 50);
}

/**
 * Wait for Completion: how long the item waits for its action to finish, or undefined when it does
 * not wait.
 */
export function completionWaitMs(
	context: IExecuteFunctions,
	itemIndex: number,
): number | undefined {
	const wait = context.getNodeParameter('waitForCompletion', itemIndex, false) as boolean;
	return wait
		? numberParameter(context, 'maxCompletionWaitSeconds', itemIndex, 600) * 1000
		: undefined;
}
