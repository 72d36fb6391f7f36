import type { INode, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { printable } from '../../lib/machineId';
import type { SlotWait } from '../../lib/rateLimiter';

/**
 * The permission a call needs, named the way the Azure portal lists it under WindowsDefenderATP's
 * application permissions.
 */
export type Permission = 'Machine.Isolate' | 'Machine.Read.All';

/**
 * How the node signs in: as the app registration itself, or as the user who connected the delegated
 * credential.
 */
export type SignIn = 'application' | 'delegated';

/**
 * Defender's error body: {"error": {"code", "message", "target"}}; target is the correlation ID.
 */
export interface DefenderErrorBody {
	code?: string;
	message?: string;
	target?: string;
}

/**
 * Reads Defender's error body: {"error": {...}}, the same fields unwrapped, or (from a proxy or
 * gateway) plain text, which is kept shortened and with control characters made visible so the user
 * sees what came back.
 */
export function readErrorBody(body: unknown): DefenderErrorBody {
	if (typeof body === 'string') {
		const text = body.trim();
		return text ? { message: printable(text, MAX_BODY_TEXT) } : {};
	}
	if (typeof body !== 'object' || body === null) return {};
	const wrapped = (body as { error?: unknown }).error;
	const source = typeof wrapped === 'object' && wrapped !== null ? wrapped : body;
	const { code, message, target } = source as Record<string, unknown>;
	const text = (value: unknown) =>
		typeof value === 'string' && value ? printable(value, MAX_BODY_TEXT) : undefined;
	return { code: text(code), message: text(message), target: text(target) };
}

/** How much of an unexpected error text is shown. */
const MAX_BODY_TEXT = 300;

export interface FailedCall {
	status: number;
	error: DefenderErrorBody;
	permission: Permission;
	/** What was being attempted, e.g. "release device 1e5b…" — shown to the user. */
	what: string;
	signIn: SignIn;
}

const PERMISSION_HINT: Record<Permission, string> = {
	'Machine.Isolate':
		"Grant the app registration the WindowsDefenderATP application permission Machine.Isolate ('Isolate machine') and grant admin consent.",
	'Machine.Read.All':
		"Grant the app registration the WindowsDefenderATP application permission Machine.Read.All ('Read all machine profiles') and grant admin consent.",
};

/**
 * A delegated call passes three checks (isolate-machine.md, get-machines.md): the app's delegated
 * permission, the user's Defender role, and the device's group among the user's device groups.
 * Defender's 403 does not say which failed, so the message lists them, the likeliest first.
 */
const DELEGATED_HINT: Record<Permission, string> = {
	'Machine.Isolate':
		"With delegated sign-in Defender checks that (1) the device is in one of the signed-in user's device groups, (2) the user's Defender role includes 'Active remediation actions', and (3) the app registration has the WindowsDefenderATP delegated permission Machine.Isolate ('Isolate machine') with consent granted. Fix the one that is missing (device groups and roles: Defender portal → Settings → Endpoints → Roles / Device groups), then reconnect the credential if the permission changed.",
	'Machine.Read.All':
		"With delegated sign-in Defender checks that (1) the user's Defender role includes 'View data' and (2) the app registration has the WindowsDefenderATP delegated permission Machine.Read ('Read machine information') with consent granted; devices outside the user's device groups are not visible. Reconnect the credential after a permission change.",
};

/** What a refused (403) call left behind: nothing, whichever item and device it was for. */
const REFUSED_NOTHING_SENT: Record<Permission, string> = {
	'Machine.Isolate':
		'Defender refused the request: nothing was sent to the device and no action was created for this item.',
	'Machine.Read.All': 'Defender refused the request: nothing was sent to the device for this item.',
};

/** Turns a Defender error response into an n8n error that says what to do about it. */
export function apiError(node: INode, itemIndex: number, call: FailedCall): NodeApiError {
	const { status, error, permission, what, signIn } = call;
	const delegated = signIn === 'delegated';
	const apiSays = [error.code, error.message].filter(Boolean).join(': ');
	const correlation = error.target ? ` (correlation ID ${error.target})` : '';
	let message: string;
	let description: string;
	switch (status) {
		case 401:
			message = `Defender rejected the access token while trying to ${what}`;
			description =
				'n8n fetched a fresh token and was still refused. Check that the credential’s cloud matches your tenant and that the app registration is in the same tenant.';
			break;
		case 403:
			message = delegated
				? `Defender refused the signed-in user permission to ${what}`
				: `Missing permission ${permission} to ${what}`;
			description = `${REFUSED_NOTHING_SENT[permission]} ${(delegated ? DELEGATED_HINT : PERMISSION_HINT)[permission]} Defender said: ${apiSays || 'Forbidden'}${correlation}`;
			break;
		case 404:
			message = `Not found in Defender for Endpoint while trying to ${what}`;
			description = `${apiSays || 'Not Found'}${correlation}. Check the device ID; devices drop out after the tenant's retention period.${delegated ? " With delegated sign-in, devices outside the signed-in user's device groups are not visible either." : ''}`;
			break;
		default:
			message = `Defender for Endpoint answered HTTP ${status} while trying to ${what}${apiSays ? `: ${apiSays}` : ''}`;
			description = `${apiSays || 'No error details in the response'}${correlation}`;
	}
	const response: JsonObject = { status, ...definedOnly(error) };
	return new NodeApiError(node, response, {
		itemIndex,
		message,
		description,
		httpCode: String(status),
	});
}

/**
 * Why a delegated sign-in must be renewed by the user: refused refresh token, never connected, no
 * refresh token.
 */
export type ReconnectReason = 'revoked' | 'notConnected' | 'noRefreshToken';

const RECONNECT: Record<ReconnectReason, [string, string]> = {
	revoked: [
		'The delegated sign-in has expired or was revoked: reconnect the credential',
		'Entra refused the refresh token (it expires after 90 days unused, and is revoked when the user’s password changes, the user signs out everywhere, or an admin revokes sessions). Open the Defender for Endpoint Delegated OAuth2 API credential and click Reconnect, signing in as the analyst.',
	],
	notConnected: [
		'The delegated credential is not connected yet',
		'Open the Defender for Endpoint Delegated OAuth2 API credential and click "Connect my account", signing in as the analyst the node acts for.',
	],
	noRefreshToken: [
		'The delegated sign-in has expired and cannot be renewed: reconnect the credential',
		'The sign-in came without a refresh token (the offline_access scope was not granted). Reconnect the credential; with a Custom cloud, keep offline_access in the Scope.',
	],
};

/**
 * A delegated sign-in that n8n could not use or renew: nothing was sent, and only the user can fix
 * it.
 */
export function reconnectError(
	node: INode,
	itemIndex: number,
	reason: ReconnectReason,
	what: string,
) {
	const [message, description] = RECONNECT[reason];
	return new NodeOperationError(node, message, {
		itemIndex,
		description: `${description} Nothing was sent to ${what}.`,
	});
}

export function operationError(
	node: INode,
	itemIndex: number,
	message: string,
	description?: string,
) {
	return new NodeOperationError(node, message, { itemIndex, description });
}

function definedOnly(error: DefenderErrorBody): JsonObject {
	return Object.fromEntries(
		Object.entries(error).filter(([, value]) => value !== undefined),
	) as JsonObject;
}

/** Entra ID sign-in errors worth explaining (AADSTS codes), with what to do about them. */
const ENTRA_ERRORS: Record<string, string> = {
	'7000222':
		'the client secret has expired: create a new secret in the app registration and update the credential',
	'7000215': 'the client secret is wrong: use the secret value, not its secret ID',
	'7000216': 'no client secret was sent: fill in the credential’s Client Secret',
	'700016':
		'no application with this client ID in the tenant: check the Client ID and Tenant ID (and that they are not swapped with the secret)',
	'90002': 'the tenant was not found: check the Tenant ID and the cloud',
	'900023': 'the tenant ID is not valid: use the Directory (tenant) ID GUID or a verified domain',
	'500011':
		'the Defender API is not known in this tenant: check the cloud (commercial, GCC, GCC High, DoD) and the scope',
	'65001':
		'consent is missing: grant admin consent for the app’s WindowsDefenderATP permissions (delegated sign-in: Machine.Isolate and Machine.Read), then reconnect',
	'700082': 'the refresh token expired after a long time unused: reconnect the credential',
	'50173': 'the sign-in was revoked (e.g. the user’s password changed): reconnect the credential',
	'70008': 'the refresh token or code has expired: reconnect the credential',
	'50076': 'the user must sign in again with multi-factor authentication: reconnect the credential',
	'50079': 'the user must register for multi-factor authentication, then reconnect the credential',
	'53003':
		'Conditional Access blocked the sign-in: ask the tenant’s admin, then reconnect the credential',
	'50105':
		'the user is not assigned to the application: assign the user (Enterprise applications → Users and groups), then reconnect',
	'65004':
		'the user declined consent: reconnect the credential and accept, or have an admin grant consent',
	'7000112': 'the application is disabled in the tenant',
	'50034': 'the account does not exist in the tenant',
};

/**
 * "AADSTS7000222: The provided client secret keys … are expired. …" → the code, the first line, and
 * what to do.
 */
export function describeEntraError(description: string | undefined): string {
	const firstLine = (description ?? '').split(/\r?\n/)[0].trim();
	if (!firstLine) return 'the token endpoint refused the credential';
	const code = /^AADSTS(\d+)/.exec(firstLine)?.[1];
	const meaning = code ? ENTRA_ERRORS[code] : undefined;
	return meaning
		? `${printable(firstLine, MAX_BODY_TEXT)} (AADSTS${code}: ${meaning})`
		: printable(firstLine, MAX_BODY_TEXT);
}

/** Why the limiter holds a call back, in words for an error message. */
export function describeRateLimitWait(wait: SlotWait | undefined): string {
	switch (wait?.reason) {
		case 'retryAfter':
			return 'Defender answered 429 and asked to wait';
		case 'quota':
			return `this process made the ${wait.limit.toLocaleString('en-US')} calls the quota allows in ${wait.windowMs >= 3_600_000 ? 'an hour' : 'a minute'}`;
		case 'share':
			return `other clients may use this app's quota too: this process paces its calls (${wait.limit} a minute at most)`;
		default:
			return 'calls queued ahead';
	}
}
