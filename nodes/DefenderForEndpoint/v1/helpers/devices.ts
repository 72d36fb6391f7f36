import type { IDataObject, INodeParameterResourceLocator } from 'n8n-workflow';

import { parseMachineId, printable } from '../../lib/machineId';
import { hostnameClause, hostnameMatches } from '../../lib/batching';
import { parseHostname } from '../../lib/odata';
import { parseIpAddress } from '../../lib/validation';
import type { RunState } from '../actions/node.type';
import type { CallContext, DefenderClient, RetryBudget } from '../transport';
import { operationError } from '../transport/errors';

export interface Machine extends IDataObject {
	id: string;
	computerDnsName?: string;
	lastSeen?: string;
	healthStatus?: string;
	lastIpAddress?: string;
	/** Set on a record Defender merged into another device record: never a target. */
	mergedIntoMachineId?: string | null;
}

/** A device the user named: the ID every later call uses, what was typed (for messages), and the entity when a lookup fetched it. */
export interface DeviceTarget {
	id: string;
	named: string;
	machine?: Machine;
}

const MODE_LABELS: Record<string, string> = {
	list: 'From List',
	id: 'By ID',
	hostname: 'By Hostname',
	ip: 'By IP Address',
};

/** Turns the Device locator into exactly one machine, or an error: it never guesses between devices. */
export async function resolveDevice(
	run: RunState,
	locator: INodeParameterResourceLocator,
	itemIndex: number,
	budget: RetryBudget,
): Promise<DeviceTarget> {
	const { client } = run;
	checkLocatorShape(client, locator, itemIndex);
	const field = `Device (${MODE_LABELS[locator.mode]})`;
	const parse = <T>(parser: (value: unknown) => T): T => {
		try {
			return parser(locator.value);
		} catch (error) {
			throw operationError(client.node, itemIndex, `${field}: ${(error as Error).message}`, 'Nothing was sent for this item.');
		}
	};
	const lookup = (what: string): CallContext => ({ itemIndex, budget, permission: 'Machine.Read.All', what });

	if (locator.mode === 'hostname') {
		const hostname = parse(parseHostname);
		const { hostnameMatching } = run.options;
		const criterion =
			hostnameMatching === 'exactOrShortName' && !hostname.includes('.')
				? `named "${hostname}" or "${hostname}.…"`
				: `named "${hostname}"`;
		// The run's batched lookup usually answered already; otherwise (refused, or not planned) ask for this name.
		const planned = run.plan.hostnames.get(hostname);
		if (planned) return exactlyOne(client, itemIndex, field, criterion, hostname, planned);
		const answer = await client.request<{ value: Machine[] }>(
			// Defender may answer 404 rather than an empty list when no machine matches.
			{ method: 'GET', path: '/api/machines', qs: { $filter: hostnameClause(hostname, hostnameMatching) }, tolerate: [404], page: true },
			lookup(`look up the device named ${hostname}`),
		);
		const listed = answer.kind === 'ok' ? answer.body.value : [];
		return exactlyOne(client, itemIndex, field, criterion, hostname, devicesNamed(listed, hostname, hostnameMatching));
	}
	if (locator.mode === 'ip') {
		const ip = parse(parseIpAddress);
		const timestamp = new Date(client.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
		const answer = await client.request<{ value: Machine[] }>(
			{ method: 'GET', path: `/api/machines/findbyip(ip='${ip}',timestamp=${timestamp})`, tolerate: [404], page: true },
			lookup(`look up the device with IP address ${ip}`),
		);
		const matches = answer.kind === 'ok' ? answer.body.value : [];
		return exactlyOne(client, itemIndex, field, `seen with IP address ${ip} in the last 15 minutes`, ip, matches);
	}
	const id = parse(parseMachineId);
	return { id, named: id };
}

/**
 * A locator must be {mode, value} with a known mode and a text value. Expressions can hand the node anything: an
 * object, a number, a whole locator as a string; each is refused by name before anything is sent.
 */
function checkLocatorShape(client: DefenderClient, locator: unknown, itemIndex: number): asserts locator is INodeParameterResourceLocator {
	const refuse = (problem: string) =>
		operationError(client.node, itemIndex, `Device: ${problem}`, 'Nothing was sent for this item. Choose a mode (From List, By ID, By Hostname, By IP Address) and give the device as text.');
	if (typeof locator !== 'object' || locator === null || Array.isArray(locator)) {
		throw refuse(`expected a device locator (mode and value), got ${describeValue(locator)}`);
	}
	const { mode, value } = locator as { mode?: unknown; value?: unknown };
	if (typeof mode !== 'string' || !Object.hasOwn(MODE_LABELS, mode)) {
		throw refuse(`unknown mode ${describeValue(mode)}`);
	}
	if (typeof value !== 'string') {
		throw refuse(`the ${MODE_LABELS[mode]} value must be text, got ${describeValue(value)}`);
	}
}

function describeValue(value: unknown): string {
	if (value === null || value === undefined) return String(value);
	if (Array.isArray(value)) return `a list (${printable(JSON.stringify(value), 60)})`;
	if (typeof value === 'object') return `an object (${printable(JSON.stringify(value), 60)})`;
	if (typeof value === 'string') return `the text "${printable(value, 60)}"`;
	return `the ${typeof value} ${String(value)}`;
}

/**
 * Exactly one device, or an error listing the matches. The same record listed twice is one device; a record merged
 * into another is never the target: the record it was merged into is, when it is among the matches.
 */
function exactlyOne(
	client: DefenderClient,
	itemIndex: number,
	field: string,
	criterion: string,
	named: string,
	found: Machine[],
): DeviceTarget {
	const byId = new Map<string, Machine>();
	for (const machine of found) if (typeof machine.id === 'string') byId.set(machine.id.toLowerCase(), machine);
	const matches = [...byId.values()].filter((machine) => !machine.mergedIntoMachineId);
	const orphans = [...byId.values()].filter(
		(machine) => machine.mergedIntoMachineId && !byId.has(String(machine.mergedIntoMachineId).toLowerCase()),
	);
	if (orphans.length > 0) {
		const listing = orphans.map((machine) => `${machine.id} was merged into ${machine.mergedIntoMachineId}`).join('; ');
		throw operationError(
			client.node,
			itemIndex,
			`${field}: a Defender device ${criterion} is a merged record, and the device it was merged into is not among the matches: ${listing}`,
			'Nothing was sent: a merged record is never acted on. Use the device ID of the record it was merged into, after checking it is the device you mean.',
		);
	}
	if (matches.length === 1) {
		return { id: parseMachineId(matches[0].id), named, machine: matches[0] };
	}
	if (matches.length === 0) {
		throw operationError(
			client.node,
			itemIndex,
			`${field}: no Defender device is ${criterion}`,
			`Nothing was sent. Use the computer DNS name exactly as Defender shows it (often the fully qualified name), or the device ID.${
				client.signIn === 'delegated' ? " With delegated sign-in, devices outside the signed-in user's device groups are not visible either." : ''
			}`,
		);
	}
	throw operationError(
		client.node,
		itemIndex,
		`${field}: ${matches.length} Defender devices are ${criterion}: ${matches.map(describeMachine).join('; ')}`,
		'Nothing was sent: the node never picks one of several devices. Use the device ID of the one you mean.',
	);
}

/** What tells same-named devices apart: ID, name, last seen, health. */
function describeMachine(machine: Machine): string {
	return `${machine.id} ${machine.computerDnsName ?? ''} (last seen ${machine.lastSeen ?? 'unknown'}, health ${machine.healthStatus ?? 'unknown'})`;
}

/** Fail closed: only devices really named as typed count, whatever a filter returned. */
export function devicesNamed(listed: Machine[], typed: string, matching: RunState['options']['hostnameMatching']): Machine[] {
	return listed.filter((machine) => typeof machine.computerDnsName === 'string' && hostnameMatches(machine.computerDnsName, typed, matching));
}

/** The device's full entity: from the lookup that found it, or fetched by ID. */
export async function getMachine(
	client: DefenderClient,
	device: DeviceTarget,
	itemIndex: number,
	budget: RetryBudget,
): Promise<Machine> {
	if (device.machine) return device.machine;
	return await client.call<Machine>(
		{ method: 'GET', path: `/api/machines/${encodeURIComponent(device.id)}` },
		{ itemIndex, budget, permission: 'Machine.Read.All', what: `get device ${device.named}` },
	);
}
