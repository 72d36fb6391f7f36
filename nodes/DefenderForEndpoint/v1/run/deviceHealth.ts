import type { IDataObject } from 'n8n-workflow';

import { getMachine, type DeviceTarget, type Machine } from '../defender/devices';
import { actionOutput, type MachineAction } from '../defender/machineActions';
import { RetryBudget } from '../transport';
import type { RunState, SubmitOutcome } from './runState';

/**
 * The device's health and last check-in, when the run knows them (a hostname or IP lookup returns
 * the machine).
 */
export function deviceHealth(machine: Machine | undefined): IDataObject {
	if (!machine) return {};
	return {
		...(machine.healthStatus !== undefined ? { healthStatus: machine.healthStatus } : {}),
		...(machine.lastSeen !== undefined ? { lastSeen: machine.lastSeen } : {}),
	};
}

/**
 * Whether Defender reports the device as not checking in: its actions wait in Defender until it
 * does.
 */
export function inactive(machine: Machine | undefined): boolean {
	return machine?.healthStatus !== undefined && machine.healthStatus !== 'Active';
}

/**
 * The device's entity as the run knows it, or read once (no retries: it only explains a result, and
 * a failure to read it leaves the explanation out).
 */
export async function knownMachine(
	run: RunState,
	device: DeviceTarget,
	itemIndex: number,
): Promise<Machine | undefined> {
	const known = device.machine ?? run.plan.machines.get(device.id.toLowerCase());
	if (known) return known;
	try {
		const budget = new RetryBudget({ ...run.options.retryPolicy, maxRetries: 0 });
		return await getMachine(run.client, device, { itemIndex, budget });
	} catch {
		return undefined;
	}
}

/**
 * An action still under way at the item's Max Completion Wait: its last status as Defender reported
 * it, never a guess, and why in words — naming the device's last check-in when it is not reporting
 * (the action waits for it).
 */
export async function timedOut(
	run: RunState,
	device: DeviceTarget,
	action: MachineAction,
	item: { outcome: SubmitOutcome; itemIndex: number; waitMs: number },
): Promise<IDataObject> {
	const machine = await knownMachine(run, device, item.itemIndex);
	const still = `The ${action.type} action was still ${action.status} after the Max Completion Wait of ${Math.round(item.waitMs / 1000)} s`;
	const reason = inactive(machine)
		? `${still}: the device is ${machine?.healthStatus} and was last seen ${machine?.lastSeen ?? 'at an unknown time'}; Defender carries the action out when the device checks in again`
		: still;
	return actionOutput(action, {
		outcome: item.outcome,
		completion: 'timedOut',
		reason,
		...deviceHealth(machine),
	});
}
