import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import {
	isolatedDevices,
	type IsolatedDeviceAction,
	type IsolatedDeviceCriteria,
	type IsolationState,
} from '../../../lib/isolationState';
import { odataDateTime } from '../../../lib/odata';
import { filtersCollection, returnAllOrLimit } from '../../descriptions/device';
import { requestOptions } from '../../descriptions/options';
import { ISOLATION_ACTIONS } from '../../../lib/filters';
import { actionOutput } from '../../defender/machineActions';
import { itemBudget, type RunState } from '../../run/runState';
import { endpoints } from '../../transport/endpoints';
import { operationError } from '../../transport/errors';
import { resultLimit } from '../parameters';

const properties: INodeProperties[] = [
	...returnAllOrLimit,
	filtersCollection([
		{
			displayName: 'Comment Contains',
			name: 'commentContains',
			type: 'string',
			default: '',
			placeholder: 'e.g. INC-',
			description: 'Only devices whose isolation comment contains this text (case-insensitive)',
		},
		{
			displayName: 'Isolated After',
			name: 'isolatedAfter',
			type: 'dateTime',
			default: '',
			description: 'Only devices isolated after this time',
		},
		{
			displayName: 'Isolated Before',
			name: 'isolatedBefore',
			type: 'dateTime',
			default: '',
			description:
				'Only devices isolated before this time, e.g. {{ $now.minus(24, "hours") }} for "isolated more than 24 hours ago"',
		},
		{
			displayName: 'Isolation Type',
			name: 'isolationTypes',
			type: 'multiOptions',
			options: [
				{ name: 'Full', value: 'Full' },
				{ name: 'Selective', value: 'Selective' },
				{ name: 'Unmanaged Device (Contain)', value: 'UnManagedDevice' },
			],
			default: [],
		},
		{
			displayName: 'Requestor',
			name: 'requestor',
			type: 'string',
			default: '',
			placeholder: 'e.g. analyst@contoso.com, or the app’s name',
			description:
				'Only devices isolated by this requestor (case-insensitive; an app token’s requests carry the app’s name)',
		},
		{
			displayName: 'State',
			name: 'states',
			type: 'multiOptions',
			options: [
				{ name: 'Isolated', value: 'isolated' },
				{
					name: 'Isolating',
					value: 'isolating',
					description: 'An Isolate action is pending or in progress',
				},
				{
					name: 'Releasing',
					value: 'releasing',
					description: 'A release is pending or in progress',
				},
			],
			default: [],
			description: 'Leave empty for all three',
		},
	]),
	requestOptions,
];

export const description = updateDisplayOptions(
	{ show: { resource: ['device'], operation: ['getIsolatedDevices'] } },
	properties,
);

/**
 * Every device currently isolated, isolating or releasing, from the tenant's Isolate/Unisolate
 * actions (pages of 10,000: about one call per 10,000 actions, whatever the fleet size), one item
 * per device, oldest isolation first.
 */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	run: RunState,
): Promise<IDataObject[]> {
	const limit = resultLimit(this, itemIndex);
	const criteria = isolatedDeviceCriteria(this, itemIndex);
	const actions = await run.client.list<IsolatedDeviceAction & IDataObject>(
		endpoints.machineActions.path,
		{ $filter: ISOLATION_ACTIONS },
		{
			itemIndex,
			budget: itemBudget(run),
			permission: 'Machine.Read.All',
			what: 'list the isolation actions of the tenant',
		},
	);
	const devices = isolatedDevices(actions, criteria).map((device) => ({
		...device,
		decidedBy: actionOutput(device.decidedBy),
	}));
	return limit === undefined ? devices : devices.slice(0, limit);
}

/**
 * The Filters collection as criteria; a date that cannot be read fails the item before anything is
 * sent.
 */
function isolatedDeviceCriteria(
	context: IExecuteFunctions,
	itemIndex: number,
): IsolatedDeviceCriteria {
	const filters = context.getNodeParameter('filters', itemIndex, {}) as {
		commentContains?: string;
		isolatedAfter?: string;
		isolatedBefore?: string;
		isolationTypes?: string[];
		requestor?: string;
		states?: IsolationState[];
	};
	const time = (value: string | undefined, field: string) => {
		if (!value) return undefined;
		try {
			return Date.parse(odataDateTime(value, context.getTimezone()));
		} catch (error) {
			throw operationError(
				context.getNode(),
				itemIndex,
				`Filters: ${field}: ${(error as Error).message}`,
				'Nothing was sent for this item.',
			);
		}
	};
	return {
		states: filters.states ?? [],
		before: time(filters.isolatedBefore, 'Isolated Before'),
		after: time(filters.isolatedAfter, 'Isolated After'),
		requestor: filters.requestor?.trim() || undefined,
		commentContains: filters.commentContains?.trim() || undefined,
		isolationTypes: filters.isolationTypes ?? [],
	};
}
