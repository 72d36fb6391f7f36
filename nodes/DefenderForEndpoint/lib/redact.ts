/**
 * A credential value that must never appear in what the node shows, and the words that stand in for
 * it.
 */
export interface Secret {
	label: string;
	value: unknown;
}

/**
 * Values this short are field names or flags, not secrets; replacing them would garble ordinary
 * words.
 */
const MIN_SECRET_LENGTH = 6;

/**
 * Anything shaped like a bearer credential, known or not (a token n8n fetched after the secrets
 * were read).
 */
const BEARER = /\bBearer\s+[\w.~+/=-]+/gi;
/** A JWT, whole or cut short by a shortened error text (its header always starts with `eyJ`). */
const JWT = /\beyJ[\w-]{4,}(?:\.[\w-]*){0,2}/g;

/**
 * Replaces every occurrence of every secret in the text, also URL- and JSON-escaped (an echoed
 * token form or body), longest first so a secret that contains another is replaced whole; then
 * anything shaped like a token.
 */
export function redact(text: string, secrets: Secret[]): string {
	const forms = secrets
		.flatMap(({ label, value }) => {
			if (typeof value !== 'string' || value.trim().length < MIN_SECRET_LENGTH) return [];
			const raw = value.trim();
			return [...new Set([raw, encodeURIComponent(raw), JSON.stringify(raw).slice(1, -1)])].map(
				(form) => ({ form, label }),
			);
		})
		.sort((a, b) => b.form.length - a.form.length);
	let result = text;
	for (const { form, label } of forms) result = result.split(form).join(`[${label}]`);
	return result.replace(BEARER, 'Bearer [access token]').replace(JWT, '[access token]');
}

/** Keys never walked: the n8n node (the workflow's own parameters, not an answer). */
const NOT_WALKED = new Set(['node']);
const MAX_DEPTH = 12;

/**
 * Redacts every text inside a value, in place: each field of an error (message, description, stack,
 * cause, the raw answer it carries…), of nested objects and of arrays. Returns the value (a new
 * string for a string).
 */
export function redactDeep<T>(
	value: T,
	redactText: (text: string) => string,
	seen = new WeakSet<object>(),
	depth = 0,
): T {
	if (typeof value === 'string') return redactText(value) as T;
	if (typeof value !== 'object' || value === null || seen.has(value) || depth > MAX_DEPTH)
		return value;
	seen.add(value);
	const record = value as Record<string, unknown>;
	// Own names, not only enumerable keys: an Error's message and stack are not enumerable.
	for (const key of Object.getOwnPropertyNames(value)) {
		if (NOT_WALKED.has(key)) continue;
		const field = record[key];
		const redacted = redactDeep(field, redactText, seen, depth + 1);
		if (redacted !== field) replaceField(record, key, redacted);
	}
	return value;
}

/** Sets a field, also a read-only one; a field that cannot be set is removed rather than shown. */
function replaceField(record: Record<string, unknown>, key: string, value: unknown): void {
	try {
		record[key] = value;
	} catch {
		// Frozen or read-only: tried below.
	}
	if (record[key] === value) return;
	try {
		Object.defineProperty(record, key, { value });
	} catch {
		delete record[key];
	}
}
