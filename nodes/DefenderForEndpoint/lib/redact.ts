/** A credential value that must never appear in what the node shows, and the words that stand in for it. */
export interface Secret {
	label: string;
	value: unknown;
}

/** Values this short are field names or flags, not secrets; replacing them would garble ordinary words. */
const MIN_SECRET_LENGTH = 6;

/**
 * Replaces every occurrence of every secret in the text, also URL- and JSON-escaped (an echoed token form or body),
 * longest first so a secret that contains another is replaced whole.
 */
export function redact(text: string, secrets: Secret[]): string {
	const forms = secrets
		.flatMap(({ label, value }) => {
			if (typeof value !== 'string' || value.trim().length < MIN_SECRET_LENGTH) return [];
			const raw = value.trim();
			return [...new Set([raw, encodeURIComponent(raw), JSON.stringify(raw).slice(1, -1)])].map((form) => ({ form, label }));
		})
		.sort((a, b) => b.form.length - a.form.length);
	let result = text;
	for (const { form, label } of forms) result = result.split(form).join(`[${label}]`);
	return result;
}
