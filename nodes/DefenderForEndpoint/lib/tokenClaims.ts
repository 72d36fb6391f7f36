const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Who an Entra access token was issued for: its tenant (`tid`) and application (`appid` in v1
 * tokens, `azp` in v2).
 */
export interface TokenIssuance {
	tenantId?: string;
	appId?: string;
}

/**
 * The issuance claims of a JWT access token; undefined for a token that is not a readable JWT (e.g.
 * the simulator's).
 */
export function readTokenIssuance(token: unknown): TokenIssuance | undefined {
	if (typeof token !== 'string') return undefined;
	const parts = token.split('.');
	if (parts.length !== 3) return undefined;
	let claims: unknown;
	try {
		claims = JSON.parse(decodeBase64Url(parts[1]));
	} catch {
		return undefined;
	}
	if (typeof claims !== 'object' || claims === null) return undefined;
	const { tid, appid, azp } = claims as Record<string, unknown>;
	const text = (value: unknown) => (typeof value === 'string' && value ? value : undefined);
	return { tenantId: text(tid), appId: text(appid) ?? text(azp) };
}

/**
 * Why a stored token must not be used for the credential as it is now, or undefined when it may be.
 * n8n keeps a credential's token when the credential is edited: a token issued for another tenant
 * (or app registration) would act there. Compared where both sides are GUIDs (a Tenant ID given as
 * a domain name cannot be compared with `tid`).
 */
export function staleTokenReason(
	token: unknown,
	tenantId: string,
	clientId: string,
): string | undefined {
	const issued = readTokenIssuance(token);
	if (!issued) return undefined;
	const differs = (claim: string | undefined, expected: string) =>
		claim !== undefined &&
		GUID.test(claim) &&
		GUID.test(expected) &&
		claim.toLowerCase() !== expected.toLowerCase();
	if (differs(issued.tenantId, tenantId)) {
		return `it was issued for tenant ${issued.tenantId}, and the credential's Tenant ID is now ${tenantId}`;
	}
	if (differs(issued.appId, clientId))
		return 'it was issued for another application (client ID) than the credential names now';
	return undefined;
}

function decodeBase64Url(text: string): string {
	const base64 = text
		.replace(/-/g, '+')
		.replace(/_/g, '/')
		.padEnd(Math.ceil(text.length / 4) * 4, '=');
	return new TextDecoder().decode(Uint8Array.from(atob(base64), (char) => char.charCodeAt(0)));
}
