import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { machineFilter, type MachineFilters } from '../../../lib/filters';
import { filtersCollection, returnAllOrLimit } from '../../descriptions/device';
import { requestOptions } from '../../descriptions/options';
import type { RunState } from '../../run/runState';
import { endpoints } from '../../transport/endpoints';
import { listWithFilter } from '../listing';

const properties: INodeProperties[] = [
	...returnAllOrLimit,
	filtersCollection([
		{
			displayName: 'Health Status',
			name: 'healthStatus',
			type: 'options',
			options: [
				{ name: 'Active', value: 'Active' },
				{ name: 'Impaired Communication', value: 'ImpairedCommunication' },
				{ name: 'Inactive', value: 'Inactive' },
				{ name: 'No Sensor Data', value: 'NoSensorData' },
				{
					name: 'No Sensor Data, Impaired Communication',
					value: 'NoSensorDataImpairedCommunication',
				},
				{ name: 'Unknown', value: 'Unknown' },
			],
			default: 'Active',
		},
		{
			displayName: 'Hostname Starts With',
			name: 'hostnamePrefix',
			type: 'string',
			default: '',
			placeholder: 'e.g. ws-',
		},
		{
			displayName: 'Last Seen After',
			name: 'lastSeenAfter',
			type: 'dateTime',
			default: '',
			description: 'Only devices whose last full report came after this time',
		},
		{
			displayName: 'OS Platform',
			name: 'osPlatform',
			type: 'string',
			default: '',
			placeholder: 'e.g. Windows11',
		},
		{
			displayName: 'Tag',
			name: 'tag',
			type: 'string',
			default: '',
			description: 'Only devices carrying this device tag',
		},
	]),
	requestOptions,
];

export const description = updateDisplayOptions(
	{ show: { resource: ['device'], operation: ['getMany'] } },
	properties,
);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	run: RunState,
): Promise<IDataObject[]> {
	return await listWithFilter(this, run, itemIndex, {
		endpoint: endpoints.machines,
		what: 'list devices',
		filter: (filters, zone) => machineFilter(filters as MachineFilters, zone),
	});
}
