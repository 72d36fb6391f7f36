import { orBatches } from '../../lib/batching';
import { actionIdClause, isolationActionsCreatedSince } from '../../lib/filters';
import type { FeedAction } from '../../lib/isolationEvents';
import type { RetryPolicy } from '../../lib/retryPolicy';
import { RetryBudget, type CallContext, type DefenderClient } from '../transport';
import { endpoints } from '../transport/endpoints';

/**
 * What the trigger reads from Defender in one poll: the isolation actions created since the
 * window's start (one paged call), then the older actions still under way, by ID in OR-batches
 * (Defender cannot filter on the last update).
 */
export class IsolationFeed {
	constructor(
		private readonly client: DefenderClient,
		private readonly policy: RetryPolicy,
	) {}

	/** Isolate/Unisolate actions created at or after `sinceServerMs`, every page. */
	async createdSince(sinceServerMs: number): Promise<FeedAction[]> {
		return await this.client.list<FeedAction>(
			endpoints.machineActions.path,
			{ $filter: isolationActionsCreatedSince(sinceServerMs) },
			this.context('list the isolation actions created since the last poll'),
		);
	}

	/** The actions with these IDs (those Defender still has), one call per OR-batch. */
	async byIds(actionIds: string[]): Promise<FeedAction[]> {
		const found: FeedAction[] = [];
		for (const batch of orBatches(actionIds.map(actionIdClause))) {
			found.push(
				...(await this.client.list<FeedAction>(
					endpoints.machineActions.path,
					{ $filter: batch.join(' or ') },
					this.context(`read ${batch.length} isolation action(s) still under way`),
				)),
			);
		}
		return found;
	}

	private context(what: string): CallContext {
		return {
			itemIndex: 0,
			budget: new RetryBudget(this.policy),
			permission: 'Machine.Read.All',
			what,
		};
	}
}
