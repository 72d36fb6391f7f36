'use strict';
/** The Defender credential's data for a simulator (cloud: Custom, loopback URLs). */
function simulatorCredential({ credentials, apiBaseUrl, tokenUrl, scope }) {
	return {
		cloud: 'custom',
		tenantId: credentials.tenantId,
		applicationId: credentials.clientId,
		applicationSecret: credentials.clientSecret,
		customApiBaseUrl: apiBaseUrl,
		customTokenUrl: tokenUrl,
		customScope: scope,
	};
}

module.exports = { simulatorCredential };
