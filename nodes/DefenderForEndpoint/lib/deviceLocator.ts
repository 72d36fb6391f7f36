import { describeValue, parseMachineId } from './machineId';
import { parseHostname } from './odata';
import { parseIpAddress } from './validation';

/** The Device locator's modes, as messages name them. */
export const MODE_LABELS: Record<string, string> = {
	list: 'From List',
	id: 'By ID',
	hostname: 'By Hostname',
	ip: 'By IP Address',
};

/**
 * A device as the user named it: a machine ID (typed or picked from the list), a hostname or an IP
 * address.
 */
export type DeviceLocator =
	| { mode: 'id' | 'list'; id: string }
	| { mode: 'hostname'; hostname: string }
	| { mode: 'ip'; ip: string };

/**
 * A parsed locator, or why it cannot be used: the message names the field, the hint says what to
 * do.
 */
export type ParsedLocator = { locator: DeviceLocator } | { problem: string; hint: string };

const SHAPE_HINT =
	'Nothing was sent for this item. Choose a mode (From List, By ID, By Hostname, By IP Address) and give the device as text.';

/**
 * The Device locator, checked and parsed once: {mode, value} with a known mode and a text value
 * that is a machine ID, a hostname or an IP address. Expressions can hand the node anything: each
 * shape is refused by name.
 */
export function parseDeviceLocator(raw: unknown): ParsedLocator {
	if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
		return {
			problem: `Device: expected a device locator (mode and value), got ${describeValue(raw)}`,
			hint: SHAPE_HINT,
		};
	}
	const { mode, value } = raw as { mode?: unknown; value?: unknown };
	if (typeof mode !== 'string' || !Object.hasOwn(MODE_LABELS, mode)) {
		return { problem: `Device: unknown mode ${describeValue(mode)}`, hint: SHAPE_HINT };
	}
	if (typeof value !== 'string') {
		return {
			problem: `Device: the ${MODE_LABELS[mode]} value must be text, got ${describeValue(value)}`,
			hint: SHAPE_HINT,
		};
	}
	try {
		if (mode === 'hostname') return { locator: { mode, hostname: parseHostname(value) } };
		if (mode === 'ip') return { locator: { mode, ip: parseIpAddress(value) } };
		return { locator: { mode: mode as 'id' | 'list', id: parseMachineId(value) } };
	} catch (error) {
		return {
			problem: `Device (${MODE_LABELS[mode]}): ${(error as Error).message}`,
			hint: 'Nothing was sent for this item.',
		};
	}
}
