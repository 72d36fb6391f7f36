import { describeValue } from './machineId';

/**
 * The range a numeric option accepts, as the editor shows it; code enforces it too (workflow files
 * bypass the editor).
 */
export interface NumberRange {
	/** The option's name as the editor shows it, e.g. "Parallel Requests". */
	label: string;
	min: number;
	max: number;
	/** Counts (requests, retries, results) must be whole numbers; durations may have a fraction. */
	integer: boolean;
}

/**
 * A numeric option's value, or an Error naming the option and the value. Expressions can hand the
 * node anything ("four", NaN, "", an object): only a finite number in the range, or text that is
 * exactly such a number, is taken. A value that is absent (the option is not set) is the default; a
 * value that is set but unusable never is.
 */
export function checkedNumber(raw: unknown, range: NumberRange, fallback: number): number {
	if (raw === undefined || raw === null) return fallback;
	const value = typeof raw === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : raw;
	const expected = `${range.integer ? 'a whole number' : 'a number'} from ${range.min} to ${range.max}`;
	if (typeof value !== 'number' || !Number.isFinite(value)) {
		throw new Error(
			`${range.label}: expected ${expected}, got ${typeof raw === 'number' ? String(raw) : describeValue(raw)}`,
		);
	}
	if ((range.integer && !Number.isInteger(value)) || value < range.min || value > range.max) {
		throw new Error(`${range.label}: expected ${expected}, got ${value}`);
	}
	return value;
}

/** The numeric options of the node, with the ranges the editor gives them. */
export const NUMERIC_OPTIONS = {
	maxRetries: { label: 'Max Retries', min: 0, max: 20, integer: true },
	maxWaitSeconds: { label: 'Max Wait (Seconds)', min: 0, max: 7200, integer: false },
	parallelRequests: { label: 'Parallel Requests', min: 1, max: 10, integer: true },
	timeoutSeconds: { label: 'Timeout (Seconds)', min: 1, max: 300, integer: false },
	maxCompletionWaitSeconds: {
		label: 'Max Wait for Completion (Seconds)',
		min: 1,
		max: 3600,
		integer: false,
	},
	limit: { label: 'Limit', min: 1, max: 1_000_000, integer: true },
} satisfies Record<string, NumberRange>;
