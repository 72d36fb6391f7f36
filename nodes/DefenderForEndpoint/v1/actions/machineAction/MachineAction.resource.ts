import type { INodeProperties } from 'n8n-workflow';

import * as cancel from './cancel.operation';
import * as get from './get.operation';
import * as getMany from './getMany.operation';

export { cancel, get, getMany };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['machineAction'] } },
		options: [
			{
				name: 'Cancel',
				value: 'cancel',
				description: 'Cancel a machine action that is still pending or in progress',
				action: 'Cancel a machine action',
			},
			{
				name: 'Get',
				value: 'get',
				description: 'Get a machine action by ID',
				action: 'Get a machine action',
			},
			{
				name: 'Get Many',
				value: 'getMany',
				description: 'List machine actions',
				action: 'Get many machine actions',
			},
		],
		default: 'get',
	},
	...cancel.description,
	...get.description,
	...getMany.description,
];
