import { printable } from './machineId';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Machine action IDs are GUIDs; anything else never reaches a URL path. */
export function parseActionId(raw: unknown): string {
	const id = typeof raw === 'string' ? raw.trim() : '';
	if (!GUID.test(id)) {
		throw new Error(
			`Machine action ID "${printable(id)}" is not a GUID, e.g. 5382f7ea-7557-4ab7-9782-d50480024a4e`,
		);
	}
	return id.toLowerCase();
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9a-f:]+$/i;

/** An internal IPv4 or IPv6 address, as Defender's find-by-IP expects it. */
export function parseIpAddress(raw: unknown): string {
	const ip = typeof raw === 'string' ? raw.trim() : '';
	if (!IPV4.test(ip) && !(IPV6.test(ip) && ip.includes(':') && ip.length <= 39)) {
		throw new Error(`IP address "${printable(ip)}" is not an IPv4 or IPv6 address`);
	}
	return ip.toLowerCase();
}
