import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { deriveIsolationState } from '../../../lib/isolationState';
import { deviceLocator } from '../../descriptions/device';
import { requestOptions } from '../../descriptions/options';
import { actionOutput } from '../../defender/machineActions';
import { isolationActionsOfItem, resolveItemDevice } from '../../run/plan';
import { itemBudget, type RunState } from '../../run/runState';
import { deviceParameter } from '../parameters';

const properties: INodeProperties[] = [deviceLocator, requestOptions];

export const description = updateDisplayOptions(
	{ show: { resource: ['device'], operation: ['getIsolationState'] } },
	properties,
);

/**
 * Defender has no isolation property on a device: the state follows from its Isolate and Unisolate
 * actions.
 */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	run: RunState,
): Promise<IDataObject> {
	const budget = itemBudget(run);
	const device = await resolveItemDevice(run, deviceParameter(this, itemIndex), itemIndex, budget);
	const actions = await isolationActionsOfItem(run, device, itemIndex, budget);
	const { state, decidedBy } = deriveIsolationState(actions);
	return {
		machineId: device.id,
		...(device.machine?.computerDnsName ? { computerDnsName: device.machine.computerDnsName } : {}),
		isolationState: state,
		decidedBy: decidedBy ? actionOutput(decidedBy) : null,
		isolationActionsSeen: actions.length,
	};
}
