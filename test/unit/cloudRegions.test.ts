import { DefenderForEndpointDelegatedOAuth2Api } from '../../credentials/DefenderForEndpointDelegatedOAuth2Api.credentials';
import { DefenderForEndpointOAuth2Api } from '../../credentials/DefenderForEndpointOAuth2Api.credentials';
import { CLOUDS, delegatedScope } from '../../nodes/DefenderForEndpoint/lib/clouds';

// Defender's regional API hosts besides the worldwide one (improve-request-performance.md): us, eu, uk, au, swa
// (Switzerland), ina (India). Every named cloud's hosts are tested in clouds.test.ts.
describe('the regional hosts', () => {
	it.each([
		['swa', 'Commercial – Switzerland Region'],
		['ina', 'Commercial – India Region'],
	])(
		'%s is a commercial region: its own API host, the commercial sign-in, scope and portal',
		(cloud, label) => {
			expect(CLOUDS[cloud as keyof typeof CLOUDS]).toEqual({
				...CLOUDS.commercial,
				label,
				apiBaseUrl: `https://${cloud}.api.security.microsoft.com`,
			});
		},
	);

	it('asks a signed-in analyst for the commercial delegated scope in every commercial region', () => {
		for (const cloud of ['us', 'eu', 'uk', 'au', 'swa', 'ina'] as const) {
			expect(delegatedScope(CLOUDS[cloud].scope)).toBe(
				'https://api.securitycenter.microsoft.com/Machine.Isolate https://api.securitycenter.microsoft.com/Machine.Read offline_access',
			);
		}
	});

	it.each([
		['application', new DefenderForEndpointOAuth2Api()],
		['delegated', new DefenderForEndpointDelegatedOAuth2Api()],
	])('the %s credential offers every cloud, then Custom', (_kind, credential) => {
		const cloudField = credential.properties.find((property) => property.name === 'cloud');
		expect(
			cloudField?.options?.map((option) => ('value' in option ? option.value : undefined)),
		).toEqual([
			'commercial',
			'us',
			'eu',
			'uk',
			'au',
			'swa',
			'ina',
			'gcc',
			'gccHigh',
			'dod',
			'custom',
		]);
		expect(cloudField?.options?.map((option) => option.name)).toEqual(
			expect.arrayContaining(['Commercial – Switzerland Region', 'Commercial – India Region']),
		);
	});
});
