import type { IDataObject, INodeExecutionData, IRun } from 'n8n-workflow';

import { DefenderForEndpointDelegatedOAuth2Api } from '../../credentials/DefenderForEndpointDelegatedOAuth2Api.credentials';
import { DefenderForEndpointOAuth2Api } from '../../credentials/DefenderForEndpointOAuth2Api.credentials';
import { DefenderForEndpoint } from '../../nodes/DefenderForEndpoint/DefenderForEndpoint.node';
import { testClock } from './clock';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createEngine, outputOf } = require('../../tooling/engine') as {
	createEngine: (setup: object) => Engine;
	outputOf: (run: IRun, node: string, output?: number) => INodeExecutionData[] | undefined;
};

export interface Engine {
	credentialsHelper: {
		save(id: string, type: string, data: IDataObject): void;
		stored(id: string): IDataObject;
	};
	run(workflow: object): Promise<IRun>;
	start(workflow: object): Promise<IRun> & { cancel(): void };
	testCredential(id: string, type: string): Promise<{ status: 'OK' | 'Error'; message?: string }>;
}

export const NODE_TYPE = 'n8n-nodes-defender-for-endpoint.defenderForEndpoint';
export const CREDENTIAL_ID = 'defender-credential';

export function newEngine(): Engine {
	return createEngine({
		nodeTypes: { [NODE_TYPE]: new DefenderForEndpoint({ clock: testClock }) },
		credentialTypes: {
			defenderForEndpointOAuth2Api: new DefenderForEndpointOAuth2Api(),
			defenderForEndpointDelegatedOAuth2Api: new DefenderForEndpointDelegatedOAuth2Api(),
		},
	});
}

export interface DefenderNodeSetup {
	parameters: IDataObject;
	/** Delegated: the node's Authentication is "delegated" and it uses the delegated credential CREDENTIAL_ID. */
	signIn?: 'application' | 'delegated';
	onError?: 'stopWorkflow' | 'continueRegularOutput' | 'continueErrorOutput';
}

/** Items → Defender for Endpoint (Release From Isolation unless the parameters say otherwise) → Released, and Errors on the error output. */
export function defenderWorkflow(items: IDataObject[], defender: DefenderNodeSetup) {
	return {
		name: 'release',
		nodes: [
			{
				id: '1',
				name: 'Tickets',
				type: 'fixture.items',
				typeVersion: 1,
				position: [0, 0],
				parameters: { items: JSON.stringify(items) },
			},
			{
				id: '2',
				name: 'Defender',
				type: NODE_TYPE,
				typeVersion: 1,
				position: [200, 0],
				parameters: {
					...(defender.signIn === 'delegated' ? { authentication: 'delegated' } : {}),
					resource: 'device',
					operation: 'releaseFromIsolation',
					...defender.parameters,
				},
				credentials:
					defender.signIn === 'delegated'
						? { defenderForEndpointDelegatedOAuth2Api: { id: CREDENTIAL_ID, name: 'Analyst' } }
						: { defenderForEndpointOAuth2Api: { id: CREDENTIAL_ID, name: 'Defender' } },
				...(defender.onError ? { onError: defender.onError } : {}),
			},
			{
				id: '3',
				name: 'Released',
				type: 'fixture.collect',
				typeVersion: 1,
				position: [400, 0],
				parameters: {},
			},
			{
				id: '4',
				name: 'Errors',
				type: 'fixture.collect',
				typeVersion: 1,
				position: [400, 200],
				parameters: {},
			},
		],
		connections: {
			Tickets: { main: [[{ node: 'Defender', type: 'main', index: 0 }]] },
			Defender: {
				main: [
					[{ node: 'Released', type: 'main', index: 0 }],
					[{ node: 'Errors', type: 'main', index: 0 }],
				],
			},
		},
	};
}

export { outputOf };

/** The JSON of every item a node emitted on an output. */
export function jsonOf(run: IRun, node: string, output = 0): IDataObject[] {
	return (outputOf(run, node, output) ?? []).map((item) => item.json);
}

/** The error the workflow stopped with, if any. */
export function runError(run: IRun) {
	return run.data.resultData.error;
}
