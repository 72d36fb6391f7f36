import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { checkedNumber, NUMERIC_OPTIONS, type NumberRange } from '../../lib/numbers';
import { DEFAULT_RETRY_POLICY } from '../../lib/retryPolicy';
import type { RunOptions } from '../run/runState';

/** The editor's bounds for a numeric option: the same ranges the code enforces. */
const bounds = ({ min, max }: NumberRange) => ({ minValue: min, maxValue: max });

const DEFAULT_TIMEOUT_SECONDS = 30;
const DEFAULT_PARALLEL_REQUESTS = 4;

/**
 * Options every Defender call honours; read once per execution from the first item. Defaults match
 * readRunOptions.
 */
export const requestOptions: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add option',
	default: {},
	options: [
		{
			displayName: 'Hostname Matching',
			name: 'hostnameMatching',
			type: 'options',
			options: [
				{
					name: 'Exact',
					value: 'exact',
					description:
						'The computer DNS name exactly as Defender shows it (compared case-insensitively)',
				},
				{
					name: 'Exact or Short Name',
					value: 'exactOrShortName',
					description:
						'Also a short name: "ws-0042" matches "ws-0042.contoso.com" when exactly one device has that first label',
				},
			],
			default: 'exact',
			description:
				'How a device named By Hostname is found. Several matching devices are always an error.',
		},
		{
			displayName: 'Max Retries',
			name: 'maxRetries',
			type: 'number',
			typeOptions: bounds(NUMERIC_OPTIONS.maxRetries),
			default: 5,
			description:
				'How often one item’s request is retried after a server error, a lost connection or “Action is already in progress”. HTTP 429 (throttling) is waited out within Max Wait and does not count.',
		},
		{
			displayName: 'Max Wait (Seconds)',
			name: 'maxWaitSeconds',
			type: 'number',
			typeOptions: bounds(NUMERIC_OPTIONS.maxWaitSeconds),
			default: 300,
			description:
				'The longest one item may wait in total for throttling (HTTP 429), retries and the rate limit before it fails with a “retry after” time',
		},
		{
			displayName: 'Parallel Requests',
			name: 'parallelRequests',
			type: 'number',
			typeOptions: bounds(NUMERIC_OPTIONS.parallelRequests),
			default: 4,
			description:
				'How many items are processed at once. The rate limit (100 calls a minute, 1,500 an hour per app) applies either way.',
		},
		{
			displayName: 'Timeout (Seconds)',
			name: 'timeoutSeconds',
			type: 'number',
			typeOptions: bounds(NUMERIC_OPTIONS.timeoutSeconds),
			default: 30,
			description: 'How long to wait for Defender to answer one request',
		},
	],
};

/** The options of Isolate and Release From Isolation: every request option, and Dry Run. */
export const deviceActionOptions: INodeProperties = {
	...requestOptions,
	options: [
		{
			displayName: 'Dry Run',
			name: 'dryRun',
			type: 'boolean',
			default: false,
			description:
				'Whether to plan and check every item exactly as a real run would, and send nothing: each item says whether the action would be sent, the device’s isolation state, health and last seen, and why',
		},
		...(requestOptions.options ?? []),
	],
};

/**
 * The run's options, read once per execution from the first item. A numeric option that is not a
 * finite number in its range fails the whole run before anything is sent: a NaN there once started
 * no worker and dropped items.
 */
export function readRunOptions(context: IExecuteFunctions): RunOptions {
	const options = context.getNodeParameter('options', 0, {}) as Record<string, unknown>;
	const number = (name: keyof typeof NUMERIC_OPTIONS, fallback: number) => {
		try {
			return checkedNumber(options[name], NUMERIC_OPTIONS[name], fallback);
		} catch (error) {
			throw new NodeOperationError(context.getNode(), `Options: ${(error as Error).message}`, {
				description:
					'Nothing was sent. The options are read once per execution, from the first item.',
			});
		}
	};
	return {
		hostnameMatching:
			options.hostnameMatching === 'exactOrShortName' ? 'exactOrShortName' : 'exact',
		retryPolicy: {
			...DEFAULT_RETRY_POLICY,
			maxRetries: number('maxRetries', DEFAULT_RETRY_POLICY.maxRetries),
			maxTotalWaitMs: number('maxWaitSeconds', DEFAULT_RETRY_POLICY.maxTotalWaitMs / 1000) * 1000,
		},
		timeoutMs: number('timeoutSeconds', DEFAULT_TIMEOUT_SECONDS) * 1000,
		parallelRequests: number('parallelRequests', DEFAULT_PARALLEL_REQUESTS),
		dryRun: options.dryRun === true,
	};
}
