import type { INodeTypeBaseDescription, IVersionedNodeType } from 'n8n-workflow';
import { VersionedNodeType } from 'n8n-workflow';

import { runtimeWith, type Runtime } from './v1/transport';
import { DefenderForEndpointV1 } from './v1/DefenderForEndpointV1.node';

export class DefenderForEndpoint extends VersionedNodeType {
	/**
	 * n8n constructs the node without options: it runs on the wall clock and this process's rate
	 * limiters. The benchmark, the demo and the tests give it the simulator's scaled clock (an hour
	 * of Defender's quota passes in a minute) or limiters of their own.
	 */
	constructor(options: Partial<Runtime> = {}) {
		const baseDescription: INodeTypeBaseDescription = {
			displayName: 'Defender for Endpoint',
			name: 'defenderForEndpoint',
			icon: { light: 'file:defenderForEndpoint.svg', dark: 'file:defenderForEndpoint.dark.svg' },
			group: ['transform'],
			description:
				'Isolate and release devices, and follow machine actions, in Microsoft Defender for Endpoint',
			defaultVersion: 1,
		};

		const nodeVersions: IVersionedNodeType['nodeVersions'] = {
			1: new DefenderForEndpointV1(runtimeWith(options)),
		};

		super(nodeVersions, baseDescription);
	}
}
