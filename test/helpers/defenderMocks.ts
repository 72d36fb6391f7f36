import { randomUUID } from 'node:crypto';

import nock from 'nock';

import { CREDENTIAL_ID, type Engine } from './workflow';

export const TENANT = '11111111-2222-3333-4444-555555555555';
export const API = 'https://api.security.microsoft.com';
export const LOGIN = 'https://login.microsoftonline.com';
export const SECRET = 'sup3r-s3cret-value~never-print';

let clientCounter = 0;

/**
 * Saves a commercial-cloud credential with a client ID of its own: the rate limiter is shared per tenant and
 * application for the whole process, so each test gets a fresh quota. The credential's visible fields are
 * applicationId and applicationSecret; n8n derives the OAuth2 clientId and clientSecret from them, and the
 * returned clientId and clientSecret are those derived values (what the token request must carry).
 */
export function saveCredential(engine: Engine, overrides: Record<string, string> = {}) {
	const applicationId = `client-${randomUUID()}-${++clientCounter}`;
	const data = {
		cloud: 'commercial',
		tenantId: TENANT,
		applicationId,
		applicationSecret: SECRET,
		...overrides,
	};
	engine.credentialsHelper.save(CREDENTIAL_ID, 'defenderForEndpointOAuth2Api', data);
	return { ...data, clientId: data.applicationId, clientSecret: data.applicationSecret };
}

/** Expects token requests of the client-credentials grant and answers with the given access tokens in turn. */
export function mockTokens(
	clientId: string,
	tokens: string[],
	{
		login = LOGIN,
		tenant = TENANT,
		scope = 'https://api.securitycenter.microsoft.com/.default',
	} = {},
) {
	const bodies: Record<string, string>[] = [];
	const scopeMock = nock(login);
	for (const token of tokens) {
		scopeMock
			.post(`/${tenant}/oauth2/v2.0/token`, (body: Record<string, string>) => {
				bodies.push(body);
				return (
					body.grant_type === 'client_credentials' &&
					body.client_id === clientId &&
					body.client_secret === SECRET &&
					body.scope === scope
				);
			})
			.reply(200, {
				token_type: 'Bearer',
				expires_in: 3599,
				ext_expires_in: 3599,
				access_token: token,
			});
	}
	return { scope: scopeMock, bodies };
}

/** A MachineAction as Defender returns it: a fresh GUID (Defender never reuses one) for device machineId(1). */
export function machineAction(overrides: Record<string, unknown> = {}) {
	return {
		'@odata.context': `${API}/api/$metadata#MachineActions/$entity`,
		id: randomUUID(),
		type: 'Unisolate',
		title: null,
		requestor: 'n8n app',
		requestorComment: 'Released after INC-1',
		status: 'Pending',
		machineId: machineId(1),
		computerDnsName: 'ws-0001.contoso.com',
		creationDateTimeUtc: new Date().toISOString(),
		lastUpdateDateTimeUtc: new Date().toISOString(),
		cancellationRequestor: null,
		cancellationComment: null,
		cancellationDateTimeUtc: null,
		errorHResult: 0,
		scope: null,
		externalId: null,
		requestSource: 'PublicApi',
		relatedFileInfo: null,
		commands: [],
		troubleshootInfo: null,
		...overrides,
	};
}

export function machine(
	id: string,
	computerDnsName: string,
	overrides: Record<string, unknown> = {},
) {
	return {
		id,
		computerDnsName,
		lastSeen: '2026-11-20T10:00:00Z',
		healthStatus: 'Active',
		osPlatform: 'Windows11',
		...overrides,
	};
}

export function apiErrorBody(
	code: string,
	message: string,
	target = '43f4cb08-8fac-4b65-9db1-745c2ae65f3a',
) {
	return { error: { code, message, target } };
}

/** 40-hex IDs for tests. */
export function machineId(n: number): string {
	return n.toString(16).padStart(40, 'a').slice(-40);
}

/** The tenant-wide snapshot of isolation actions under way that every isolate or release run reads first. */
export const RUNNING_ACTIONS_FILTER =
	"(type eq 'Isolate' or type eq 'Unisolate') and (status eq 'Pending' or status eq 'InProgress')";

const snapshotMocks: string[] = [];

/** Answers the snapshot with the given running actions, for as many runs as the test makes. */
export function mockTenantActions(actions: object[] = [], api = API) {
	snapshotMocks.push(`GET ${new URL(api).origin}:${new URL(api).port || 443}/api/machineactions`);
	return nock(api)
		.persist()
		.get('/api/machineactions')
		.query((query) => query.$filter === RUNNING_ACTIONS_FILTER)
		.reply(200, { value: actions });
}

/** Interceptors a test set up but no request used, apart from the snapshot (a run that stops early never reads it). */
export function unusedMocks(): string[] {
	const snapshots = [...snapshotMocks];
	snapshotMocks.length = 0;
	return nock.pendingMocks().filter((mock) => {
		const index = snapshots.indexOf(mock);
		if (index === -1) return true;
		snapshots.splice(index, 1);
		return false;
	});
}
