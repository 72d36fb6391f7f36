import type { IDataObject, INodeParameterResourceLocator } from 'n8n-workflow';

import { parseMachineId } from '../../lib/machineId';
import { hostnameFilter, parseHostname, sameHostname } from '../../lib/odata';
import type { DefenderClient, RetryBudget } from '../transport';
import { operationError } from '../transport/errors';

export interface Machine extends IDataObject {
	id: string;
	computerDnsName?: string;
	lastSeen?: string;
	healthStatus?: string;
}

/** A device the user named, and how: the ID every later call uses. */
export interface DeviceTarget {
	id: string;
	/** What the user typed, for messages. */
	named: string;
}

/** Turns the Device locator into exactly one machine ID, or an error; it never guesses between devices. */
export async function resolveDevice(
	client: DefenderClient,
	locator: INodeParameterResourceLocator,
	itemIndex: number,
	budget: RetryBudget,
): Promise<DeviceTarget> {
	const node = client.node;
	if (locator.mode === 'hostname') {
		let hostname: string;
		try {
			hostname = parseHostname(locator.value);
		} catch (error) {
			throw operationError(node, itemIndex, `Device (By Hostname): ${(error as Error).message}`);
		}
		const machine = await findByHostname(client, hostname, itemIndex, budget);
		return { id: parseMachineId(machine.id), named: hostname };
	}
	try {
		const id = parseMachineId(locator.value);
		return { id, named: id };
	} catch (error) {
		throw operationError(node, itemIndex, `Device (By ID): ${(error as Error).message}`);
	}
}

async function findByHostname(
	client: DefenderClient,
	hostname: string,
	itemIndex: number,
	budget: RetryBudget,
): Promise<Machine> {
	const answer = await client.request<{ value?: Machine[] }>(
		// Defender may answer 404 rather than an empty list when no machine matches.
		{ method: 'GET', path: '/api/machines', qs: { $filter: hostnameFilter(hostname) }, tolerate: [404] },
		{ itemIndex, budget, permission: 'Machine.Read.All', what: `look up the device named ${hostname}` },
	);
	const listed = answer.kind === 'ok' ? (answer.body.value ?? []) : [];
	// Fail closed: only names that really are the one typed count, whatever the filter returned.
	const matches = listed.filter(
		(machine) => typeof machine.computerDnsName === 'string' && sameHostname(machine.computerDnsName, hostname),
	);
	if (matches.length === 1) return matches[0];
	if (matches.length === 0) {
		throw operationError(
			client.node,
			itemIndex,
			`Device (By Hostname): no Defender device is named "${hostname}"`,
			'Nothing was sent. Use the computer DNS name exactly as Defender shows it (often the fully qualified name), or the device ID.',
		);
	}
	const listing = matches
		.map((machine) => `${machine.id} (last seen ${machine.lastSeen ?? 'unknown'}, health ${machine.healthStatus ?? 'unknown'})`)
		.join('; ');
	throw operationError(
		client.node,
		itemIndex,
		`Device (By Hostname): "${hostname}" matches ${matches.length} Defender devices: ${listing}`,
		'Nothing was sent: the node never picks one of several devices. Use the device ID of the one you mean.',
	);
}
