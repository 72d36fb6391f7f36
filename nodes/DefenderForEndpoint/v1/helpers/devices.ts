import type { IDataObject, INodeParameterResourceLocator } from 'n8n-workflow';

import { parseMachineId } from '../../lib/machineId';
import { hostnameFilter, parseHostname, sameHostname } from '../../lib/odata';
import { parseIpAddress } from '../../lib/validation';
import type { CallContext, DefenderClient, RetryBudget } from '../transport';
import { operationError } from '../transport/errors';

export interface Machine extends IDataObject {
	id: string;
	computerDnsName?: string;
	lastSeen?: string;
	healthStatus?: string;
	lastIpAddress?: string;
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
	client: DefenderClient,
	locator: INodeParameterResourceLocator,
	itemIndex: number,
	budget: RetryBudget,
): Promise<DeviceTarget> {
	const field = `Device (${MODE_LABELS[locator.mode] ?? locator.mode})`;
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
		const answer = await client.request<{ value?: Machine[] }>(
			// Defender may answer 404 rather than an empty list when no machine matches.
			{ method: 'GET', path: '/api/machines', qs: { $filter: hostnameFilter(hostname) }, tolerate: [404] },
			lookup(`look up the device named ${hostname}`),
		);
		const listed = answer.kind === 'ok' ? (answer.body.value ?? []) : [];
		// Fail closed: only devices really named as typed count, whatever the filter returned.
		const matches = listed.filter((machine) => typeof machine.computerDnsName === 'string' && sameHostname(machine.computerDnsName, hostname));
		return exactlyOne(client, itemIndex, field, `named "${hostname}"`, hostname, matches);
	}
	if (locator.mode === 'ip') {
		const ip = parse(parseIpAddress);
		const timestamp = new Date(client.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
		const answer = await client.request<{ value?: Machine[] }>(
			{ method: 'GET', path: `/api/machines/findbyip(ip='${ip}',timestamp=${timestamp})`, tolerate: [404] },
			lookup(`look up the device with IP address ${ip}`),
		);
		const matches = answer.kind === 'ok' ? (answer.body.value ?? []) : [];
		return exactlyOne(client, itemIndex, field, `seen with IP address ${ip} in the last 15 minutes`, ip, matches);
	}
	const id = parse(parseMachineId);
	return { id, named: id };
}

function exactlyOne(
	client: DefenderClient,
	itemIndex: number,
	field: string,
	criterion: string,
	named: string,
	matches: Machine[],
): DeviceTarget {
	if (matches.length === 1) {
		return { id: parseMachineId(matches[0].id), named, machine: matches[0] };
	}
	if (matches.length === 0) {
		throw operationError(
			client.node,
			itemIndex,
			`${field}: no Defender device is ${criterion}`,
			'Nothing was sent. Use the computer DNS name exactly as Defender shows it (often the fully qualified name), or the device ID.',
		);
	}
	const listing = matches
		.map((machine) => `${machine.id} ${machine.computerDnsName ?? ''} (last seen ${machine.lastSeen ?? 'unknown'}, health ${machine.healthStatus ?? 'unknown'})`)
		.join('; ');
	throw operationError(
		client.node,
		itemIndex,
		`${field}: ${matches.length} Defender devices are ${criterion}: ${listing}`,
		'Nothing was sent: the node never picks one of several devices. Use the device ID of the one you mean.',
	);
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
