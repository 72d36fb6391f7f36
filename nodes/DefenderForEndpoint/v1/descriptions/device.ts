import type { INodeProperties } from 'n8n-workflow';

import { MACHINE_ID_REGEX_SOURCE } from '../../lib/machineId';
import { NUMERIC_OPTIONS } from '../../lib/numbers';

export const deviceLocator: INodeProperties = {
	displayName: 'Device',
	name: 'device',
	type: 'resourceLocator',
	default: { mode: 'list', value: '' },
	required: true,
	description:
		'The device. A hostname, or an IP address seen in the last 15 minutes, must match exactly one device, or nothing is sent.',
	modes: [
		{
			displayName: 'List',
			name: 'list',
			type: 'list',
			placeholder: 'Select a device…',
			typeOptions: { searchListMethod: 'searchDevices', searchable: true },
		},
		{
			displayName: 'ID',
			name: 'id',
			type: 'string',
			placeholder: 'e.g. 1e5bc9d7e413ddd7902c2932e418702b84d0cc07',
			validation: [
				{
					type: 'regex',
					properties: {
						regex: MACHINE_ID_REGEX_SOURCE,
						errorMessage: 'A Defender machine ID is 40 hexadecimal characters',
					},
				},
			],
		},
		{
			// Short enough for the mode selector: n8n 2.41.1's node panel cut "Hostname" to "Hostnam".
			displayName: 'Name',
			name: 'hostname',
			type: 'string',
			placeholder: 'e.g. ws-0042.contoso.com',
		},
		{
			displayName: 'IP',
			name: 'ip',
			type: 'string',
			placeholder: 'e.g. 10.1.2.3',
		},
	],
};

/** The required Comment of an action, with an example that fits the operation. */
export function commentField(example: string): INodeProperties {
	return {
		displayName: 'Comment',
		name: 'comment',
		type: 'string',
		default: '',
		required: true,
		placeholder: `e.g. ${example}`,
		description: 'Why the action is taken. Defender requires it and shows it in the action center.',
	};
}

export const waitForCompletionFields: INodeProperties[] = [
	{
		displayName: 'Wait for Completion',
		name: 'waitForCompletion',
		type: 'boolean',
		default: false,
		description:
			'Whether to check the action until it has succeeded, failed, timed out or been cancelled, instead of returning it while still pending',
	},
	{
		displayName: 'Max Wait for Completion (Seconds)',
		name: 'maxCompletionWaitSeconds',
		type: 'number',
		typeOptions: {
			minValue: NUMERIC_OPTIONS.maxCompletionWaitSeconds.min,
			maxValue: NUMERIC_OPTIONS.maxCompletionWaitSeconds.max,
		},
		default: 600,
		description:
			'After this long the last status Defender reported is returned, with completion "timedOut"',
		displayOptions: { show: { waitForCompletion: [true] } },
	},
];

export const returnAllOrLimit: INodeProperties[] = [
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: NUMERIC_OPTIONS.limit.min, maxValue: NUMERIC_OPTIONS.limit.max },
		default: 50,
		description: 'Max number of results to return',
		displayOptions: { show: { returnAll: [false] } },
	},
];

export const machineActionIdField: INodeProperties = {
	displayName: 'Machine Action ID',
	name: 'machineActionId',
	type: 'string',
	default: '',
	required: true,
	placeholder: 'e.g. 5382f7ea-7557-4ab7-9782-d50480024a4e',
	description: 'The ID of the machine action, as returned by Isolate or Release From Isolation',
};

/** The Filters collection of a Get Many operation. */
export function filtersCollection(filters: INodeProperties[]): INodeProperties {
	return {
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		options: filters,
	};
}
