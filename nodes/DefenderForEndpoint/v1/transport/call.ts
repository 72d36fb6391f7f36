import type {
	IDataObject,
	IExecuteFunctions,
	IHttpRequestMethods,
	ILoadOptionsFunctions,
	IPollFunctions,
} from 'n8n-workflow';

import type { RetryPolicy } from '../../lib/retryPolicy';
import type { Permission } from './errors';

/**
 * How a call settled, short of a failure (failures throw NodeApiError / NodeOperationError):
 * - inProgress: Defender refused because another action on the device has not finished (400
 *   ActiveRequestAlreadyExists);
 * - ambiguous: a POST whose answer never arrived (lost connection, timeout, unreadable 2xx): it may
 *   have been applied;
 * - tolerated: a status the caller asked to handle itself (e.g. 404 for "no such device").
 */
export type Answer<T> =
	| { kind: 'ok'; body: T; status: number }
	| { kind: 'inProgress'; message: string }
	| { kind: 'ambiguous'; reason: string }
	| { kind: 'tolerated'; status: number };

/** The retries and waiting one item may still spend; every call made for the item draws from it. */
export class RetryBudget {
	/** Retries after real failures, bounded by Max Retries. */
	retries = 0;

	/** Throttling answers (429) waited out, bounded by Max Wait only. */
	throttles = 0;

	waitedMs = 0;

	constructor(readonly policy: RetryPolicy) {}

	get remainingMs(): number {
		return Math.max(0, this.policy.maxTotalWaitMs - this.waitedMs);
	}
}

export interface CallContext {
	itemIndex: number;
	budget: RetryBudget;
	permission: Permission;
	/** What the call is for, completing "while trying to …" in messages. */
	what: string;
}

export interface ApiCall {
	method: IHttpRequestMethods;
	path: string;
	qs?: IDataObject;
	body?: IDataObject;
	/** Statuses answered as { kind: 'tolerated' } instead of an error. */
	tolerate?: number[];
	/**
	 * The answer must be a page of entities ({ value: [objects] }); any other 2xx body is a failed,
	 * retried call.
	 */
	page?: boolean;
	/** Called when the request leaves the process (after its rate-limit wait), not before. */
	onSent?: () => void;
	/**
	 * Called when an answer arrives, whatever it says: from then on Defender's handling of this
	 * request is known.
	 */
	onAnswered?: () => void;
}

/** What one HTTP exchange came to, before retries: an answer, or why to wait or fail. */
export type SendResult =
	| Answer<IDataObject>
	| { kind: 'throttled'; retryAfterMs?: number }
	| { kind: 'transient'; reason: string; retryAfterMs?: number }
	| { kind: 'failed'; error: Error };

export type ExecutionContext = IExecuteFunctions | ILoadOptionsFunctions | IPollFunctions;
