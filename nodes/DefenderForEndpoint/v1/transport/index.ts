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
import { redact, type Secret } from '../../lib/redact';
import { ServerClock } from '../../lib/serverClock';
import { RateLimiterRegistry, type SlidingWindowRateLimiter } from '../../lib/rateLimiter';
import {
	isActionInProgress,
	isTransientStatus,
	parseRetryAfter,
	planRetry,
	planThrottleWait,
	type RetryPolicy,
} from '../../lib/retryPolicy';
import {
	apiError,
	describeEntraError,
	describeRateLimitWait,
	operationError,
	readErrorBody,
	reconnectError,
	type Permission,
	type ReconnectReason,
	type SignIn,
} from './errors';

/** The credential type for each choice of the node's Authentication parameter. */
export const CREDENTIAL_TYPES: Record<SignIn, string> = {
	application: 'defenderForEndpointOAuth2Api',
	delegated: 'defenderForEndpointDelegatedOAuth2Api',
};

/** The node's Authentication parameter; workflows saved before it existed (no value) sign in as the application. */
function signInOf(context: ExecutionContext): SignIn {
	return context.getNode().parameters.authentication === 'delegated' ? 'delegated' : 'application';
}

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

/**
 * Shared by every execution in this n8n process: Defender's quota is per tenant and application. Exported so that a
 * status display (the demo's) can ask a limiter why the next call waits (nextSlot).
 */
export const rateLimiters = new RateLimiterRegistry();

/** Defender's clock as seen from this process, per API host (the clocks of our host and Defender's differ). */
const serverClocks = new Map<string, ServerClock>();

function serverClockFor(apiBaseUrl: string): ServerClock {
	let serverClock = serverClocks.get(apiBaseUrl);
	if (!serverClock) {
		serverClock = new ServerClock();
		serverClocks.set(apiBaseUrl, serverClock);
	}
	return serverClock;
}

/**
 * Per credential, the first request of this process that fetches a token, while it is under way. n8n fetches a
 * token for every request made while the credential holds none, so executions starting together (a queue-mode
 * worker picks up several at once) wait for this one and then use the token n8n stored.
 */
const firstTokenRequests = new Map<string, Promise<void>>();

/** What a timed-out call resolves to: n8n's OAuth2 client gives the token request five minutes, we give it Timeout. */
const TIMED_OUT = Symbol('timed out');

/**
 * How a call settled, short of a failure (failures throw NodeApiError / NodeOperationError):
 * - inProgress: Defender refused because another action on the device has not finished (400 ActiveRequestAlreadyExists);
 * - ambiguous: a POST whose answer never arrived (lost connection, timeout, unreadable 2xx): it may have been applied;
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
}

type Outcome =
	| Answer<IDataObject>
	| { kind: 'throttled'; retryAfterMs?: number }
	| { kind: 'transient'; reason: string; retryAfterMs?: number }
	| { kind: 'failed'; error: Error };

type ExecutionContext = IExecuteFunctions | ILoadOptionsFunctions;

export class DefenderClient {
	readonly serverClock: ServerClock;

	/**
	 * Set once n8n has said the delegated sign-in must be reconnected: later calls of the run fail at once instead of
	 * each spending an API call and a refused refresh (only the user can fix it).
	 */
	private reconnectNeeded: ReconnectReason | undefined;

	private constructor(
		private readonly context: ExecutionContext,
		readonly cloud: ResolvedCloud,
		private readonly limiter: SlidingWindowRateLimiter,
		readonly timeoutMs: number,
		readonly clock: Clock,
		private readonly secrets: Secret[],
		readonly signIn: SignIn,
		/** False while the credential may hold no token yet (see firstTokenRequests). */
		private hasToken: boolean,
	) {
		this.serverClock = serverClockFor(cloud.apiBaseUrl);
	}

	/** Validates the credential's cloud settings before anything is sent. */
	static async create(context: ExecutionContext, timeoutMs: number) {
		const signIn = signInOf(context);
		const credentials = await context.getCredentials(CREDENTIAL_TYPES[signIn]);
		const token = credentials.oauthTokenData as { access_token?: unknown; refresh_token?: unknown } | undefined;
		const secrets: Secret[] = [
			{ label: 'client secret', value: credentials.clientSecret },
			{ label: 'client ID', value: credentials.clientId },
			{ label: 'access token', value: token?.access_token },
			{ label: 'refresh token', value: token?.refresh_token },
		];
		let cloud: ResolvedCloud;
		try {
			cloud = resolveCloud(credentials as Parameters<typeof resolveCloud>[0]);
		} catch (error) {
			throw operationError(context.getNode(), 0, redact(`Credential problem: ${(error as Error).message}`, secrets));
		}
		const limiter = rateLimiters.forClient(cloud.tenantId, cloud.clientId);
		const hasToken = typeof token?.access_token === 'string' && token.access_token !== '';
		return new DefenderClient(context, cloud, limiter, timeoutMs, clock, secrets, signIn, hasToken);
	}

	/**
	 * Text the node shows, with every credential value and anything shaped like a bearer token replaced: Entra echoes
	 * a client ID (a swapped secret) and proxies echo request headers.
	 */
	redact(text: string): string {
		return redact(text, this.secrets)
			.replace(/\bBearer\s+[\w.~+/=-]+/gi, 'Bearer [access token]')
			.replace(/\beyJ[\w-]*\.[\w-]*\.[\w-]*/g, '[access token]');
	}

	/** Whether the execution was cancelled (always false in the editor's list searches). */
	get cancelled(): boolean {
		return this.cancelSignal?.aborted === true;
	}

	/**
	 * Who the calls are made as: the API host, tenant and app, and for delegated sign-in the credential (the signed-in
	 * user sees only their device groups). What one execution learns of the tenant may serve another with this key.
	 */
	get identity(): string {
		const user = this.signIn === 'delegated' ? (this.credentialId ?? '') : '';
		return [this.cloud.apiBaseUrl, this.cloud.tenantId, this.cloud.clientId, this.signIn, user].join('|');
	}

	private get credentialType(): string {
		return CREDENTIAL_TYPES[this.signIn];
	}

	/** The ID of the n8n credential the node uses (n8n stores its token with it). */
	private get credentialId(): string | undefined {
		return this.node.credentials?.[this.credentialType]?.id ?? undefined;
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
		const detail =
			answer.kind === 'ambiguous' ? answer.reason : answer.kind === 'inProgress' ? answer.message : `HTTP ${answer.status}`;
		throw operationError(this.node, context.itemIndex, `Defender for Endpoint gave no usable answer while trying to ${context.what}: ${detail}`);
	}

	/**
	 * One API call with the rate limiter, retries (429, 5xx, and for GET lost connections) and error mapping.
	 * Answers what only the caller can resolve; throws NodeApiError / NodeOperationError for everything else.
	 */
	async request<T = IDataObject>(call: ApiCall, context: CallContext): Promise<Answer<T>> {
		if (this.reconnectNeeded) throw reconnectError(this.node, context.itemIndex, this.reconnectNeeded, context.what);
		for (;;) {
			const bookedAtMs = await this.waitForRateLimit(context);
			const outcome = await this.send(call, context);
			this.limiter.settle(bookedAtMs, this.clock.now(), outcome.kind !== 'throttled');
			switch (outcome.kind) {
				case 'throttled':
					await this.waitOutThrottling(context, outcome.retryAfterMs);
					break;
				case 'transient':
					await this.backoff(context, outcome.retryAfterMs, `Defender kept failing (${outcome.reason})`);
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

	/**
	 * Defender throttled the call (429): a request to wait, not a failure. The item waits Retry-After plus jitter (so
	 * that workers told the same wait do not return together) as often as Defender asks, within its Max Wait; the
	 * process's limiter pauses as long, and lowers its share of the quota only when throttling persists (SHARE).
	 */
	private async waitOutThrottling(context: CallContext, retryAfterMs: number | undefined): Promise<void> {
		const { budget, itemIndex, what } = context;
		const decision = planThrottleWait(budget.throttles + 1, budget.waitedMs, budget.policy, retryAfterMs);
		const now = this.clock.now();
		this.limiter.throttled(now, now + decision.delayMs);
		if (!decision.wait) {
			const retryAt = new Date(now + decision.delayMs).toISOString();
			const answers = budget.throttles + 1;
			throw operationError(
				this.node,
				itemIndex,
				`Defender kept answering HTTP 429 Too Many Requests (${answers} answer${answers === 1 ? '' : 's'}) and the next wait goes beyond the Max Wait of ${Math.round(budget.policy.maxTotalWaitMs / 1000)} s while trying to ${what}; retry after ${retryAt}`,
				'Another client uses this app registration’s quota too. Raise "Max Wait" in the node options (throttling answers do not count against Max Retries), or run the workflow again later.',
			);
		}
		budget.throttles++;
		await this.pause(decision.delayMs, budget);
	}

	/** Waits for the call's slot under Defender's quota and returns it. */
	private async waitForRateLimit(context: CallContext): Promise<number> {
		const { budget, itemIndex, what } = context;
		for (;;) {
			const now = this.clock.now();
			const reservation = this.limiter.reserve(now, budget.remainingMs);
			if (!reservation.granted) {
				const retryAt = new Date(reservation.availableAtMs).toISOString();
				const why = describeRateLimitWait(this.limiter.nextSlot(now).wait);
				throw operationError(
					this.node,
					itemIndex,
					`Rate limit budget exhausted: Defender allows this app 100 calls a minute and 1,500 an hour, and the next free slot is beyond the Max Wait of ${Math.round(budget.policy.maxTotalWaitMs / 1000)} s (${why}); retry after ${retryAt}`,
					`Nothing was sent to ${what}. Re-run the failed items after ${retryAt}, or raise "Max Wait" in the node options.`,
				);
			}
			await this.pause(reservation.atMs - now, budget);
			// Defender throttled the app while this call waited for its slot: book again under the new share.
			if (this.limiter.confirm(reservation)) return reservation.atMs;
		}
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
		const tokenFetched = await this.takeTokenTurn();
		const sentAtMs = this.clock.now();
		let response: IN8nHttpFullResponse | typeof TIMED_OUT;
		try {
			response = await this.withDeadline(
				this.context.helpers.httpRequestWithAuthentication.call(this.context, this.credentialType, {
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
				}) as Promise<IN8nHttpFullResponse>,
			);
		} catch (error) {
			return this.classifyThrown(error, postLike, context);
		} finally {
			tokenFetched?.();
		}
		if (response === TIMED_OUT) {
			const reason = `no answer within ${2 * Math.round(this.timeoutMs / 1000)} s (token request and call)`;
			return postLike ? { kind: 'ambiguous', reason } : { kind: 'transient', reason };
		}
		const { statusCode } = response;
		this.serverClock.observe(sentAtMs, this.clock.now(), response.headers?.date);
		const body = response.body as unknown;
		if (statusCode >= 200 && statusCode < 300) {
			if (typeof body === 'object' && body !== null) return { kind: 'ok', body: body as IDataObject, status: statusCode };
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
		return { kind: 'failed', error: apiError(this.node, context.itemIndex, { status: statusCode, error, signIn: this.signIn, ...context }) };
	}

	/**
	 * While the credential may hold no token, one request of this process at a time fetches it: the first goes (and
	 * gets a function to call when it is answered), the others wait for it, outside their deadline, then go with the
	 * token n8n stored.
	 */
	private async takeTokenTurn(): Promise<(() => void) | undefined> {
		if (this.hasToken) return undefined;
		const key = this.credentialId ?? `${this.cloud.tenantId}|${this.cloud.clientId}`;
		const pending = firstTokenRequests.get(key);
		if (pending) {
			await pending;
			this.hasToken = true;
			return undefined;
		}
		let answered = () => {};
		firstTokenRequests.set(key, new Promise<void>((resolve) => (answered = resolve)));
		return () => {
			firstTokenRequests.delete(key);
			this.hasToken = true;
			answered();
		};
	}

	/**
	 * The call, or TIMED_OUT after twice the Timeout: n8n applies Timeout to the API request but gives a token request
	 * made on the way five minutes. A call cut short this way is treated like a lost answer.
	 */
	private async withDeadline<T>(request: Promise<T>): Promise<T | typeof TIMED_OUT> {
		const timer = new AbortController();
		// The call may still settle after the deadline: nobody waits for it then.
		request.catch(() => undefined);
		const timedOut = (): typeof TIMED_OUT => TIMED_OUT;
		const deadline = sleep(2 * this.timeoutMs, timer.signal).then(timedOut, timedOut);
		try {
			return await Promise.race([request, deadline]);
		} finally {
			timer.abort();
		}
	}

	/** Sorts what n8n's request helper threw. Never passes the raw error on: it carries headers and the token form. */
	private classifyThrown(thrown: unknown, postLike: boolean, context: CallContext): Outcome {
		const facts = inspectError(thrown, this.cloud.tokenUrl);
		if (this.cancelled) {
			const message = postLike && !facts.token
				? `The execution was cancelled while trying to ${context.what}: the outcome is unknown, the request may have reached Defender`
				: `The execution was cancelled while trying to ${context.what}`;
			return { kind: 'failed', error: operationError(this.node, context.itemIndex, message) };
		}
		if (facts.reconnect) {
			// n8n could not renew the signed-in user's token (or never had one): no API call went through.
			this.reconnectNeeded = facts.reconnect;
			return { kind: 'failed', error: reconnectError(this.node, context.itemIndex, facts.reconnect, context.what) };
		}
		if (facts.token) {
			// The API call was not sent (first token) or was refused with 401 (refresh): a token failure never leaves an
			// action behind.
			const { status, transport, entraError, entraDescription } = facts.token;
			if (transport || status === 429 || (status ?? 0) >= 500 || entraError === 'temporarily_unavailable') {
				const why = transport ? transport : status ? `HTTP ${status}` : entraError;
				return {
					kind: 'transient',
					reason: `the token endpoint did not give a token (${why})`,
					retryAfterMs: parseRetryAfter(facts.token.retryAfter, this.clock.now()),
				};
			}
			return {
				kind: 'failed',
				error: operationError(
					this.node,
					context.itemIndex,
					this.redact(`Could not get an access token for Defender for Endpoint: ${describeEntraError(entraDescription ?? (status ? `HTTP ${status}` : undefined))}`),
					`Nothing was sent to ${context.what}. Check the credential’s cloud, tenant ID, client ID and client secret (the secret value, not its ID)${
						this.signIn === 'delegated' ? '; if the sign-in itself was refused, open the credential and reconnect it' : ''
					}.`,
				),
			};
		}
		if (facts.status !== undefined) {
			return {
				kind: 'failed',
				error: apiError(this.node, context.itemIndex, { status: facts.status, error: readErrorBody(facts.body), signIn: this.signIn, ...context }),
			};
		}
		const reason = facts.transport ?? 'no response';
		return postLike ? { kind: 'ambiguous', reason } : { kind: 'transient', reason };
	}
}

/** Defender's largest page is 10,000 entities. */
const MAX_PAGE_SIZE = 10_000;

function pageSize(limit: number | undefined): number {
	return Math.min(MAX_PAGE_SIZE, Math.max(1, limit ?? MAX_PAGE_SIZE));
}

interface TokenFailure {
	status?: number;
	transport?: string;
	retryAfter?: string;
	/** The OAuth2 error (e.g. invalid_client) and Entra's description (AADSTS…). */
	entraError?: string;
	entraDescription?: string;
}

interface ErrorFacts {
	status?: number;
	body?: unknown;
	transport?: string;
	/** Set when the failure came from the token endpoint, not from Defender's API. */
	token?: TokenFailure;
	/** Set when n8n says the signed-in user's sign-in must be renewed (see RECONNECT_MESSAGES). */
	reconnect?: ReconnectReason;
}

/**
 * What n8n's OAuth2 client throws when a delegated sign-in cannot be used: the refresh token was refused with
 * invalid_grant (expired, revoked, password changed: AADSTS700082, 50173, 70008 …; n8n keeps Entra's text to
 * itself), the credential was never connected, or the sign-in came without a refresh token (no offline_access).
 */
const RECONNECT_MESSAGES: Array<[RegExp, ReconnectReason]> = [
	[/needs to be reconnected/, 'revoked'],
	[/^OAuth credentials not connected/, 'notConnected'],
	[/no refresh token is available/, 'noRefreshToken'],
];

/**
 * Network failures, in words: n8n replaces a whole error message that contains one of these codes with its own
 * generic text, which would hide what the node knows (e.g. that a POST may have landed).
 */
const TRANSPORT_CODES: Record<string, string> = {
	ECONNABORTED: 'connection aborted',
	ECONNREFUSED: 'connection refused',
	ECONNRESET: 'connection reset',
	EPIPE: 'connection broken',
	ETIMEDOUT: 'connection timed out',
	ENOTFOUND: 'host name not found',
	EAI_AGAIN: 'DNS lookup failed',
	ERR_SOCKET_CONNECTION_TIMEOUT: 'connection timed out',
	UND_ERR_SOCKET: 'connection broken',
};

interface ThrownShape {
	message?: unknown;
	code?: unknown;
	status?: unknown;
	config?: { url?: unknown };
	response?: { status?: unknown; data?: unknown; headers?: Record<string, unknown> };
	body?: unknown;
	cause?: unknown;
}

/**
 * Walks an error's cause chain for the few facts we need. Token-endpoint failures are recognised by what n8n's OAuth2
 * client throws: "Failed to acquire OAuth2 access token" (first token), AuthError (EAUTH, an OAuth2 error body),
 * ResponseError (ESTATUS) and axios errors for the token URL (the refresh after a 401).
 */
function inspectError(thrown: unknown, tokenUrl: string): ErrorFacts {
	const facts: ErrorFacts = {};
	const chain: ThrownShape[] = [];
	for (let current = thrown; typeof current === 'object' && current !== null && !chain.includes(current as ThrownShape); ) {
		chain.push(current as ThrownShape);
		current = (current as ThrownShape).cause;
	}
	const fromTokenEndpoint = chain.some(
		(error) =>
			(typeof error.message === 'string' &&
				(error.message.startsWith('Failed to acquire OAuth2 access token') ||
					error.message.startsWith('Expected JSON response from OAuth2 token endpoint'))) ||
			error.code === 'EAUTH' ||
			error.code === 'ESTATUS' ||
			(typeof error.config?.url === 'string' && error.config.url.split('?')[0] === tokenUrl),
	);
	for (const error of chain) {
		const message = typeof error.message === 'string' ? error.message : '';
		facts.reconnect ??= RECONNECT_MESSAGES.find(([pattern]) => pattern.test(message))?.[1];
		const status = typeof error.response?.status === 'number' ? error.response.status : typeof error.status === 'number' ? error.status : undefined;
		if (facts.status === undefined && status !== undefined) {
			facts.status = status;
			facts.body = error.response?.data ?? error.body;
		}
		if (facts.transport === undefined && typeof error.code === 'string' && Object.hasOwn(TRANSPORT_CODES, error.code)) {
			facts.transport = TRANSPORT_CODES[error.code];
		}
		if (fromTokenEndpoint) {
			facts.token ??= {};
			const body = typeof error.body === 'object' && error.body !== null ? (error.body as Record<string, unknown>) : undefined;
			if (typeof body?.error === 'string') facts.token.entraError ??= body.error;
			if (typeof body?.error_description === 'string') facts.token.entraDescription ??= body.error_description;
			const retryAfter = error.response?.headers?.['retry-after'];
			if (typeof retryAfter === 'string') facts.token.retryAfter ??= retryAfter;
		}
	}
	if (facts.token) {
		facts.token.status = facts.status;
		facts.token.transport = facts.transport;
	}
	return facts;
}
