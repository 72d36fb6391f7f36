import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { commentField, deviceLocator, waitForCompletionFields } from '../../descriptions/device';
import { deviceActionOptions } from '../../descriptions/options';
import { actOnDevice } from '../../run/submit';
import type { RunState, Settling } from '../../run/runState';
import { completionWaitMs, deviceParameter, requiredComment } from '../parameters';

const properties: INodeProperties[] = [
	deviceLocator,
	commentField('Released after INC-1234 was closed: device clean and validated'),
	...waitForCompletionFields,
	deviceActionOptions,
];

export const description = updateDisplayOptions(
	{ show: { resource: ['device'], operation: ['releaseFromIsolation'] } },
	properties,
);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	run: RunState,
): Promise<IDataObject | Settling> {
	const Comment = requiredComment(this, itemIndex);
	const waitMs = completionWaitMs(this, itemIndex);
	return await actOnDevice(run, itemIndex, {
		locator: deviceParameter(this, itemIndex),
		request: { type: 'Unisolate', verb: 'unisolate', body: { Comment } },
		completionWaitMs: waitMs,
	});
}
