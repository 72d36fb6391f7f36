import { printable } from './machineId';

export type CloudName =
	| 'commercial'
	| 'us'
	| 'eu'
	| 'uk'
	| 'au'
	| 'swa'
	| 'ina'
	| 'gcc'
	| 'gccHigh'
	| 'dod'
	| 'custom';

export interface CloudEndpoints {
	apiBaseUrl: string;
	/** Entra ID sign-in host; the token URL is `${loginBaseUrl}/${tenantId}/oauth2/v2.0/token`. */
	loginBaseUrl: string;
	scope: string;
	/** Defender portal, for links to devices. */
	portalUrl: string;
}

const COMMERCIAL_LOGIN = 'https://login.microsoftonline.com';
const COMMERCIAL_SCOPE = 'https://api.securitycenter.microsoft.com/.default';
const COMMERCIAL_PORTAL = 'https://security.microsoft.com';
const US_GOVERNMENT_LOGIN = 'https://login.microsoftonline.us';
const US_GOVERNMENT_SCOPE = 'https://securitycenter.onmicrosoft.us/windowsatpservice/.default';

/**
 * Microsoft's documented hosts per cloud (facts sheet §1, §2: gov.md, exposed-apis-list.md; the
 * regional hosts from improve-request-performance.md: us, eu, uk, au, swa, and ina since its
 * 08/2024 version).
 */
export const CLOUDS: Record<Exclude<CloudName, 'custom'>, CloudEndpoints & { label: string }> = {
	commercial: {
		label: 'Commercial (Worldwide)',
		apiBaseUrl: 'https://api.security.microsoft.com',
		loginBaseUrl: COMMERCIAL_LOGIN,
		scope: COMMERCIAL_SCOPE,
		portalUrl: COMMERCIAL_PORTAL,
	},
	us: {
		label: 'Commercial – United States Region',
		apiBaseUrl: 'https://us.api.security.microsoft.com',
		loginBaseUrl: COMMERCIAL_LOGIN,
		scope: COMMERCIAL_SCOPE,
		portalUrl: COMMERCIAL_PORTAL,
	},
	eu: {
		label: 'Commercial – European Union Region',
		apiBaseUrl: 'https://eu.api.security.microsoft.com',
		loginBaseUrl: COMMERCIAL_LOGIN,
		scope: COMMERCIAL_SCOPE,
		portalUrl: COMMERCIAL_PORTAL,
	},
	uk: {
		label: 'Commercial – United Kingdom Region',
		apiBaseUrl: 'https://uk.api.security.microsoft.com',
		loginBaseUrl: COMMERCIAL_LOGIN,
		scope: COMMERCIAL_SCOPE,
		portalUrl: COMMERCIAL_PORTAL,
	},
	au: {
		label: 'Commercial – Australia Region',
		apiBaseUrl: 'https://au.api.security.microsoft.com',
		loginBaseUrl: COMMERCIAL_LOGIN,
		scope: COMMERCIAL_SCOPE,
		portalUrl: COMMERCIAL_PORTAL,
	},
	swa: {
		label: 'Commercial – Switzerland Region',
		apiBaseUrl: 'https://swa.api.security.microsoft.com',
		loginBaseUrl: COMMERCIAL_LOGIN,
		scope: COMMERCIAL_SCOPE,
		portalUrl: COMMERCIAL_PORTAL,
	},
	ina: {
		label: 'Commercial – India Region',
		apiBaseUrl: 'https://ina.api.security.microsoft.com',
		loginBaseUrl: COMMERCIAL_LOGIN,
		scope: COMMERCIAL_SCOPE,
		portalUrl: COMMERCIAL_PORTAL,
	},
	gcc: {
		label: 'US Government Community Cloud (GCC)',
		apiBaseUrl: 'https://api-gcc.securitycenter.microsoft.us',
		loginBaseUrl: COMMERCIAL_LOGIN,
		scope: COMMERCIAL_SCOPE,
		portalUrl: COMMERCIAL_PORTAL,
	},
	gccHigh: {
		label: 'US Government GCC High',
		apiBaseUrl: 'https://api-gov.securitycenter.microsoft.us',
		loginBaseUrl: US_GOVERNMENT_LOGIN,
		scope: US_GOVERNMENT_SCOPE,
		portalUrl: 'https://security.microsoft.us',
	},
	dod: {
		label: 'US Department of Defense (DoD)',
		apiBaseUrl: 'https://api-gov.securitycenter.microsoft.us',
		loginBaseUrl: US_GOVERNMENT_LOGIN,
		scope: US_GOVERNMENT_SCOPE,
		portalUrl: 'https://security.apps.mil',
	},
};

export interface CloudSettings {
	cloud?: string;
	tenantId?: string;
	clientId?: string;
	customApiBaseUrl?: string;
	customTokenUrl?: string;
	customScope?: string;
}

export interface ResolvedCloud {
	apiBaseUrl: string;
	tokenUrl: string;
	scope: string;
	tenantId: string;
	clientId: string;
	/** Undefined for a custom cloud. */
	portalUrl?: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

/** A tenant is named by its GUID or one of its verified domains (e.g. contoso.onmicrosoft.com). */
export function parseTenantId(raw: unknown): string {
	const tenantId = typeof raw === 'string' ? raw.trim() : '';
	if (!GUID.test(tenantId) && !DOMAIN.test(tenantId)) {
		throw new Error(
			`Tenant ID "${printable(tenantId)}" is neither a GUID nor a domain: use the Directory (tenant) ID from the app registration's overview`,
		);
	}
	return tenantId;
}

const LOOPBACK_HOSTS = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/**
 * https only — plain http is accepted for loopback hosts, which the local simulator and tests use.
 */
export function parseSecureUrl(raw: unknown, fieldLabel: string): string {
	const text = typeof raw === 'string' ? raw.trim() : '';
	if (!URL.canParse(text)) throw new Error(`${fieldLabel} "${printable(text)}" is not a valid URL`);
	const url = new URL(text);
	const loopback = LOOPBACK_HOSTS.test(url.hostname);
	if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
		throw new Error(
			`${fieldLabel} must use https:// (plain http is only allowed for localhost): ${url.origin}`,
		);
	}
	if (url.username || url.password) {
		throw new Error(`${fieldLabel} must not contain a user name or password`);
	}
	return url.toString().replace(/\/+$/, '');
}

/** Works out where to get tokens and where to send API calls, validating every user-typed part. */
export function resolveCloud(settings: CloudSettings): ResolvedCloud {
	const tenantId = parseTenantId(settings.tenantId);
	const clientId = (settings.clientId ?? '').trim();
	if (!clientId)
		throw new Error('Client ID is empty: use the Application (client) ID of the app registration');
	const cloud = settings.cloud ?? 'commercial';
	if (cloud === 'custom') {
		const scope = (settings.customScope ?? '').trim();
		if (!scope)
			throw new Error(
				'Scope is empty: a custom cloud needs the API scope, e.g. https://api.securitycenter.microsoft.com/.default',
			);
		return {
			apiBaseUrl: parseSecureUrl(settings.customApiBaseUrl, 'API Base URL'),
			tokenUrl: parseSecureUrl(settings.customTokenUrl, 'Token URL'),
			scope,
			tenantId,
			clientId,
		};
	}
	if (!Object.hasOwn(CLOUDS, cloud)) throw new Error(`Unknown cloud "${printable(cloud)}"`);
	const endpoints = CLOUDS[cloud as keyof typeof CLOUDS];
	return {
		apiBaseUrl: endpoints.apiBaseUrl,
		tokenUrl: `${endpoints.loginBaseUrl}/${tenantId}/oauth2/v2.0/token`,
		scope: endpoints.scope,
		tenantId,
		clientId,
		portalUrl: endpoints.portalUrl,
	};
}

/**
 * Delegated permissions of WindowsDefenderATP the node asks for when it acts as a signed-in user:
 * Machine.Isolate ('Isolate machine') for Isolate, Release and Cancel, Machine.Read ('Read machine
 * information') for every lookup.
 */
const DELEGATED_PERMISSIONS = ['Machine.Isolate', 'Machine.Read'] as const;

/**
 * The delegated scope for a cloud's application scope: `<resource>/.default` becomes
 * `<resource>/Machine.Isolate
 * <resource>/Machine.Read offline_access` (offline_access: Entra issues a refresh token, so n8n can renew the sign-in).
 */
export function delegatedScope(applicationScope: string): string {
	const resource = applicationScope.replace(/\/\.default$/, '');
	return [
		...DELEGATED_PERMISSIONS.map((permission) => `${resource}/${permission}`),
		'offline_access',
	].join(' ');
}

/**
 * An n8n expression (without `={{ }}`) that picks a value per cloud from a table built here, e.g.
 * the API host of `$self.cloud`: credentials derive their hidden OAuth2 fields from the Cloud this
 * way, resolved by n8n at use.
 */
export function perCloudExpression(
	pick: (endpoints: CloudEndpoints) => string,
	cloudReference: string,
): string {
	const table = JSON.stringify(
		Object.fromEntries(Object.entries(CLOUDS).map(([name, endpoints]) => [name, pick(endpoints)])),
	);
	return `${table}[${cloudReference}]`;
}
