import type { INodeProperties } from 'n8n-workflow';

import * as get from './get.operation';
import * as getIsolatedDevices from './getIsolatedDevices.operation';
import * as getIsolationState from './getIsolationState.operation';
import * as getMany from './getMany.operation';
import * as isolate from './isolate.operation';
import * as releaseFromIsolation from './releaseFromIsolation.operation';

export { get, getIsolatedDevices, getIsolationState, getMany, isolate, releaseFromIsolation };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['device'] } },
		options: [
			{ name: 'Get', value: 'get', description: 'Get a device', action: 'Get a device' },
			{
				name: 'Get Isolated Devices',
				value: 'getIsolatedDevices',
				description:
					'List every device currently isolated, isolating or releasing, from the tenant’s isolation actions',
				action: 'Get isolated devices',
			},
			{
				name: 'Get Isolation State',
				value: 'getIsolationState',
				description: 'Tell whether a device is isolated, from its latest isolation actions',
				action: 'Get the isolation state of a device',
			},
			{
				name: 'Get Many',
				value: 'getMany',
				description: 'List devices',
				action: 'Get many devices',
			},
			{
				name: 'Isolate',
				value: 'isolate',
				description: 'Isolate a device from the network',
				action: 'Isolate a device',
			},
			{
				name: 'Release From Isolation',
				value: 'releaseFromIsolation',
				description: 'Undo the network isolation of a device',
				action: 'Release a device from isolation',
			},
		],
		default: 'releaseFromIsolation',
	},
	...get.description,
	...getIsolatedDevices.description,
	...getIsolationState.description,
	...getMany.description,
	...isolate.description,
	...releaseFromIsolation.description,
];
