import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { commentField, deviceLocator, waitForCompletionFields } from '../../descriptions/device';
import { requestOptions } from '../../descriptions/options';
import { actOnDevice } from '../../helpers/deviceActions';
import type { RunState } from '../node.type';

const properties: INodeProperties[] = [deviceLocator,
	commentField('Released after INC-1234 was closed: device clean and validated'),
	 ...waitForCompletionFields, requestOptions];

export const description = updateDisplayOptions(
	{ show: { resource: ['device'], operation: ['releaseFromIsolation'] } },
	properties,
);

export async function execute(this: IExecuteFunctions, itemIndex: number, run: RunState): Promise<IDataObject> {
	return await actOnDevice(this, run, itemIndex, { type: 'Unisolate', verb: 'unisolate', body: {} });
}
