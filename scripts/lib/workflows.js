'use strict';
/** Workflows and credentials for the scripts that import them into real n8n (e2e, queue mode). */
const fs = require('node:fs');
const path = require('node:path');

const { REPO_ROOT } = require('./n8n-cli');

const NODE_TYPE = 'n8n-nodes-defender-for-endpoint.defenderForEndpoint';
const CREDENTIAL_TYPE = 'defenderForEndpointOAuth2Api';
const EXAMPLES = path.join(REPO_ROOT, 'examples');

function readExample(file) {
	return JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), 'utf8'));
}

const nodeNamed = (workflow, name) => workflow.nodes.find((node) => node.name === name);

/** A Code node's source that returns the given items. */
const itemsCode = (items) => `return ${JSON.stringify(items, null, 2)}.map((json) => ({ json }));`;

/** Replaces a workflow's trigger by a Manual Trigger of the same name (`n8n execute` starts at a Manual Trigger). */
function withManualTrigger(workflow, triggerType) {
	const copy = structuredClone(workflow);
	const trigger = copy.nodes.find((node) => node.type === triggerType);
	if (!trigger) throw new Error(`${workflow.name}: no ${triggerType} node`);
	Object.assign(trigger, { type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, parameters: {} });
	return copy;
}

/**
 * Writes the file `n8n import:credentials` reads: one application credential for the simulator's Custom cloud.
 * The file holds the client secret: remove it once imported.
 */
function writeSimulatorCredential(
	file,
	credential,
	{ tenantId, clientId, clientSecret, apiBaseUrl, tokenUrl, scope },
) {
	fs.writeFileSync(
		file,
		JSON.stringify([
			{
				...credential,
				type: CREDENTIAL_TYPE,
				data: {
					cloud: 'custom',
					tenantId,
					applicationId: clientId,
					applicationSecret: clientSecret,
					customApiBaseUrl: apiBaseUrl,
					customTokenUrl: tokenUrl,
					customScope: scope,
				},
			},
		]),
	);
}

module.exports = {
	NODE_TYPE,
	CREDENTIAL_TYPE,
	readExample,
	nodeNamed,
	itemsCode,
	withManualTrigger,
	writeSimulatorCredential,
};
