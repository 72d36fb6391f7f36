import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { machineActionFilter, type MachineActionFilters } from '../../../lib/filters';
import { filtersCollection, returnAllOrLimit } from '../../descriptions/device';
import { requestOptions } from '../../descriptions/options';
import { actionOutput } from '../../defender/machineActions';
import type { RunState } from '../../run/runState';
import { endpoints } from '../../transport/endpoints';
import { listWithFilter } from '../listing';

const properties: INodeProperties[] = [
	...returnAllOrLimit,
	filtersCollection([
		{
			displayName: 'Created After',
			name: 'createdAfter',
			type: 'dateTime',
			default: '',
		},
		{
			displayName: 'Device ID',
			name: 'machineId',
			type: 'string',
			default: '',
			placeholder: 'e.g. 1e5bc9d7e413ddd7902c2932e418702b84d0cc07',
		},
		{
			displayName: 'Requestor',
			name: 'requestor',
			type: 'string',
			default: '',
			placeholder: 'e.g. analyst@contoso.com',
			description: 'Who submitted the action: a user principal name, or the app for API requests',
		},
		{
			displayName: 'Status',
			name: 'status',
			type: 'options',
			options: ['Cancelled', 'Failed', 'InProgress', 'Pending', 'Succeeded', 'TimeOut'].map(
				(status) => ({
					name: status.replace(/([a-z])([A-Z])/g, '$1 $2'),
					value: status,
				}),
			),
			default: 'Pending',
		},
		{
			displayName: 'Type',
			name: 'type',
			type: 'options',
			options: [
				'CollectInvestigationPackage',
				'Isolate',
				'LiveResponse',
				'Offboard',
				'RestrictCodeExecution',
				'RunAntiVirusScan',
				'StopAndQuarantineFile',
				'Unisolate',
				'UnrestrictCodeExecution',
			].map((type) => ({ name: type.replace(/([a-z])([A-Z])/g, '$1 $2'), value: type })),
			default: 'Isolate',
		},
	]),
	requestOptions,
];

export const description = updateDisplayOptions(
	{ show: { resource: ['machineAction'], operation: ['getMany'] } },
	properties,
);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	run: RunState,
): Promise<IDataObject[]> {
	const actions = await listWithFilter(this, run, itemIndex, {
		endpoint: endpoints.machineActions,
		what: 'list machine actions',
		filter: (filters, zone) => machineActionFilter(filters as MachineActionFilters, zone),
	});
	return actions.map((action) => actionOutput(action));
}
