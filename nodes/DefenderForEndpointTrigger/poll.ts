import type { IDataObject, INodeExecutionData, IPollFunctions } from 'n8n-workflow';

import {
	advance,
	latestMatching,
	matches,
	OVERLAP_MS,
	readState,
	underWayBeforeWindow,
	windowStart,
	type EmittedEvent,
	type EventFilters,
	type FeedState,
	type IsolationEvent,
} from '../DefenderForEndpoint/lib/isolationEvents';
import { DEFAULT_RETRY_POLICY } from '../DefenderForEndpoint/lib/retryPolicy';
import { IsolationFeed } from '../DefenderForEndpoint/v1/defender/isolationFeed';
import { actionOutput } from '../DefenderForEndpoint/v1/defender/machineActions';
import { DefenderClient } from '../DefenderForEndpoint/v1/transport';

/** Where the position is kept in the node's static data. */
export const STATE_KEY = 'isolationFeed';
const TIMEOUT_MS = 30_000;
/**
 * A poll waits at most a minute (retries, throttling, the shared rate limiter): the next poll tries
 * again.
 */
const POLL_POLICY = { ...DEFAULT_RETRY_POLICY, maxRetries: 3, maxTotalWaitMs: 60_000 };
/** "Fetch Test Event" shows the newest matching event of this period. */
const TEST_EVENT_PERIOD_MS = 7 * 86_400_000;

/**
 * Polls of this process under way, per workflow and node: a tick that comes while one runs is
 * skipped.
 */
const inFlight = new Set<string>();

function filtersOf(context: IPollFunctions): EventFilters {
	const filters = context.getNodeParameter('filters', {}) as IDataObject;
	return {
		events: context.getNodeParameter('events', []) as IsolationEvent[],
		requestor: typeof filters.requestor === 'string' ? filters.requestor : undefined,
		commentContains:
			typeof filters.commentContains === 'string' ? filters.commentContains : undefined,
		isolationType: typeof filters.isolationType === 'string' ? filters.isolationType : undefined,
	};
}

/** One item per event: the event, the device, and the machine action as Defender returned it. */
function toItem({ event, action }: EmittedEvent): INodeExecutionData {
	return {
		json: {
			event,
			deviceId: action.machineId ?? null,
			deviceName: action.computerDnsName ?? null,
			machineAction: actionOutput(action as unknown as IDataObject),
		},
	};
}

function defenderNow(client: DefenderClient): number {
	return client.serverClock.earliest(client.clock.now());
}

/**
 * First activation: every action of the last moments counts as seen, the position starts at
 * Defender's "now".
 */
async function startPosition(feed: IsolationFeed, client: DefenderClient): Promise<FeedState> {
	const since = defenderNow(client) - 2 * OVERLAP_MS;
	const listed = await feed.createdSince(since);
	const empty: FeedState = { version: 1, mark: since, actions: {} };
	return advance(empty, listed, [], { initial: true, defenderNow: defenderNow(client) }).state;
}

/**
 * One poll of an active workflow: the events since the stored position; the position moves only
 * when every call succeeded.
 */
async function pollActive(context: IPollFunctions): Promise<INodeExecutionData[][] | null> {
	const staticData = context.getWorkflowStaticData('node');
	const state = readState(staticData[STATE_KEY]);
	const client = await DefenderClient.create(context, TIMEOUT_MS);
	const feed = new IsolationFeed(client, POLL_POLICY);
	if (!state) {
		staticData[STATE_KEY] = await startPosition(feed, client);
		return null;
	}
	const askedById = underWayBeforeWindow(state);
	const listed = await feed.createdSince(windowStart(state));
	const reread = askedById.length ? await feed.byIds(askedById) : [];
	const { events, state: next } = advance(state, [...listed, ...reread], askedById);
	const filters = filtersOf(context);
	const items = events.filter((event) => matches(event, filters)).map(toItem);
	staticData[STATE_KEY] = next as unknown as IDataObject;
	return items.length ? [items] : null;
}

/**
 * The editor's "Fetch Test Event": the newest matching event, without touching the stored position.
 */
async function testEvent(context: IPollFunctions): Promise<INodeExecutionData[][] | null> {
	const client = await DefenderClient.create(context, TIMEOUT_MS);
	const feed = new IsolationFeed(client, POLL_POLICY);
	const latest = latestMatching(
		await feed.createdSince(defenderNow(client) - TEST_EVENT_PERIOD_MS),
		filtersOf(context),
	);
	return latest ? [[toItem(latest)]] : null;
}

export async function pollIsolationEvents(
	context: IPollFunctions,
): Promise<INodeExecutionData[][] | null> {
	if (context.getMode() === 'manual') return await testEvent(context);
	const key = `${context.getWorkflow().id ?? ''}|${context.getNode().id}`;
	if (inFlight.has(key)) return null;
	inFlight.add(key);
	try {
		return await pollActive(context);
	} finally {
		inFlight.delete(key);
	}
}
