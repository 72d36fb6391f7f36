import nock from 'nock';

import {
	API,
	LOGIN,
	SECRET,
	TENANT,
	apiErrorBody,
	machine,
	mockTokens,
	saveCredential,
} from '../helpers/defenderMocks';
import { CREDENTIAL_ID, newEngine } from '../helpers/workflow';

const TYPE = 'defenderForEndpointOAuth2Api';

describe('credential test (as n8n runs it: RoutingNode with the credential applied)', () => {
	test('acquires a token and reads one device', async () => {
		const engine = newEngine();
		const credential = saveCredential(engine);
		const tokens = mockTokens(credential.clientId, ['probe-token']);
		const read = nock(API)
			.get('/api/machines')
			.query({ $top: '1' })
			.matchHeader('authorization', 'Bearer probe-token')
			.reply(200, { value: [machine('a'.repeat(40), 'ws-1')] });
		await expect(engine.testCredential(CREDENTIAL_ID, TYPE)).resolves.toEqual({ status: 'OK' });
		expect(tokens.bodies).toHaveLength(1);
		expect(read.isDone()).toBe(true);
	});

	test('uses the sovereign cloud hosts (GCC High)', async () => {
		const engine = newEngine();
		const credential = saveCredential(engine, { cloud: 'gccHigh' });
		mockTokens(credential.clientId, ['gov-token'], {
			login: 'https://login.microsoftonline.us',
			scope: 'https://securitycenter.onmicrosoft.us/windowsatpservice/.default',
		});
		const read = nock('https://api-gov.securitycenter.microsoft.us')
			.get('/api/machines')
			.query({ $top: '1' })
			.reply(200, { value: [] });
		await expect(engine.testCredential(CREDENTIAL_ID, TYPE)).resolves.toEqual({ status: 'OK' });
		expect(read.isDone()).toBe(true);
	});

	test('fails without Machine.Read.All', async () => {
		const engine = newEngine();
		const credential = saveCredential(engine);
		mockTokens(credential.clientId, ['t']);
		nock(API).get('/api/machines').query(true).reply(403, apiErrorBody('Forbidden', 'Forbidden'));
		const result = await engine.testCredential(CREDENTIAL_ID, TYPE);
		expect(result.status).toBe('Error');
	});

	test('fails on a wrong secret without echoing it', async () => {
		const engine = newEngine();
		saveCredential(engine);
		nock(LOGIN).post(`/${TENANT}/oauth2/v2.0/token`).reply(401, {
			error: 'invalid_client',
			error_description: 'AADSTS7000215: Invalid client secret provided.',
		});
		const result = await engine.testCredential(CREDENTIAL_ID, TYPE);
		expect(result.status).toBe('Error');
		expect(JSON.stringify(result)).not.toContain(SECRET);
	});
});
