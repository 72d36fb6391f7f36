import type { IDataObject, IExecuteFunctions, INodeParameterResourceLocator, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { deviceLocator } from '../../descriptions/device';
import { requestOptions } from '../../descriptions/options';
import { getMachine, resolveDevice } from '../../helpers/devices';
import { RetryBudget } from '../../transport';
import type { RunState } from '../node.type';

const properties: INodeProperties[] = [deviceLocator, requestOptions];

export const description = updateDisplayOptions({ show: { resource: ['device'], operation: ['get'] } }, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number, run: RunState): Promise<IDataObject> {
	const locator = this.getNodeParameter('device', itemIndex) as INodeParameterResourceLocator;
	const budget = new RetryBudget(run.options.retryPolicy);
	const device = await resolveDevice(run, locator, itemIndex, budget);
	const machine: IDataObject = { ...(await getMachine(run.client, device, itemIndex, budget)) };
	delete machine['@odata.context'];
	return machine;
}
