import { DateTime } from 'luxon';

import { printable } from './machineId';

/**
 * An OData string literal: single-quoted, with every quote inside doubled, so input cannot change
 * the filter.
 */
export function odataString(value: string): string {
	return `'${value.replace(/'/g, "''")}'`;
}

/** The Machines filter that selects one computer DNS name exactly. */
export function hostnameFilter(hostname: string): string {
	return `computerDnsName eq ${odataString(hostname)}`;
}

/**
 * Unicode category Cc: the C0 controls U+0000–U+001F, DEL U+007F and the C1 controls U+0080–U+009F.
 */
const CONTROL_CHARACTERS = /\p{Cc}/u;
const MAX_HOSTNAME_LENGTH = 255;

/** Trims a hostname and rejects values that cannot be a computer DNS name. */
export function parseHostname(raw: unknown): string {
	if (typeof raw !== 'string' || raw.trim() === '') {
		throw new Error(
			'Hostname is empty: enter the device’s computer DNS name, e.g. ws-0042.contoso.com',
		);
	}
	const hostname = raw.trim();
	if (CONTROL_CHARACTERS.test(hostname)) {
		throw new Error(`Hostname "${printable(hostname)}" contains control characters`);
	}
	if (hostname.length > MAX_HOSTNAME_LENGTH) {
		throw new Error(
			`Hostname "${printable(hostname)}" is longer than ${MAX_HOSTNAME_LENGTH} characters`,
		);
	}
	return hostname;
}

/**
 * Lower case that never maps a non-ASCII character onto an ASCII one. JavaScript's full case
 * folding does for some look-alikes (the Kelvin sign U+212A lower-cases to "k", U+0130 to "i" and a
 * combining dot), which would make a look-alike name match an ASCII one; such characters stay as
 * they are ("Ü" still folds to "ü").
 */
export function safeLowerCase(text: string): string {
	let folded = '';
	for (const char of text) {
		const lower = char.toLowerCase();
		folded += !isAscii(char) && [...lower].some(isAscii) ? char : lower;
	}
	return folded;
}

function isAscii(char: string): boolean {
	return (char.codePointAt(0) ?? 0) <= 0x7f;
}

/**
 * Defender compares computer names case-insensitively; so do we when checking what a filter
 * returned (safeLowerCase).
 */
export function sameHostname(a: string, b: string): boolean {
	return safeLowerCase(a) === safeLowerCase(b);
}

/**
 * An OData DateTimeOffset literal in UTC (unquoted, e.g. 2024-05-01T08:00:00Z). A value without an
 * offset is read in `zone` (the workflow's time zone), as n8n's date pickers mean it.
 */
export function odataDateTime(value: unknown, zone: string): string {
	const parsed =
		value instanceof Date
			? DateTime.fromJSDate(value)
			: DateTime.fromISO(String(value ?? '').trim(), { zone });
	if (!parsed.isValid)
		throw new Error(`"${printable(String(value ?? ''))}" is not a date and time (ISO 8601)`);
	return parsed.toUTC().toISO({ suppressMilliseconds: true }) as string;
}
