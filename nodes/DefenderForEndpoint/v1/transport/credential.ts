import type { IDataObject, INode } from 'n8n-workflow';

import { resolveCloud, type ResolvedCloud } from '../../lib/clouds';
import { redact, type Secret } from '../../lib/redact';
import { staleTokenReason } from '../../lib/tokenClaims';
import type { ExecutionContext } from './call';
import { operationError, type SignIn } from './errors';

/** The credential type for each choice of the node's Authentication parameter. */
export const CREDENTIAL_TYPES: Record<SignIn, string> = {
	application: 'defenderForEndpointOAuth2Api',
	delegated: 'defenderForEndpointDelegatedOAuth2Api',
};

/**
 * The node's Authentication parameter; workflows saved before it existed (no value) sign in as the
 * application.
 */
function signInOf(context: ExecutionContext): SignIn {
	return context.getNode().parameters.authentication === 'delegated' ? 'delegated' : 'application';
}

export interface StoredToken {
	access_token?: unknown;
	refresh_token?: unknown;
}

/**
 * The credential's values that must never be shown: the client secret and ID, and the tokens n8n
 * stored.
 */
export function secretsOf(credentials: IDataObject): Secret[] {
	const token = credentials.oauthTokenData as StoredToken | undefined;
	return [
		{ label: 'client secret', value: credentials.clientSecret },
		{ label: 'client ID', value: credentials.clientId },
		{ label: 'access token', value: token?.access_token },
		{ label: 'refresh token', value: token?.refresh_token },
	];
}

/**
 * The stored token was issued for another tenant or app than the credential names now: nothing may
 * be sent with it.
 */
function staleTokenError(node: INode, signIn: SignIn, reason: string) {
	const renew =
		signIn === 'delegated'
			? 'Open the credential and reconnect it (sign in again): the new sign-in gets a token for the tenant it names now.'
			: 'Create a new credential with these settings and select it in the node (n8n fetches a token for it on first use), then delete the old one.';
	return operationError(
		node,
		0,
		`The access token n8n stored for this credential does not belong to it: ${reason}`,
		`Nothing was sent. n8n keeps a credential's token when the credential is edited, and that token would act in the tenant it was issued for. ${renew}`,
	);
}

/**
 * The credential the node signs in with, checked before anything is sent: its cloud settings, and
 * that the token n8n stored was issued for the tenant and app it names now.
 */
export async function readCredential(context: ExecutionContext) {
	const signIn = signInOf(context);
	const credentials = await context.getCredentials(CREDENTIAL_TYPES[signIn]);
	const token = credentials.oauthTokenData as StoredToken | undefined;
	const secrets = secretsOf(credentials);
	let cloud: ResolvedCloud;
	try {
		cloud = resolveCloud(credentials as Parameters<typeof resolveCloud>[0]);
	} catch (error) {
		throw operationError(
			context.getNode(),
			0,
			redact(`Credential problem: ${(error as Error).message}`, secrets),
		);
	}
	const stale = staleTokenReason(token?.access_token, cloud.tenantId, cloud.clientId);
	if (stale) throw staleTokenError(context.getNode(), signIn, stale);
	const hasToken = typeof token?.access_token === 'string' && token.access_token !== '';
	return { signIn, cloud, secrets, hasToken };
}
