'use strict';
/**
 * The benchmark's baseline: what a workflow author gets without this node's machinery — one plain
 * POST /unisolate per item, in order, through n8n's OAuth2 request helper; the first error fails the node, and the
 * node's "Retry On Fail" setting (set in the workflow) makes n8n re-run the whole node, every item again.
 */
const naiveRelease = {
	description: {
		displayName: 'Naive Release',
		name: 'bench.naiveRelease',
		group: ['transform'],
		version: 1,
		description: 'One request per item, no retries of its own',
		defaults: { name: 'Naive Release' },
		inputs: ['main'],
		outputs: ['main'],
		credentials: [{ name: 'defenderForEndpointOAuth2Api', required: true }],
		properties: [{ displayName: 'API Base URL', name: 'apiBaseUrl', type: 'string', default: '' }],
	},
	async execute() {
		const apiBaseUrl = this.getNodeParameter('apiBaseUrl', 0);
		const results = [];
		for (const [index, item] of this.getInputData().entries()) {
			const action = await this.helpers.httpRequestWithAuthentication.call(
				this,
				'defenderForEndpointOAuth2Api',
				{
					method: 'POST',
					url: `${apiBaseUrl}/api/machines/${item.json.id}/unisolate`,
					body: { Comment: 'Released by the baseline' },
					json: true,
				},
			);
			results.push({ json: action, pairedItem: { item: index } });
		}
		return [results];
	},
};

module.exports = { naiveRelease };
