import type { IDataObject, IExecuteFunctions, INodeParameterResourceLocator, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { deriveIsolationState } from '../../../lib/isolationState';
import { odataString } from '../../../lib/odata';
import { deviceLocator } from '../../descriptions/device';
import { requestOptions } from '../../descriptions/options';
import { actionOutput } from '../../helpers/deviceActions';
import { resolveDevice } from '../../helpers/devices';
import type { MachineAction } from '../../helpers/machineActions';
import { RetryBudget } from '../../transport';
import type { RunState } from '../node.type';

const properties: INodeProperties[] = [deviceLocator, requestOptions];

export const description = updateDisplayOptions(
	{ show: { resource: ['device'], operation: ['getIsolationState'] } },
	properties,
);

/** Defender has no isolation property on a device: the state follows from its Isolate and Unisolate actions. */
export async function execute(this: IExecuteFunctions, itemIndex: number, run: RunState): Promise<IDataObject> {
	const locator = this.getNodeParameter('device', itemIndex) as INodeParameterResourceLocator;
	const budget = new RetryBudget(run.options.retryPolicy);
	const device = await resolveDevice(run, locator, itemIndex, budget);
	const actions =
		run.plan.isolationActions.get(device.id) ??
		(await run.client.list<MachineAction>(
			'/api/machineactions',
			{ $filter: `machineId eq ${odataString(device.id)} and (type eq 'Isolate' or type eq 'Unisolate')` },
			{ itemIndex, budget, permission: 'Machine.Read.All', what: `list the isolation actions of device ${device.named}` },
		));
	const { state, decidedBy } = deriveIsolationState(actions);
	return {
		machineId: device.id,
		...(device.machine?.computerDnsName ? { computerDnsName: device.machine.computerDnsName } : {}),
		isolationState: state,
		decidedBy: decidedBy ? actionOutput(decidedBy) : null,
		isolationActionsSeen: actions.length,
	};
}
