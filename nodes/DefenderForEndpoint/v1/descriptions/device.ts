import type { INodeProperties } from 'n8n-workflow';

import { MACHINE_ID_REGEX_SOURCE } from '../../lib/machineId';

export const deviceLocator: INodeProperties = {
	displayName: 'Device',
	name: 'device',
	type: 'resourceLocator',
	default: { mode: 'list', value: '' },
	required: true,
	description: 'The device to act on. A hostname must match exactly one device, or nothing is sent.',
	modes: [
		{
			displayName: 'From List',
			name: 'list',
			type: 'list',
			placeholder: 'Select a device…',
			typeOptions: { searchListMethod: 'searchDevices', searchable: true },
		},
		{
			displayName: 'By ID',
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
			displayName: 'By Hostname',
			name: 'hostname',
			type: 'string',
			placeholder: 'e.g. ws-0042.contoso.com',
		},
	],
};

export const commentField: INodeProperties = {
	displayName: 'Comment',
	name: 'comment',
	type: 'string',
	default: '',
	required: true,
	placeholder: 'e.g. Released after INC-1234 was closed: device clean and validated',
	description: 'Why the action is taken. Defender requires it and shows it in the action center.',
};
