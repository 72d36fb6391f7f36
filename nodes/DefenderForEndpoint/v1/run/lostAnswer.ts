import { rememberAnswered } from '../defender/actionsUnderWay';
import type { DeviceTarget } from '../defender/devices';
import {
	createdAtMs,
	describeAction,
	readActionsOfDevice,
	type ActionRequest,
	type MachineAction,
} from '../defender/machineActions';
import type { CallContext } from '../transport';
import { operationError } from '../transport/errors';
import type { RunState } from './runState';

/**
 * After a POST whose answer was lost: waits as long again as the answer was waited for (the request
 * may still be in Defender's hands), then reads the device's actions. The action the POST created
 * is the one of the requested type and comment, unknown before, created between the earliest moment
 * the POST could have arrived and now (Defender's clock, bounded by its Date headers). When the
 * lookup fails, or several actions fit, the outcome is unknown.
 */
export async function afterLostAnswer(
	run: RunState,
	device: DeviceTarget,
	request: ActionRequest,
	context: CallContext,
	lost: { postedAtMs: number; reason: string },
): Promise<{ ours?: MachineAction; actions: MachineAction[] }> {
	const { client, actionsUnderWay } = run;
	const unknown = (candidates: MachineAction[] = []) =>
		outcomeUnknown(run, device, request, context.itemIndex, lost.reason, candidates);
	let actions: MachineAction[] | undefined;
	const since = client.serverClock.earliest(lost.postedAtMs);
	try {
		await client.backoff(context, client.timeoutMs, `Defender's answer was lost (${lost.reason})`);
		actions = await readActionsOfDevice(client, device.id, since, context);
	} catch {
		throw unknown();
	}
	if (actions === undefined) throw unknown();
	const until = client.serverClock.latest(client.clock.now());
	const ours = actions.filter(
		(action) =>
			action.type === request.type &&
			action.requestorComment === request.body.Comment &&
			!actionsUnderWay.knows(action.id) &&
			createdAtMs(action) >= since &&
			createdAtMs(action) <= until,
	);
	if (ours.length > 1) throw unknown(ours);
	if (ours.length === 1) {
		rememberAnswered(ours[0].id);
		actionsUnderWay.note(ours[0]);
	}
	return { ours: ours[0], actions };
}

function outcomeUnknown(
	run: RunState,
	device: DeviceTarget,
	request: ActionRequest,
	itemIndex: number,
	reason: string,
	candidates: MachineAction[],
) {
	const found = candidates.length
		? ` Several actions could be it: ${candidates.map(describeAction).join('; ')}.`
		: ' The follow-up lookup of the device’s actions failed.';
	return operationError(
		run.client.node,
		itemIndex,
		`The outcome of the ${request.type} request for device ${device.named} is unknown: Defender's answer was lost (${reason}) and the request may have landed`,
		`${found} Nothing more was sent for this item. Check the device’s actions in the Defender portal (Action center) before retrying.`,
	);
}
