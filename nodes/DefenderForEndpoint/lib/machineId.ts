/** Defender machine IDs are 40 hexadecimal characters (a SHA-1-shaped value). */
const MACHINE_ID_PATTERN = /^[0-9a-f]{40}$/;

export const MACHINE_ID_REGEX_SOURCE = '^\\s*[0-9a-fA-F]{40}\\s*$';

/**
 * Returns the canonical (trimmed, lower-case) machine ID, or throws with a message a SOC engineer
 * can act on. Anything else is rejected before it can reach a URL path: no slashes, dots,
 * percent-escapes or spaces.
 */
export function parseMachineId(raw: unknown): string {
	if (typeof raw !== 'string' || raw.trim() === '') {
		throw new Error('Device ID is empty: enter the 40-character Defender machine ID');
	}
	const candidate = raw.trim().toLowerCase();
	if (!MACHINE_ID_PATTERN.test(candidate)) {
		throw new Error(
			`Device ID "${printable(raw)}" is not a Defender machine ID: expected 40 hexadecimal characters, e.g. 1e5bc9d7e413ddd7902c2932e418702b84d0cc07`,
		);
	}
	return candidate;
}

/** Shows control characters visibly and keeps error messages short. */
export function printable(value: string, maxLength = 80): string {
	// JSON escapes C0 controls; DEL and the C1 controls need escaping by hand.
	const visible = JSON.stringify(value)
		.slice(1, -1)
		.replace(
			/[\u007f-\u009f]/g,
			(char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
		);
	return visible.length > maxLength ? `${visible.slice(0, maxLength)}…` : visible;
}

/** A value as an error message shows it: "the text "x"", "a list ([…])", "the number 4". */
export function describeValue(value: unknown): string {
	if (value === null || value === undefined) return String(value);
	if (Array.isArray(value)) return `a list (${printable(JSON.stringify(value), 60)})`;
	if (typeof value === 'object') return `an object (${printable(JSON.stringify(value), 60)})`;
	if (typeof value === 'string') return `the text "${printable(value, 60)}"`;
	return `the ${typeof value} ${String(value)}`;
}
