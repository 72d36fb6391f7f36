import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { HostnameMatching } from '../../lib/batching';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../../lib/retryPolicy';

const DEFAULT_TIMEOUT_SECONDS = 30;
const DEFAULT_PARALLEL_REQUESTS = 4;

/** Options every Defender call honours; read once per execution from the first item. Defaults match readRunOptions. */
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
					description: 'The computer DNS name exactly as Defender shows it (compared case-insensitively)',
				},
				{
					name: 'Exact or Short Name',
					value: 'exactOrShortName',
					description:
						'Also a short name: "ws-0042" matches "ws-0042.contoso.com" when exactly one device has that first label',
				},
			],
			default: 'exact',
			description: 'How a device named By Hostname is found. Several matching devices are always an error.',
		},
		{
			displayName: 'Max Retries',
			name: 'maxRetries',
			type: 'number',
			typeOptions: { minValue: 0, maxValue: 20 },
			default: 5,
			description:
				'How often one item’s request is retried after a server error, a lost connection or “Action is already in progress”. HTTP 429 (throttling) is waited out within Max Wait and does not count.',
		},
		{
			displayName: 'Max Wait (Seconds)',
			name: 'maxWaitSeconds',
			type: 'number',
			typeOptions: { minValue: 0, maxValue: 7200 },
			default: 300,
			description:
				'The longest one item may wait in total for throttling (HTTP 429), retries and the rate limit before it fails with a “retry after” time',
		},
		{
			displayName: 'Parallel Requests',
			name: 'parallelRequests',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 10 },
			default: 4,
			description:
				'How many items are processed at once. The rate limit (100 calls a minute, 1,500 an hour per app) applies either way.',
		},
		{
			displayName: 'Timeout (Seconds)',
			name: 'timeoutSeconds',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 300 },
			default: 30,
			description: 'How long to wait for Defender to answer one request',
		},
	],
};

export interface RunOptions {
	hostnameMatching: HostnameMatching;
	retryPolicy: RetryPolicy;
	timeoutMs: number;
	parallelRequests: number;
}

export function readRunOptions(context: IExecuteFunctions): RunOptions {
	const options = context.getNodeParameter('options', 0, {}) as {
		hostnameMatching?: HostnameMatching;
		maxRetries?: number;
		maxWaitSeconds?: number;
		parallelRequests?: number;
		timeoutSeconds?: number;
	};
	return {
		hostnameMatching: options.hostnameMatching === 'exactOrShortName' ? 'exactOrShortName' : 'exact',
		retryPolicy: {
			...DEFAULT_RETRY_POLICY,
			maxRetries: options.maxRetries ?? DEFAULT_RETRY_POLICY.maxRetries,
			maxTotalWaitMs: (options.maxWaitSeconds ?? DEFAULT_RETRY_POLICY.maxTotalWaitMs / 1000) * 1000,
		},
		timeoutMs: (options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000,
		parallelRequests: Math.max(1, Math.floor(options.parallelRequests ?? DEFAULT_PARALLEL_REQUESTS)),
	};
}
