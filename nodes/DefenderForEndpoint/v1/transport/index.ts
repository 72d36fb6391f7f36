import type {
	IDataObject,
	IExecuteFunctions,
	IHttpRequestMethods,
	ILoadOptionsFunctions,
	IN8nHttpFullResponse,
	INode,
} from 'n8n-workflow';
import { sleep } from 'n8n-workflow';

import { resolveCloud, type ResolvedCloud } from '../../lib/clouds';
import { RateLimiterRegistry, type SlidingWindowRateLimiter } from '../../lib/rateLimiter';
import {
	isActionInProgress,
	isTransientStatus,
	parseRetryAfter,
	planRetry,
	type RetryPolicy,
} from '../../lib/retryPolicy';
import { apiError, operationError, readErrorBody, type Permission } from './errors';

export const CREDENTIAL_TYPE = 'defenderForEndpointOAuth2Api';

/** Time as the transport sees it: production uses the wall clock and n8n's cancellable sleep. */
export interface Clock {
	now(): number;
	sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

const wallClock: Clock = {
	now: () => Date.now(),
	sleep: async (ms, signal) => await sleep(ms, signal),
};

let clock = wallClock;

/**
 * Replaces the wall clock for simulations: the benchmark and the demo run Defender's hour-long quota in scaled time
 * against the local simulator. Workflows never call this.
 */
export function useClock(simulated: Clock | undefined): void {
	clock = simulated ?? wallClock;
}

/** Shared by every execution in this n8n process: Defender's quota is per tenant and application. */
const rateLimiters = new RateLimiterRegistry();

/**
 * How a call settled, short of a failure (failures throw NodeApiError / NodeOperationError):
 * - inProgress: Defender refused because another action on the device has not finished (400 ActiveRequestAlreadyExists);
 * - ambiguous: a POST whose answer never arrived (lost connection, timeout, unreadable 2xx): it may have been applied;
 * - tolerated: a status the caller asked to handle itself (e.g. 404 for "no such device").
 */
export type Answer<T> =
	| { kind: 'ok'; body: T }
	| { kind: 'inProgress'; message: string }
	| { kind: 'ambiguous'; reason: string }
	| { kind: 'tolerated'; status: number };

/** The retries and waiting one item may still spend; every call made for the item draws from it. */
export class RetryBudget {
	retries = 0;

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
}

type Outcome =
	| Answer<IDataObject>
	| { kind: 'throttled'; retryAfterMs?: number }
	| { kind: 'transient'; reason: string }
	| { kind: 'failed'; error: Error };

type ExecutionContext = IExecuteFunctions | ILoadOptionsFunctions;

export class DefenderClient {
	private constructor(
		private readonly context: ExecutionContext,
		readonly cloud: ResolvedCloud,
		private readonly limiter: SlidingWindowRateLimiter,
		readonly timeoutMs: number,
		readonly clock: Clock,
	) {}

	/** Validates the credential's cloud settings before anything is sent. */
	static async create(context: ExecutionContext, timeoutMs: number) {
		const credentials = await context.getCredentials(CREDENTIAL_TYPE);
		let cloud: ResolvedCloud;
		try {
			cloud = resolveCloud(credentials as Parameters<typeof resolveCloud>[0]);
		} catch (error) {
			throw operationError(context.getNode(), 0, `Credential problem: ${(error as Error).message}`);
		}
		const limiter = rateLimiters.forClient(cloud.tenantId, cloud.clientId);
		return new DefenderClient(context, cloud, limiter, timeoutMs, clock);
	}

	get node(): INode {
		return this.context.getNode();
	}

	private get cancelSignal(): AbortSignal | undefined {
		return 'getExecutionCancelSignal' in this.context ? this.context.getExecutionCancelSignal() : undefined;
	}

	/** One API call that must succeed: anything but a 2xx answer is an error for the item. */
	async call<T = IDataObject>(call: ApiCall, context: CallContext): Promise<T> {
		const answer = await this.request<T>(call, context);
		if (answer.kind === 'ok') return answer.body;
		const detail = answer.kind === 'ambiguous' ? answer.reason : answer.kind === 'inProgress' ? answer.message : `HTTP ${answer.status}`;
		throw operationError(this.node, context.itemIndex, `Defender for Endpoint gave no usable answer while trying to ${context.what}: ${detail}`);
	}

	/**
	 * One API call with the rate limiter, retries (429, 5xx, and for GET lost connections) and error mapping.
	 * Answers what only the caller can resolve; throws NodeApiError / NodeOperationError for everything else.
	 */
	async request<T = IDataObject>(call: ApiCall, context: CallContext): Promise<Answer<T>> {
		for (;;) {
			const bookedAtMs = await this.waitForRateLimit(context);
			const outcome = await this.send(call, context);
			this.limiter.settle(bookedAtMs, this.clock.now());
			switch (outcome.kind) {
				case 'throttled':
					this.limiter.pauseUntil(this.clock.now() + (outcome.retryAfterMs ?? 0));
					await this.backoff(context, outcome.retryAfterMs, 'Defender kept answering HTTP 429 Too Many Requests');
					break;
				case 'transient':
					await this.backoff(context, undefined, `Defender kept failing (${outcome.reason})`);
					break;
				case 'failed':
					throw outcome.error;
				default:
					return outcome as Answer<T>;
			}
		}
	}

	/**
	 * Every entity of a collection, or the first `limit`: follows @odata.nextLink (only on the API's own origin, so the
	 * token never travels elsewhere) and otherwise pages with $skip while pages come back full.
	 */
	async list<T = IDataObject>(path: string, qs: IDataObject, context: CallContext, limit?: number): Promise<T[]> {
		const entities: T[] = [];
		let next: { path: string; qs: IDataObject } | undefined = { path, qs: { ...qs, $top: pageSize(limit) } };
		while (next && (limit === undefined || entities.length < limit)) {
			const page: { value?: T[]; '@odata.nextLink'?: string } = await this.call({ method: 'GET', ...next }, context);
			const values = page.value ?? [];
			entities.push(...values);
			const top: number = Number(next.qs.$top);
			next = page['@odata.nextLink']
				? this.sameOriginPage(page['@odata.nextLink'], context)
				: values.length === top
					? { path, qs: { ...next.qs, $skip: Number(next.qs.$skip ?? 0) + values.length } }
					: undefined;
		}
		return limit === undefined ? entities : entities.slice(0, limit);
	}

	private sameOriginPage(nextLink: string, context: CallContext): { path: string; qs: IDataObject } {
		const url = URL.canParse(nextLink) ? new URL(nextLink) : undefined;
		if (!url || url.origin !== new URL(this.cloud.apiBaseUrl).origin) {
			throw operationError(this.node, context.itemIndex, `Defender returned a next-page link to another host while trying to ${context.what}; paging stopped`);
		}
		return { path: url.pathname, qs: Object.fromEntries(url.searchParams) };
	}

	/** Waits before the next retry, or throws when the item's retry budget cannot cover it. */
	async backoff(context: CallContext, retryAfterMs: number | undefined, giveUpMessage: string): Promise<void> {
		const { budget, itemIndex, what } = context;
		const decision = planRetry(budget.retries + 1, budget.waitedMs, budget.policy, retryAfterMs);
		if (!decision.retry) {
			const retryAt = new Date(this.clock.now() + decision.delayMs).toISOString();
			const limit =
				decision.reason === 'attempts'
					? `after ${budget.policy.maxRetries} retries`
					: `within the Max Wait of ${Math.round(budget.policy.maxTotalWaitMs / 1000)} s`;
			throw operationError(
				this.node,
				itemIndex,
				`${giveUpMessage} ${limit} while trying to ${what}; retry after ${retryAt}`,
				'Raise "Max Retries" or "Max Wait" in the node options, or run the workflow again later.',
			);
		}
		budget.retries++;
		await this.pause(decision.delayMs, budget);
	}

	/** Waits for the call's slot under Defender's quota and returns it. */
	private async waitForRateLimit(context: CallContext): Promise<number> {
		const { budget, itemIndex, what } = context;
		const now = this.clock.now();
		const reservation = this.limiter.reserve(now, budget.remainingMs);
		if (!reservation.granted) {
			const retryAt = new Date(reservation.availableAtMs).toISOString();
			throw operationError(
				this.node,
				itemIndex,
				`Rate limit budget exhausted: Defender allows this app 100 calls a minute and 1,500 an hour, and the next free slot is beyond the Max Wait of ${Math.round(budget.policy.maxTotalWaitMs / 1000)} s; retry after ${retryAt}`,
				`Nothing was sent to ${what}. Re-run the failed items after ${retryAt}, or raise "Max Wait" in the node options.`,
			);
		}
		await this.pause(reservation.atMs - now, budget);
		return reservation.atMs;
	}

	private async pause(ms: number, budget: RetryBudget): Promise<void> {
		await this.sleep(ms);
		budget.waitedMs += Math.max(0, ms);
	}

	/** Sleeps unless the execution is cancelled, which ends the wait at once. */
	async sleep(ms: number): Promise<void> {
		if (ms > 0) await this.clock.sleep(ms, this.cancelSignal);
	}

	private async send(call: ApiCall, context: CallContext): Promise<Outcome> {
		const postLike = call.method !== 'GET';
		let response: IN8nHttpFullResponse;
		try {
			response = (await this.context.helpers.httpRequestWithAuthentication.call(this.context, CREDENTIAL_TYPE, {
				method: call.method,
				baseURL: this.cloud.apiBaseUrl,
				url: call.path,
				qs: call.qs,
				body: call.body,
				json: true,
				returnFullResponse: true,
				// Everything but 401 comes back as a response; n8n handles 401 by fetching a new token once.
				ignoreHttpStatusErrors: { ignore: true, except: [401] },
				disableFollowRedirect: true,
				timeout: this.timeoutMs,
			})) as IN8nHttpFullResponse;
		} catch (error) {
			return this.classifyThrown(error, postLike, context);
		}
		const { statusCode } = response;
		const body = response.body as unknown;
		if (statusCode >= 200 && statusCode < 300) {
			if (typeof body === 'object' && body !== null) return { kind: 'ok', body: body as IDataObject };
			const reason = `HTTP ${statusCode} with a body that is not JSON`;
			return postLike ? { kind: 'ambiguous', reason } : { kind: 'transient', reason };
		}
		if (call.tolerate?.includes(statusCode)) return { kind: 'tolerated', status: statusCode };
		const error = readErrorBody(body);
		if (statusCode === 429) {
			return { kind: 'throttled', retryAfterMs: parseRetryAfter(response.headers?.['retry-after'] as string, this.clock.now()) };
		}
		if (isTransientStatus(statusCode)) {
			return { kind: 'transient', reason: `HTTP ${statusCode}${error.code ? ` ${error.code}` : ''}` };
		}
		if (isActionInProgress(statusCode, error.code, error.message)) {
			return { kind: 'inProgress', message: error.message ?? 'Action is already in progress' };
		}
		return { kind: 'failed', error: apiError(this.node, context.itemIndex, { status: statusCode, error, ...context }) };
	}

	/** Sorts what n8n's request helper threw. Never passes the raw error on: it carries headers and the token form. */
	private classifyThrown(thrown: unknown, postLike: boolean, context: CallContext): Outcome {
		if (this.cancelSignal?.aborted) {
			return { kind: 'failed', error: operationError(this.node, context.itemIndex, 'The execution was cancelled') };
		}
		const facts = inspectError(thrown);
		if (facts.tokenFailure) {
			if (facts.transport || (facts.status ?? 0) >= 500) {
				return { kind: 'transient', reason: 'the token endpoint did not answer' };
			}
			return {
				kind: 'failed',
				error: operationError(
					this.node,
					context.itemIndex,
					`Could not get an access token for Defender for Endpoint: ${facts.tokenDescription ?? 'the token endpoint refused the credential'}`,
					'Check the credential’s tenant ID, client ID, client secret (the secret value, not its ID) and cloud.',
				),
			};
		}
		if (facts.status !== undefined) {
			return {
				kind: 'failed',
				error: apiError(this.node, context.itemIndex, { status: facts.status, error: readErrorBody(facts.body), ...context }),
			};
		}
		const reason = facts.transport ? `connection problem: ${facts.transport}` : 'no response';
		return postLike ? { kind: 'ambiguous', reason } : { kind: 'transient', reason };
	}
}

/** Defender's largest page is 10,000 entities. */
const MAX_PAGE_SIZE = 10_000;

function pageSize(limit: number | undefined): number {
	return Math.min(MAX_PAGE_SIZE, Math.max(1, limit ?? MAX_PAGE_SIZE));
}

interface ErrorFacts {
	status?: number;
	body?: unknown;
	transport?: string;
	tokenFailure: boolean;
	tokenDescription?: string;
}

const TRANSPORT_CODES = new Set([
	'ECONNABORTED',
	'ECONNREFUSED',
	'ECONNRESET',
	'EPIPE',
	'ETIMEDOUT',
	'ERR_SOCKET_CONNECTION_TIMEOUT',
	'UND_ERR_SOCKET',
]);

/** Walks an error's cause chain for the few facts we need (status, response body, network code, token failure). */
function inspectError(thrown: unknown): ErrorFacts {
	const facts: ErrorFacts = { tokenFailure: false };
	const seen = new Set<unknown>();
	let current: unknown = thrown;
	while (typeof current === 'object' && current !== null && !seen.has(current)) {
		seen.add(current);
		const error = current as {
			message?: unknown;
			code?: unknown;
			response?: { status?: unknown; data?: unknown };
			body?: { error_description?: unknown };
			cause?: unknown;
		};
		if (typeof error.message === 'string' && error.message.startsWith('Failed to acquire OAuth2 access token')) {
			facts.tokenFailure = true;
		}
		if (typeof error.body?.error_description === 'string') {
			facts.tokenDescription = error.body.error_description.split(/\r?\n/)[0];
		}
		if (facts.status === undefined && typeof error.response?.status === 'number') {
			facts.status = error.response.status;
			facts.body = error.response.data;
		}
		if (facts.transport === undefined && typeof error.code === 'string' && TRANSPORT_CODES.has(error.code)) {
			facts.transport = error.code;
		}
		current = error.cause;
	}
	return facts;
}
