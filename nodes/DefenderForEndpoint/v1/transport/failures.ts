import type { IDataObject, INode } from 'n8n-workflow';

import { isActionInProgress, isTransientStatus, parseRetryAfter } from '../../lib/retryPolicy';
import type { ApiCall, CallContext, SendResult } from './call';
import { unreadableAnswer } from './paging';
import {
	apiError,
	describeEntraError,
	operationError,
	readErrorBody,
	reconnectError,
	type ReconnectReason,
	type SignIn,
} from './errors';

/** What classifying a failure needs to know of the client. */
export interface FailureView {
	node: INode;
	signIn: SignIn;
	cancelled: boolean;
	nowMs: number;
	redact(text: string): string;
	redactAll<T>(value: T): T;
}

/**
 * Sorts an HTTP answer: usable, tolerated by the caller, throttled, transient, "already in
 * progress", or a failure.
 */
export function classifyAnswer(
	answer: { statusCode: number; body: unknown; retryAfter?: string },
	call: ApiCall,
	context: CallContext,
	client: FailureView,
): SendResult {
	const { statusCode, body } = answer;
	const postLike = call.method !== 'GET';
	if (statusCode >= 200 && statusCode < 300) {
		const unreadable = unreadableAnswer(body, call.page === true);
		if (!unreadable) return { kind: 'ok', body: body as IDataObject, status: statusCode };
		const reason = `HTTP ${statusCode} with ${unreadable}`;
		return postLike ? { kind: 'ambiguous', reason } : { kind: 'transient', reason };
	}
	if (call.tolerate?.includes(statusCode)) return { kind: 'tolerated', status: statusCode };
	// An answer may echo the request's headers: redacted whole before it is shortened into a message.
	const error = readErrorBody(client.redactAll(body));
	if (statusCode === 429)
		return { kind: 'throttled', retryAfterMs: parseRetryAfter(answer.retryAfter, client.nowMs) };
	if (isTransientStatus(statusCode)) {
		return { kind: 'transient', reason: `HTTP ${statusCode}${error.code ? ` ${error.code}` : ''}` };
	}
	if (isActionInProgress(statusCode, error.code, error.message)) {
		return { kind: 'inProgress', message: error.message ?? 'Action is already in progress' };
	}
	return {
		kind: 'failed',
		error: apiError(client.node, context.itemIndex, {
			status: statusCode,
			error,
			signIn: client.signIn,
			...context,
		}),
	};
}

/**
 * Sorts what n8n's request helper threw. Never passes the raw error on: it carries headers and the
 * token form.
 */
export function classifyThrown(
	facts: ErrorFacts,
	postLike: boolean,
	context: CallContext,
	client: FailureView,
): SendResult {
	if (client.cancelled) {
		const message =
			postLike && !facts.token
				? `The execution was cancelled while trying to ${context.what}: the outcome is unknown, the request may have reached Defender`
				: `The execution was cancelled while trying to ${context.what}`;
		return { kind: 'failed', error: operationError(client.node, context.itemIndex, message) };
	}
	if (facts.reconnect) {
		// n8n could not renew the signed-in user's token (or never had one): no API call went through.
		return {
			kind: 'failed',
			error: reconnectError(client.node, context.itemIndex, facts.reconnect, context.what),
		};
	}
	if (facts.token) return classifyTokenFailure(facts.token, context, client);
	if (facts.status !== undefined) {
		return {
			kind: 'failed',
			error: apiError(client.node, context.itemIndex, {
				status: facts.status,
				error: readErrorBody(client.redactAll(facts.body)),
				signIn: client.signIn,
				...context,
			}),
		};
	}
	const reason = facts.transport ?? 'no response';
	return postLike ? { kind: 'ambiguous', reason } : { kind: 'transient', reason };
}

/**
 * The token endpoint failed: the API call was not sent (first token) or was refused with 401
 * (refresh), so a token failure never leaves an action behind. Throttling, 5xx and transport
 * failures are transient; refusals are not.
 */
function classifyTokenFailure(
	token: TokenFailure,
	context: CallContext,
	client: FailureView,
): SendResult {
	const { status, transport, entraError, entraDescription } = token;
	if (
		transport ||
		status === 429 ||
		(status ?? 0) >= 500 ||
		entraError === 'temporarily_unavailable'
	) {
		const why = transport ? transport : status ? `HTTP ${status}` : entraError;
		return {
			kind: 'transient',
			reason: `the token endpoint did not give a token (${why})`,
			retryAfterMs: parseRetryAfter(token.retryAfter, client.nowMs),
		};
	}
	const entraSays = describeEntraError(entraDescription ?? (status ? `HTTP ${status}` : undefined));
	const reconnect =
		client.signIn === 'delegated'
			? '; if the sign-in itself was refused, open the credential and reconnect it'
			: '';
	return {
		kind: 'failed',
		error: operationError(
			client.node,
			context.itemIndex,
			client.redact(`Could not get an access token for Defender for Endpoint: ${entraSays}`),
			`Nothing was sent to ${context.what}. Check the credential’s cloud, tenant ID, client ID and client secret (the secret value, not its ID)${reconnect}.`,
		),
	};
}

interface TokenFailure {
	status?: number;
	transport?: string;
	retryAfter?: string;
	/** The OAuth2 error (e.g. invalid_client) and Entra's description (AADSTS…). */
	entraError?: string;
	entraDescription?: string;
}

export interface ErrorFacts {
	status?: number;
	body?: unknown;
	transport?: string;
	/** Set when the failure came from the token endpoint, not from Defender's API. */
	token?: TokenFailure;
	/** Set when n8n says the signed-in user's sign-in must be renewed (see RECONNECT_MESSAGES). */
	reconnect?: ReconnectReason;
}

/**
 * What n8n's OAuth2 client throws when a delegated sign-in cannot be used: the refresh token was
 * refused with invalid_grant (expired, revoked, password changed: AADSTS700082, 50173, 70008 …; n8n
 * keeps Entra's text to itself), the credential was never connected, or the sign-in came without a
 * refresh token (no offline_access).
 */
const RECONNECT_MESSAGES: Array<[RegExp, ReconnectReason]> = [
	[/needs to be reconnected/, 'revoked'],
	[/^OAuth credentials not connected/, 'notConnected'],
	[/no refresh token is available/, 'noRefreshToken'],
];

/**
 * Network failures, in words: n8n replaces a whole error message that contains one of these codes
 * with its own generic text, which would hide what the node knows (e.g. that a POST may have
 * landed).
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
 * Walks an error's cause chain for the few facts we need. Token-endpoint failures are recognised by
 * what n8n's OAuth2 client throws: "Failed to acquire OAuth2 access token" (first token), AuthError
 * (EAUTH, an OAuth2 error body), ResponseError (ESTATUS) and axios errors for the token URL (the
 * refresh after a 401).
 */
export function inspectError(thrown: unknown, tokenUrl: string): ErrorFacts {
	const facts: ErrorFacts = {};
	const chain = causeChain(thrown);
	const fromTokenEndpoint = chain.some((error) => isTokenEndpointError(error, tokenUrl));
	for (const error of chain) {
		const message = typeof error.message === 'string' ? error.message : '';
		facts.reconnect ??= RECONNECT_MESSAGES.find(([pattern]) => pattern.test(message))?.[1];
		const status =
			typeof error.response?.status === 'number'
				? error.response.status
				: typeof error.status === 'number'
					? error.status
					: undefined;
		if (facts.status === undefined && status !== undefined) {
			facts.status = status;
			facts.body = error.response?.data ?? error.body;
		}
		if (
			facts.transport === undefined &&
			typeof error.code === 'string' &&
			Object.hasOwn(TRANSPORT_CODES, error.code)
		) {
			facts.transport = TRANSPORT_CODES[error.code];
		}
		if (fromTokenEndpoint) facts.token = tokenFacts(facts.token ?? {}, error);
	}
	if (facts.token) {
		facts.token.status = facts.status;
		facts.token.transport = facts.transport;
	}
	return facts;
}

/** The error and its causes, each once. */
function causeChain(thrown: unknown): ThrownShape[] {
	const chain: ThrownShape[] = [];
	let current = thrown;
	while (
		typeof current === 'object' &&
		current !== null &&
		!chain.includes(current as ThrownShape)
	) {
		chain.push(current as ThrownShape);
		current = (current as ThrownShape).cause;
	}
	return chain;
}

function isTokenEndpointError(error: ThrownShape, tokenUrl: string): boolean {
	const message = typeof error.message === 'string' ? error.message : '';
	return (
		message.startsWith('Failed to acquire OAuth2 access token') ||
		message.startsWith('Expected JSON response from OAuth2 token endpoint') ||
		error.code === 'EAUTH' ||
		error.code === 'ESTATUS' ||
		(typeof error.config?.url === 'string' && error.config.url.split('?')[0] === tokenUrl)
	);
}

/**
 * What one error of the chain says of the token endpoint's answer: Entra's error, its description,
 * Retry-After.
 */
function tokenFacts(token: TokenFailure, error: ThrownShape): TokenFailure {
	const body =
		typeof error.body === 'object' && error.body !== null
			? (error.body as Record<string, unknown>)
			: undefined;
	if (typeof body?.error === 'string') token.entraError ??= body.error;
	if (typeof body?.error_description === 'string')
		token.entraDescription ??= body.error_description;
	const retryAfter = error.response?.headers?.['retry-after'];
	if (typeof retryAfter === 'string') token.retryAfter ??= retryAfter;
	return token;
}
