import { safeLowerCase, odataString, sameHostname } from './odata';

/**
 * How Defender is asked about many devices at once: `computerDnsName eq 'a' or computerDnsName eq
 * 'b' …`. Bounded by the number of names (ASP.NET OData, which serves Defender's API, caps a
 * filter's node count; 40 clauses stay well inside a cap of a few hundred) and by the URL's length
 * (gateways refuse URLs of a few thousand characters).
 */
export const MAX_NAMES_PER_BATCH = 40;
export const MAX_ENCODED_FILTER_LENGTH = 3_000;

export type HostnameMatching = 'exact' | 'exactOrShortName';

/** The first DNS label: "ws-0042" of "ws-0042.contoso.com". */
function firstLabel(hostname: string): string {
	return hostname.split('.')[0];
}

/**
 * Whether a device's computer DNS name is the name the user typed: the same name, compared
 * case-insensitively, or (Exact or Short Name) a name whose first DNS label is the typed short
 * name.
 */
export function hostnameMatches(
	computerDnsName: string,
	typed: string,
	matching: HostnameMatching,
): boolean {
	if (sameHostname(computerDnsName, typed)) return true;
	return (
		matching === 'exactOrShortName' &&
		!typed.includes('.') &&
		sameHostname(firstLabel(computerDnsName), typed)
	);
}

/** The filter clause that finds every device the typed name may mean. */
export function hostnameClause(typed: string, matching: HostnameMatching): string {
	const exact = `computerDnsName eq ${odataString(typed)}`;
	if (matching === 'exact' || typed.includes('.')) return exact;
	// Defender stores computer DNS names in lower case; startswith compares as stored.
	return `(${exact} or startswith(computerDnsName,${odataString(`${safeLowerCase(typed)}.`)}))`;
}

/**
 * Joins clauses with `or`, in batches within the count and URL-length bounds, every clause in
 * exactly one batch.
 */
export function orBatches(
	clauses: string[],
	maxClauses = MAX_NAMES_PER_BATCH,
	maxEncodedLength = MAX_ENCODED_FILTER_LENGTH,
): string[][] {
	const batches: string[][] = [];
	let current: string[] = [];
	let length = 0;
	for (const clause of clauses) {
		const added = encodeURIComponent(` or ${clause}`).length;
		if (current.length > 0 && (current.length >= maxClauses || length + added > maxEncodedLength)) {
			batches.push(current);
			current = [];
			length = 0;
		}
		current.push(clause);
		length += added;
	}
	if (current.length > 0) batches.push(current);
	return batches;
}

/** Distinct values, ASCII letters compared case-insensitively, first spelling kept. */
export function distinctIgnoringCase(values: string[]): string[] {
	const seen = new Map<string, string>();
	for (const value of values)
		if (!seen.has(safeLowerCase(value))) seen.set(safeLowerCase(value), value);
	return [...seen.values()];
}
