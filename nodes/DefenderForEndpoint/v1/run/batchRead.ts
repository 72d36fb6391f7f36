import type { IDataObject } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { orBatches } from '../../lib/batching';
import type { RetryPolicy } from '../../lib/retryPolicy';
import { RetryBudget, type DefenderClient } from '../transport';

/**
 * Whether Defender refused a batched filter once in this run: then every later read of the run goes
 * per item.
 */
export interface BatchingState {
	batchingRefused: boolean;
}

/**
 * Whether Defender refused the filter itself (bad request, URL too long): then batching is off for
 * the run.
 */
export function refusedFilter(error: unknown): boolean {
	return error instanceof NodeApiError && (error.httpCode === '400' || error.httpCode === '414');
}

export function notFound(error: unknown): boolean {
	return error instanceof NodeApiError && error.httpCode === '404';
}

/**
 * One batched listing: the collection, a clause per entity asked for, and how the calls are
 * described.
 */
export interface BatchedListing {
	client: DefenderClient;
	policy: RetryPolicy;
	state: BatchingState;
	path: string;
	clauses: string[];
	/** The whole $filter for one batch of clauses (default: the clauses joined with `or`). */
	filter?: (batch: string[]) => string;
	/**
	 * The item a batch's calls are reported for, and what the calls do ("… while trying to <what>").
	 */
	itemIndex: (batch: string[]) => number;
	what: (batch: string[]) => string;
	/**
	 * 404 answers an empty list (Defender may answer 404 rather than an empty list when nothing
	 * matches).
	 */
	notFoundIsEmpty?: boolean;
}

/**
 * Lists a collection in OR-batches of clauses (`id eq 'a' or id eq 'b' …`, within the count and
 * URL-length bounds), handing each answered batch to `answered`. A refused filter (400/414) turns
 * batching off for the run; any other failure leaves that batch unanswered: whatever a batch did
 * not answer, the caller reads one by one. A cancelled execution ends the listing.
 */
export async function listInBatches<T extends IDataObject>(
	listing: BatchedListing,
	answered: (batch: string[], listed: T[]) => void,
): Promise<void> {
	const { client, policy, state } = listing;
	for (const batch of orBatches(listing.clauses)) {
		if (state.batchingRefused) return;
		let listed: T[];
		try {
			listed = await client.list<T>(
				listing.path,
				{ $filter: listing.filter ? listing.filter(batch) : batch.join(' or ') },
				{
					itemIndex: listing.itemIndex(batch),
					budget: new RetryBudget(policy),
					permission: 'Machine.Read.All',
					what: listing.what(batch),
				},
			);
		} catch (error) {
			// Cancelled: nothing more is asked; the caller's own calls end the same way.
			if (client.cancelled) return;
			if (listing.notFoundIsEmpty && notFound(error)) listed = [];
			else {
				state.batchingRefused = refusedFilter(error);
				continue;
			}
		}
		answered(batch, listed);
	}
}
