import type { IDataObject, IExecuteFunctions, INodeParameterResourceLocator, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { commentField, deviceLocator } from '../../descriptions/device';
import { requestOptions } from '../../descriptions/options';
import { submitOncePerRun, requiredComment } from '../../helpers/deviceActions';
import { resolveDevice } from '../../helpers/devices';
import { RetryBudget } from '../../transport';
import type { RunState } from '../node.type';

const properties: INodeProperties[] = [deviceLocator, commentField, requestOptions];

export const description = updateDisplayOptions(
	{ show: { resource: ['device'], operation: ['releaseFromIsolation'] } },
	properties,
);

export async function execute(this: IExecuteFunctions, itemIndex: number, run: RunState): Promise<IDataObject> {
	const comment = requiredComment(this, itemIndex);
	const locator = this.getNodeParameter('device', itemIndex) as INodeParameterResourceLocator;
	const budget = new RetryBudget(run.options.retryPolicy);
	const device = await resolveDevice(run.client, locator, itemIndex, budget);
	return await submitOncePerRun(run, device, { type: 'Unisolate', verb: 'unisolate', body: { Comment: comment } }, itemIndex, budget);
}
