/* eslint-disable n8n-nodes-base/node-filename-against-convention -- the version description of a versioned node, as in n8n's own nodes */
import type { INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import * as device from './device/Device.resource';
import * as machineAction from './machineAction/MachineAction.resource';

export const versionDescription: INodeTypeDescription = {
	displayName: 'Defender for Endpoint',
	name: 'defenderForEndpoint',
	group: ['transform'],
	version: 1,
	subtitle: '={{ $parameter["operation"] + ": " + $parameter["resource"] }}',
	description: 'Isolate and release devices, and follow machine actions, in Microsoft Defender for Endpoint',
	defaults: { name: 'Defender for Endpoint' },
	usableAsTool: true,
	inputs: [NodeConnectionTypes.Main],
	outputs: [NodeConnectionTypes.Main],
	credentials: [{ name: 'defenderForEndpointOAuth2Api', required: true }],
	properties: [
		{
			displayName: 'Resource',
			name: 'resource',
			type: 'options',
			noDataExpression: true,
			options: [
				{ name: 'Device', value: 'device' },
				{ name: 'Machine Action', value: 'machineAction' },
			],
			default: 'device',
		},
		...device.description,
		...machineAction.description,
	],
};
