import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { commentField, deviceLocator, waitForCompletionFields } from '../../descriptions/device';
import { deviceActionOptions } from '../../descriptions/options';
import { actOnDevice } from '../../run/submit';
import type { RunState, Settling } from '../../run/runState';
import { completionWaitMs, deviceParameter, requiredComment } from '../parameters';

const properties: INodeProperties[] = [
	deviceLocator,
	commentField('Isolated for INC-1234: malware alert under investigation'),
	{
		displayName: 'Isolation Type',
		name: 'isolationType',
		type: 'options',
		options: [
			{
				name: 'Full',
				value: 'Full',
				description: 'Cut the managed device off the network, except the Defender service',
			},
			{
				name: 'Selective',
				value: 'Selective',
				description:
					'Restrict only a limited set of applications from the network (Windows 10 1709+, macOS)',
			},
			{
				name: 'Unmanaged Device (Contain)',
				value: 'UnManagedDevice',
				description: 'Contain an unmanaged device: onboarded devices block its traffic',
			},
		],
		default: 'Full',
	},
	...waitForCompletionFields,
	deviceActionOptions,
];

export const description = updateDisplayOptions(
	{ show: { resource: ['device'], operation: ['isolate'] } },
	properties,
);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	run: RunState,
): Promise<IDataObject | Settling> {
	const Comment = requiredComment(this, itemIndex);
	const waitMs = completionWaitMs(this, itemIndex);
	const IsolationType = this.getNodeParameter('isolationType', itemIndex) as string;
	return await actOnDevice(run, itemIndex, {
		locator: deviceParameter(this, itemIndex),
		request: { type: 'Isolate', verb: 'isolate', body: { Comment, IsolationType } },
		completionWaitMs: waitMs,
	});
}
