import type { INodeTypeBaseDescription, IVersionedNodeType } from 'n8n-workflow';
import { VersionedNodeType } from 'n8n-workflow';

import type { Clock } from './v1/transport';
import { DefenderForEndpointV1 } from './v1/DefenderForEndpointV1.node';

export class DefenderForEndpoint extends VersionedNodeType {
	/**
	 * n8n constructs the node without options: it runs on the wall clock. The benchmark and the demo give it the
	 * simulator's scaled clock, so that an hour of Defender's quota passes in a minute.
	 */
	constructor(options: { clock?: Clock } = {}) {
		const baseDescription: INodeTypeBaseDescription = {
			displayName: 'Defender for Endpoint',
			name: 'defenderForEndpoint',
			icon: { light: 'file:defenderForEndpoint.svg', dark: 'file:defenderForEndpoint.dark.svg' },
			group: ['transform'],
			description: 'Isolate and release devices, and follow machine actions, in Microsoft Defender for Endpoint',
			defaultVersion: 1,
		};

		const nodeVersions: IVersionedNodeType['nodeVersions'] = {
			1: new DefenderForEndpointV1(options.clock),
		};

		super(nodeVersions, baseDescription);
	}
}
