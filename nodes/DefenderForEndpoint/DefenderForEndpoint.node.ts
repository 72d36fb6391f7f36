import type { INodeTypeBaseDescription, IVersionedNodeType } from 'n8n-workflow';
import { VersionedNodeType } from 'n8n-workflow';

import { DefenderForEndpointV1 } from './v1/DefenderForEndpointV1.node';

export class DefenderForEndpoint extends VersionedNodeType {
	constructor() {
		const baseDescription: INodeTypeBaseDescription = {
			displayName: 'Defender for Endpoint',
			name: 'defenderForEndpoint',
			icon: { light: 'file:defenderForEndpoint.svg', dark: 'file:defenderForEndpoint.dark.svg' },
			group: ['transform'],
			description: 'Isolate and release devices, and follow machine actions, in Microsoft Defender for Endpoint',
			defaultVersion: 1,
		};

		const nodeVersions: IVersionedNodeType['nodeVersions'] = {
			1: new DefenderForEndpointV1(),
		};

		super(nodeVersions, baseDescription);
	}
}
