import type { IDataObject } from 'n8n-workflow';

import { deriveIsolationState, isActionUnderWay } from '../../lib/isolationState';
import { getMachine, type DeviceTarget } from '../defender/devices';
import { OPPOSITE, type ActionRequest, type MachineAction } from '../defender/machineActions';
import type { RetryBudget } from '../transport';
import { deviceHealth } from './deviceHealth';
import { isolationActionsOfItem } from './plan';
import type { RunState } from './runState';

const VERB: Record<ActionRequest['type'], { would: string; pending: string }> = {
	Unisolate: { would: 'would release', pending: 'a release is already pending' },
	Isolate: { would: 'would isolate', pending: 'an isolation is already pending' },
};

/**
 * Dry Run: what a real run would do for the device, found the way a real run finds it (the device
 * resolved, the tenant's actions under way, the device's isolation actions), and nothing sent. An
 * action of the same type already under way is what a real run would adopt (alreadyInProgress):
 * then nothing would be sent.
 */
export async function dryRun(
	run: RunState,
	device: DeviceTarget,
	request: ActionRequest,
	itemIndex: number,
	budget: RetryBudget,
): Promise<IDataObject> {
	const machine =
		device.machine ??
		run.plan.machines.get(device.id.toLowerCase()) ??
		(await getMachine(run.client, device, { itemIndex, budget }));
	const history = await isolationActionsOfItem(run, device, itemIndex, budget);
	const byId = new Map<string, MachineAction>();
	for (const action of [
		...history,
		...(await run.actionsUnderWay.underWayOn(device.id, itemIndex)),
	])
		byId.set(action.id.toLowerCase(), action);
	const actions = [...byId.values()];
	const { state } = deriveIsolationState(actions);
	const underWay = actions.filter(isActionUnderWay);
	const same = underWay.find((action) => action.type === request.type);
	const opposite = underWay.find((action) => action.type === OPPOSITE[request.type]);
	const reasons: string[] = [];
	if (same)
		reasons.push(
			`${VERB[request.type].pending}: action ${same.id} by ${same.requestor ?? 'an unknown requestor'}`,
		);
	else {
		reasons.push(VERB[request.type].would);
		if (opposite)
			reasons.push(
				`an ${opposite.type} is pending and would be waited out first: action ${opposite.id}`,
			);
	}
	if (state === 'unknown') reasons.push('no action history: state unknown');
	return {
		dryRun: true,
		type: request.type,
		wouldSend: !same,
		isolationState: state,
		reason: reasons.join('; '),
		machineId: device.id,
		computerDnsName: machine.computerDnsName ?? null,
		...deviceHealth(machine),
		...(same ? { pendingActionId: same.id } : {}),
	};
}
