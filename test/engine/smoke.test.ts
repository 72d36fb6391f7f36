import nock from 'nock';

import { CREDENTIAL_ID, jsonOf, newEngine, releaseWorkflow, runError } from '../helpers/workflow';

const TENANT = '11111111-2222-3333-4444-555555555555';
const API = 'https://api.security.microsoft.com';
const LOGIN = 'https://login.microsoftonline.com';
const ID = '1e5bc9d7e413ddd7902c2932e418702b84d0cc07';

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

test('smoke', async () => {
	const engine = newEngine();
	engine.credentialsHelper.save(CREDENTIAL_ID, 'defenderForEndpointOAuth2Api', {
		cloud: 'commercial', tenantId: TENANT, clientId: 'client-1', clientSecret: 'very-secret',
	});
	const token = nock(LOGIN).post(`/${TENANT}/oauth2/v2.0/token`).reply(200, { access_token: 'tok-1', token_type: 'Bearer', expires_in: 3599 });
	const post = nock(API).post(`/api/machines/${ID}/unisolate`, { Comment: 'clean' }).matchHeader('authorization', 'Bearer tok-1').reply(201, { id: 'a1', type: 'Unisolate', status: 'Pending', machineId: ID });
	const run = await engine.run(releaseWorkflow([{ t: 1 }], { parameters: { device: { __rl: true, mode: 'id', value: ID }, comment: ' clean ' } }));
	expect(runError(run)).toBeUndefined();
	expect(jsonOf(run, 'Released')).toEqual([{ id: 'a1', type: 'Unisolate', status: 'Pending', machineId: ID, outcome: 'created' }]);
	expect(token.isDone() && post.isDone()).toBe(true);
});
