'use strict';
/** The shapes of Defender's and Entra ID's answers. */
const crypto = require('node:crypto');

const ODATA_HEADERS = {
	'Content-Type': 'application/json; odata.metadata=minimal; odata.streaming=true; charset=utf-8',
	'OData-Version': '4.0',
};

/** Defender's error answer: {error: {code, message, target}}. */
const errorBody = (code, message) => ({ error: { code, message, target: crypto.randomUUID() } });

/** Entra's error answer, stamped with the simulated clock `now`: {error, error_description: "AADSTS…: …", error_codes, …}. */
const entraError = (now, status, error, code, description) => [
	status,
	{
		error,
		error_description: `AADSTS${code}: ${description}\r\nTrace ID: ${crypto.randomUUID()}\r\nCorrelation ID: ${crypto.randomUUID()}\r\nTimestamp: ${new Date(now()).toISOString()}`,
		error_codes: [code],
		timestamp: new Date(now()).toISOString(),
		trace_id: crypto.randomUUID(),
		correlation_id: crypto.randomUUID(),
	},
];

module.exports = { ODATA_HEADERS, errorBody, entraError };
