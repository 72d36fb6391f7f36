import type { IDataObject, IN8nHttpFullResponse, INode } from 'n8n-workflow';

import type { ResolvedCloud } from '../../lib/clouds';
import type { SlidingWindowRateLimiter } from '../../lib/rateLimiter';
import { redact, redactDeep, type Secret } from '../../lib/redact';
import type { ServerClock } from '../../lib/serverClock';
import type { Answer, ApiCall, CallContext, ExecutionContext, SendResult } from './call';
import { CREDENTIAL_TYPES, readCredential, secretsOf } from './credential';
import { operationError, reconnectError, type ReconnectReason, type SignIn } from './errors';
import { classifyAnswer, classifyThrown, inspectError } from './failures';
import { Pacer } from './pacing';
import { listEntities } from './paging';
import { withDeadline, TIMED_OUT } from './deadline';
import { firstTokenTurn, serverClockFor } from './processState';
import { processRuntime, type Clock, type Runtime } from './runtime';

export class DefenderClient {
	readonly serverClock: ServerClock;

	private readonly pacer: Pacer;

	/**
	 * Set once n8n has said the delegated sign-in must be reconnected: later calls of the run fail at
	 * once instead of each spending an API call and a refused refresh (only the user can fix it).
	 */
	private reconnectNeeded: ReconnectReason | undefined;

	private constructor(
		private readonly context: ExecutionContext,
		readonly cloud: ResolvedCloud,
		limiter: SlidingWindowRateLimiter,
		readonly timeoutMs: number,
		readonly clock: Clock,
		private readonly secrets: Secret[],
		readonly signIn: SignIn,
		/** False while the credential may hold no token yet (see firstTokenRequests). */
		private hasToken: boolean,
	) {
		this.serverClock = serverClockFor(cloud.apiBaseUrl);
		this.pacer = new Pacer(
			limiter,
			clock,
			() => this.node,
			async (ms) => await this.sleep(ms),
		);
	}

	/** Validates the credential's cloud settings before anything is sent. */
	static async create(
		context: ExecutionContext,
		timeoutMs: number,
		runtime: Runtime = processRuntime,
	) {
		const { signIn, cloud, secrets, hasToken } = await readCredential(context);
		const limiter = runtime.rateLimiters.forClient(cloud.tenantId, cloud.clientId);
		return new DefenderClient(
			context,
			cloud,
			limiter,
			timeoutMs,
			runtime.clock,
			secrets,
			signIn,
			hasToken,
		);
	}

	/**
	 * Text the node shows, with every credential value and anything shaped like a bearer token
	 * replaced: Entra echoes a client ID (a swapped secret) and proxies echo request headers.
	 */
	redact(text: string): string {
		return redact(text, this.secrets);
	}

	/** Redacts every text field of a value in place (an error, its cause, the raw answer it carries) */
	redactAll<T>(value: T): T {
		return redactDeep(value, (text) => this.redact(text));
	}

	/**
	 * Learns the credential's values again: n8n may have fetched or renewed the token since the run
	 * started, and an answer may echo the new one. The values known before stay known.
	 */
	async refreshSecrets(): Promise<void> {
		try {
			const credentials = await this.context.getCredentials(this.credentialType);
			const known = new Set(this.secrets.map((secret) => secret.value));
			this.secrets.push(...secretsOf(credentials).filter((secret) => !known.has(secret.value)));
		} catch {
			// The credential cannot be read now: the values known so far are still redacted.
		}
	}

	/** Whether the execution was cancelled (always false in the editor's list searches). */
	get cancelled(): boolean {
		return this.cancelSignal?.aborted === true;
	}

	/**
	 * Who the calls are made as: the API host, tenant and app, and for delegated sign-in the
	 * credential (the signed-in user sees only their device groups). What one execution learns of the
	 * tenant may serve another with this key.
	 */
	get identity(): string {
		const { apiBaseUrl, tenantId, clientId } = this.cloud;
		const user = this.signIn === 'delegated' ? (this.credentialId ?? '') : '';
		return [apiBaseUrl, tenantId, clientId, this.signIn, user].join('|');
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
		return 'getExecutionCancelSignal' in this.context
			? this.context.getExecutionCancelSignal()
			: undefined;
	}

	/** One API call that must succeed: anything but a 2xx answer is an error for the item. */
	async call<T = IDataObject>(call: ApiCall, context: CallContext): Promise<T> {
		const answer = await this.request<T>(call, context);
		if (answer.kind === 'ok') return answer.body;
		const detail =
			answer.kind === 'ambiguous'
				? answer.reason
				: answer.kind === 'inProgress'
					? answer.message
					: `HTTP ${answer.status}`;
		throw operationError(
			this.node,
			context.itemIndex,
			`Defender for Endpoint gave no usable answer while trying to ${context.what}: ${detail}`,
		);
	}

	/**
	 * One API call with the rate limiter, retries (429, 5xx, and for GET lost connections) and error
	 * mapping. Answers what only the caller can resolve; throws NodeApiError / NodeOperationError for
	 * everything else.
	 */
	async request<T = IDataObject>(call: ApiCall, context: CallContext): Promise<Answer<T>> {
		if (this.reconnectNeeded)
			throw reconnectError(this.node, context.itemIndex, this.reconnectNeeded, context.what);
		for (;;) {
			const bookedAtMs = await this.pacer.slot(context);
			const outcome = await this.send(call, context);
			this.pacer.settle(bookedAtMs, outcome.kind !== 'throttled');
			switch (outcome.kind) {
				case 'throttled':
					await this.pacer.waitOutThrottling(context, outcome.retryAfterMs);
					break;
				case 'transient':
					await this.pacer.backoff(
						context,
						outcome.retryAfterMs,
						`Defender kept failing (${outcome.reason})`,
					);
					break;
				case 'failed':
					throw outcome.error;
				default:
					return outcome as Answer<T>;
			}
		}
	}

	/**
	 * Every entity of a collection, or the first `limit`, following Defender's paging (see
	 * paging.ts).
	 */
	async list<T = IDataObject>(
		path: string,
		qs: IDataObject,
		context: CallContext,
		limit?: number,
	): Promise<T[]> {
		return await listEntities<T>(this, path, qs, context, limit);
	}

	/**
	 * Waits before the next retry, or throws when the item's retry budget cannot cover it
	 * (pacing.ts).
	 */
	async backoff(context: CallContext, retryAfterMs: number | undefined, giveUpMessage: string) {
		await this.pacer.backoff(context, retryAfterMs, giveUpMessage);
	}

	/** Sleeps unless the execution is cancelled, which ends the wait at once. */
	async sleep(ms: number): Promise<void> {
		if (ms > 0) await this.clock.sleep(ms, this.cancelSignal);
	}

	private async send(call: ApiCall, context: CallContext): Promise<SendResult> {
		const postLike = call.method !== 'GET';
		const tokenFetched = await this.takeTokenTurn();
		const sentAtMs = this.clock.now();
		call.onSent?.();
		let response: IN8nHttpFullResponse | typeof TIMED_OUT;
		try {
			response = await withDeadline(
				this.context.helpers.httpRequestWithAuthentication.call(this.context, this.credentialType, {
					method: call.method,
					baseURL: this.cloud.apiBaseUrl,
					url: call.path,
					qs: call.qs,
					body: call.body,
					json: true,
					returnFullResponse: true,
					// Everything but 401 comes back as a response; n8n handles 401 by fetching a new token
					// once.
					ignoreHttpStatusErrors: { ignore: true, except: [401] },
					disableFollowRedirect: true,
					timeout: this.timeoutMs,
				}) as Promise<IN8nHttpFullResponse>,
				// A call and the token request made on its way get twice the Timeout together.
				2 * this.timeoutMs,
			);
		} catch (error) {
			const facts = inspectError(error, this.cloud.tokenUrl);
			// An HTTP answer, or a token failure (the API call never went): the request's fate is known.
			if (facts.status !== undefined || facts.token || facts.reconnect) call.onAnswered?.();
			if (!this.cancelled && facts.reconnect) this.reconnectNeeded = facts.reconnect;
			return classifyThrown(facts, postLike, context, this.failureView());
		} finally {
			tokenFetched?.();
		}
		if (response === TIMED_OUT) {
			const reason = `no answer within ${2 * Math.round(this.timeoutMs / 1000)} s (token request and call)`;
			return postLike ? { kind: 'ambiguous', reason } : { kind: 'transient', reason };
		}
		call.onAnswered?.();
		return await this.classified(response, sentAtMs, call, context);
	}

	/** Sorts Defender's HTTP answer (failures.ts), with the credential read again when its text will be shown. */
	private async classified(
		response: IN8nHttpFullResponse,
		sentAtMs: number,
		call: ApiCall,
		context: CallContext,
	): Promise<SendResult> {
		const { statusCode, headers } = response;
		this.serverClock.observe(sentAtMs, this.clock.now(), headers?.date);
		const answer = {
			statusCode,
			body: response.body as unknown,
			retryAfter: headers?.['retry-after'] as string | undefined,
		};
		const result = classifyAnswer(answer, call, context, this.failureView());
		if (result.kind !== 'failed' && result.kind !== 'inProgress') return result;
		// Its text will be shown: read the credential again first (a token fetched during the run is known
		// then). Only then: a 429 must reach the limiter at once, before other calls of the process go out.
		await this.refreshSecrets();
		return classifyAnswer(answer, call, context, this.failureView());
	}

	/** What failure classification needs of this client, at this moment. */
	private failureView() {
		return {
			node: this.node,
			signIn: this.signIn,
			cancelled: this.cancelled,
			nowMs: this.clock.now(),
			redact: (text: string) => this.redact(text),
			redactAll: <T>(value: T) => this.redactAll(value),
		};
	}

	/**
	 * While the credential may hold no token, one request of this process at a time fetches it
	 * (processState.ts).
	 */
	private async takeTokenTurn(): Promise<(() => void) | undefined> {
		if (this.hasToken) return undefined;
		const fetched = await firstTokenTurn(
			this.credentialId ?? `${this.cloud.tenantId}|${this.cloud.clientId}`,
		);
		if (!fetched) this.hasToken = true;
		return (
			fetched &&
			(() => {
				this.hasToken = true;
				fetched();
			})
		);
	}
}
