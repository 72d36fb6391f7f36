import type { INodeProperties } from 'n8n-workflow';

import * as releaseFromIsolation from './releaseFromIsolation.operation';

export { releaseFromIsolation };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['device'] } },
		options: [
			{
				name: 'Release From Isolation',
				value: 'releaseFromIsolation',
				description: 'Undo the network isolation of a device',
				action: 'Release a device from isolation',
			},
		],
		default: 'releaseFromIsolation',
	},
	...releaseFromIsolation.description,
];
