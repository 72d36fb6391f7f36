import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { deviceLocator } from '../../descriptions/device';
import { requestOptions } from '../../descriptions/options';
import { getMachine } from '../../defender/devices';
import { resolveItemDevice } from '../../run/plan';
import { itemBudget, type RunState } from '../../run/runState';
import { deviceParameter } from '../parameters';

const properties: INodeProperties[] = [deviceLocator, requestOptions];

export const description = updateDisplayOptions(
	{ show: { resource: ['device'], operation: ['get'] } },
	properties,
);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	run: RunState,
): Promise<IDataObject> {
	const budget = itemBudget(run);
	const device = await resolveItemDevice(run, deviceParameter(this, itemIndex), itemIndex, budget);
	const machine: IDataObject = { ...(await getMachine(run.client, device, { itemIndex, budget })) };
	delete machine['@odata.context'];
	return machine;
}
