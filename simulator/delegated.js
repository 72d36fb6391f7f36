'use strict';
/**
 * Entra ID's delegated sign-in as the simulator plays it: the authorize endpoint (signs in a configured user and
 * redirects back with a code), the authorization_code and refresh_token grants, and what Defender checks for a
 * delegated token (the app's delegated permissions, the user's role, the user's device groups).
 * Defender's docs give the checks (isolate-machine.md: "at least role permission 'Active remediation actions' and
 * access to the device based on device group settings"), not the texts of its 403 answers: those below are modelled
 * on the application-role answer Defender is known to send ("Missing application roles. API required roles: …").
 */
const crypto = require('node:crypto');

const ROLE_REMEDIATE = 'Active remediation actions';
const ROLE_VIEW = 'View data';

const DEFAULT_USERS = [
	{ upn: 'analyst@contoso.com', roles: [ROLE_VIEW, ROLE_REMEDIATE], deviceGroups: ['SOC devices'] },
	{
		upn: 'viewer@contoso.com',
		roles: [ROLE_VIEW],
		deviceGroups: ['SOC devices', 'Finance servers'],
	},
];

const CODE_LIFETIME_MS = 10 * 60_000;

/**
 * @param {object} setup
 * @param {{tenantId: string, clientId: string, clientSecret: string}} setup.credentials the app registration
 * @param {() => number} setup.now simulated time
 * @param {(grant: object) => {accessToken: string, expiresIn: number}} setup.issueAccessToken
 * @param {(status: number, error: string, code: number, description: string) => [number, object]} setup.aad Entra's error shape
 * @param {object} [setup.options]
 */
function createDelegatedSignIn({ credentials, now, issueAccessToken, aad, options = {} }) {
	const users = options.users ?? DEFAULT_USERS;
	/** Scopes the tenant consented to for this app (admin consent); others are not granted. */
	let consentedScopes = new Set(
		options.consentedScopes ?? [
			'Machine.Isolate',
			'Machine.Read',
			'offline_access',
			'openid',
			'profile',
		],
	);
	let signInUpn = options.signInAs ?? users[0].upn;
	const refreshLifetimeMs = (options.refreshTokenLifetimeSeconds ?? 90 * 86_400) * 1000;
	const codes = new Map();
	const refreshTokens = new Map();

	const userByUpn = (upn) =>
		users.find((user) => user.upn.toLowerCase() === String(upn).toLowerCase());

	/** "https://api.securitycenter.microsoft.com/Machine.Isolate offline_access" → ["Machine.Isolate", "offline_access"] */
	const shortScopes = (scope) =>
		String(scope ?? '')
			.split(/[\s,]+/)
			.filter(Boolean)
			.map((name) => name.slice(name.lastIndexOf('/') + 1));

	/** GET /{tenant}/oauth2/v2.0/authorize → where the browser is sent next (the redirect URI with a code or an error). */
	function authorize(tenant, query) {
		const redirectUri = query.redirect_uri;
		if (!redirectUri || !URL.canParse(redirectUri))
			return {
				status: 400,
				text: 'AADSTS900144: The request body must contain the following parameter: redirect_uri.',
			};
		if (options.redirectUris && !options.redirectUris.includes(redirectUri)) {
			return {
				status: 400,
				text: `AADSTS50011: The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application.`,
			};
		}
		const back = (params) => {
			const location = new URL(redirectUri);
			for (const [key, value] of Object.entries(params)) location.searchParams.set(key, value);
			if (query.state !== undefined) location.searchParams.set('state', query.state);
			return { status: 302, location: location.toString() };
		};
		if (tenant !== credentials.tenantId)
			return back({
				error: 'invalid_request',
				error_description: `AADSTS90002: Tenant '${tenant}' not found.`,
			});
		if (query.client_id !== credentials.clientId) {
			return back({
				error: 'unauthorized_client',
				error_description: `AADSTS700016: Application with identifier '${query.client_id}' was not found in the directory.`,
			});
		}
		if (query.response_type !== 'code')
			return back({
				error: 'unsupported_response_type',
				error_description: 'AADSTS70005: response_type is not supported.',
			});
		const requested = shortScopes(query.scope);
		const missing = requested.filter((scope) => !consentedScopes.has(scope));
		if (missing.length) {
			return back({
				error: 'consent_required',
				error_description: `AADSTS65001: The user or administrator has not consented to use the application with ID '${credentials.clientId}'. Send an interactive authorization request for this user and resource. Missing: ${missing.join(' ')}`,
			});
		}
		const user = userByUpn(signInUpn);
		const code = crypto.randomBytes(24).toString('base64url');
		codes.set(code, {
			upn: user.upn,
			scopes: requested,
			redirectUri,
			expiresAtMs: now() + CODE_LIFETIME_MS,
		});
		return back({ code, session_state: crypto.randomUUID() });
	}

	/** A token answer for a user's grant: an access token, and a refresh token when offline_access was granted. */
	function tokenAnswer(grant) {
		const { accessToken, expiresIn } = issueAccessToken({
			user: grant.upn,
			scopes: new Set(grant.scopes),
		});
		const answer = {
			token_type: 'Bearer',
			scope: grant.scopes.join(' '),
			expires_in: expiresIn,
			ext_expires_in: expiresIn,
			access_token: accessToken,
		};
		if (grant.scopes.includes('offline_access')) {
			const refreshToken = crypto.randomBytes(48).toString('base64url');
			refreshTokens.set(refreshToken, {
				upn: grant.upn,
				scopes: grant.scopes,
				expiresAtMs: now() + refreshLifetimeMs,
				revoked: false,
			});
			answer.refresh_token = refreshToken;
		}
		return [200, answer];
	}

	/** The authorization_code and refresh_token grants, after the client was authenticated. */
	function grant(form) {
		if (form.grant_type === 'authorization_code') {
			const entry = codes.get(form.code);
			codes.delete(form.code);
			if (!entry)
				return aad(
					400,
					'invalid_grant',
					54005,
					'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
				);
			if (entry.expiresAtMs <= now())
				return aad(
					400,
					'invalid_grant',
					70008,
					'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.',
				);
			if (form.redirect_uri !== entry.redirectUri)
				return aad(
					400,
					'invalid_grant',
					50148,
					'The redirect_uri does not match the one used in the authorization request.',
				);
			return tokenAnswer(entry);
		}
		const entry = refreshTokens.get(form.refresh_token);
		if (!entry)
			return aad(
				400,
				'invalid_grant',
				9002313,
				'Invalid request. Request is malformed or invalid.',
			);
		if (entry.revoked) {
			return aad(
				400,
				'invalid_grant',
				50173,
				'The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.',
			);
		}
		if (entry.expiresAtMs <= now()) {
			return aad(
				400,
				'invalid_grant',
				700082,
				'The refresh token has expired due to inactivity. The token was issued on a date and was inactive for 90.00:00:00.',
			);
		}
		return tokenAnswer(entry);
	}

	/**
	 * What Defender refuses a delegated caller, or undefined. `need`: 'read' or 'act'; `device`: the machine acted on.
	 * Returns [status, code, message].
	 */
	function refusal(caller, need, device) {
		const user = userByUpn(caller.user);
		const scope = need === 'act' ? 'Machine.Isolate' : 'Machine.Read';
		if (!caller.scopes.has(scope)) {
			return [
				403,
				'Forbidden',
				`Missing delegated permissions. API required permissions: ${scope}, token permissions: ${[...caller.scopes].join(',')}.`,
			];
		}
		const role = need === 'act' ? ROLE_REMEDIATE : ROLE_VIEW;
		if (!user?.roles.includes(role))
			return [403, 'Forbidden', `User ${caller.user} is missing the role permission '${role}'.`];
		if (device && !canSee(caller, device)) {
			return [
				403,
				'Forbidden',
				`User ${caller.user} has no access to machine ${device.id}: its device group '${device.rbacGroupName}' is not assigned to the user.`,
			];
		}
		return undefined;
	}

	/** Delegated callers see only the devices in their device groups (get-machines.md); applications see all. */
	function canSee(caller, device) {
		if (!caller.user) return true;
		return Boolean(userByUpn(caller.user)?.deviceGroups.includes(device.rbacGroupName));
	}

	return {
		users,
		authorize,
		grant,
		refusal,
		canSee,
		/** Which configured user the next sign-in at the authorize endpoint is. */
		signInAs(upn) {
			if (!userByUpn(upn)) throw new Error(`No simulated user ${upn}`);
			signInUpn = upn;
		},
		/** The tenant's consent for this app: later sign-ins get only these scopes, or consent_required. */
		setConsentedScopes(scopes) {
			consentedScopes = new Set(scopes);
		},
		/** Every refresh token issued so far is revoked (as when the user's password changes). */
		revokeRefreshTokens() {
			for (const entry of refreshTokens.values()) entry.revoked = true;
		},
		/** Every refresh token issued so far has expired (as after 90 days unused). */
		expireRefreshTokens() {
			for (const entry of refreshTokens.values()) entry.expiresAtMs = now();
		},
		/** Whether any refresh token this simulator issued appears in the text (for leak checks). */
		leaksRefreshToken: (text) => [...refreshTokens.keys()].some((token) => text.includes(token)),
	};
}

module.exports = { createDelegatedSignIn, DEFAULT_USERS, ROLE_REMEDIATE, ROLE_VIEW };
