import type { IDataObject } from 'n8n-workflow';

import { hostnameClause, hostnameMatches, type HostnameMatching } from '../../lib/batching';
import { MODE_LABELS, type DeviceLocator } from '../../lib/deviceLocator';
import { parseMachineId } from '../../lib/machineId';
import type { CallContext, DefenderClient } from '../transport';
import { endpoints } from '../transport/endpoints';
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

/**
 * A device the user named: the ID every later call uses, what was typed (for messages), and the
 * entity when a lookup fetched it.
 */
export interface DeviceTarget {
	id: string;
	named: string;
	machine?: Machine;
}

/**
 * How one item's device is found: its calls, the hostname rule, and the devices the run's batched
 * lookups found.
 */
export interface DeviceLookup {
	context: Omit<CallContext, 'what' | 'permission'>;
	hostnameMatching: HostnameMatching;
	/** The devices a hostname names, when the run looked it up already; undefined when it did not. */
	known(hostname: string): Machine[] | undefined;
}

/**
 * Turns a parsed Device locator into exactly one machine, or an error: it never guesses between
 * devices.
 */
export async function resolveDevice(
	client: DefenderClient,
	locator: DeviceLocator,
	lookup: DeviceLookup,
): Promise<DeviceTarget> {
	const field = `Device (${MODE_LABELS[locator.mode]})`;
	const call = (what: string): CallContext => ({
		...lookup.context,
		permission: 'Machine.Read.All',
		what,
	});
	const one = (criterion: string, named: string, found: Machine[]) =>
		exactlyOne(client, lookup.context.itemIndex, { field, criterion, named }, found);

	if (locator.mode === 'hostname') {
		const { hostname } = locator;
		const criterion =
			lookup.hostnameMatching === 'exactOrShortName' && !hostname.includes('.')
				? `named "${hostname}" or "${hostname}.…"`
				: `named "${hostname}"`;
		const known = lookup.known(hostname);
		if (known) return one(criterion, hostname, known);
		const answer = await client.request<{ value: Machine[] }>(
			// Defender may answer 404 rather than an empty list when no machine matches.
			{
				...endpoints.machines,
				qs: { $filter: hostnameClause(hostname, lookup.hostnameMatching) },
				tolerate: [404],
				page: true,
			},
			call(`look up the device named ${hostname}`),
		);
		const listed = answer.kind === 'ok' ? answer.body.value : [];
		return one(criterion, hostname, devicesNamed(listed, hostname, lookup.hostnameMatching));
	}
	if (locator.mode === 'ip') {
		const { ip } = locator;
		const timestamp = new Date(client.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
		const answer = await client.request<{ value: Machine[] }>(
			{ ...endpoints.machinesByIp(ip, timestamp), tolerate: [404], page: true },
			call(`look up the device with IP address ${ip}`),
		);
		return one(
			`seen with IP address ${ip} in the last 15 minutes`,
			ip,
			answer.kind === 'ok' ? answer.body.value : [],
		);
	}
	return { id: locator.id, named: locator.id };
}

/**
 * Exactly one device, or an error listing the matches. The same record listed twice is one device;
 * a record merged into another is never the target: the record it was merged into is, when it is
 * among the matches.
 */
function exactlyOne(
	client: DefenderClient,
	itemIndex: number,
	asked: { field: string; criterion: string; named: string },
	found: Machine[],
): DeviceTarget {
	const { field, criterion, named } = asked;
	const byId = new Map<string, Machine>();
	for (const machine of found)
		if (typeof machine.id === 'string') byId.set(machine.id.toLowerCase(), machine);
	const matches = [...byId.values()].filter((machine) => !machine.mergedIntoMachineId);
	const orphans = [...byId.values()].filter(
		(machine) =>
			machine.mergedIntoMachineId && !byId.has(String(machine.mergedIntoMachineId).toLowerCase()),
	);
	if (orphans.length > 0) {
		const listing = orphans
			.map((machine) => `${machine.id} was merged into ${machine.mergedIntoMachineId}`)
			.join('; ');
		throw operationError(
			client.node,
			itemIndex,
			`${field}: a Defender device ${criterion} is a merged record, and the device it was merged into is not among the matches: ${listing}`,
			'Nothing was sent: a merged record is never acted on. Use the device ID of the record it was merged into, after checking it is the device you mean.',
		);
	}
	if (matches.length === 1)
		return { id: parseMachineId(matches[0].id), named, machine: matches[0] };
	if (matches.length === 0) {
		throw operationError(
			client.node,
			itemIndex,
			`${field}: no Defender device is ${criterion}`,
			`Nothing was sent. Use the computer DNS name exactly as Defender shows it (often the fully qualified name), or the device ID.${
				client.signIn === 'delegated'
					? " With delegated sign-in, devices outside the signed-in user's device groups are not visible either."
					: ''
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
export function devicesNamed(
	listed: Machine[],
	typed: string,
	matching: HostnameMatching,
): Machine[] {
	return listed.filter(
		(machine) =>
			typeof machine.computerDnsName === 'string' &&
			hostnameMatches(machine.computerDnsName, typed, matching),
	);
}

/** The device's full entity: from the lookup that found it, or fetched by ID. */
export async function getMachine(
	client: DefenderClient,
	device: DeviceTarget,
	context: Omit<CallContext, 'what' | 'permission'>,
): Promise<Machine> {
	if (device.machine) return device.machine;
	return await client.call<Machine>(endpoints.machine(device.id), {
		...context,
		permission: 'Machine.Read.All',
		what: `get device ${device.named}`,
	});
}
