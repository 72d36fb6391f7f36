import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	NodeConnectionType,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import * as device from './actions/device/Device.resource';
import * as machineAction from './actions/machineAction/MachineAction.resource';
import { router } from './actions/router';
import { authenticationProperty, credentialsByAuthentication } from './descriptions/authentication';
import { subtitleExpression } from './descriptions/subtitle';
import { listSearch } from './methods';
import { processRuntime, type Runtime } from './transport';

/** One main input and one main output. */
const MAIN_CONNECTION: NodeConnectionType[] = [NodeConnectionTypes.Main];

const resourceProperty = {
	displayName: 'Resource',
	name: 'resource',
	type: 'options' as const,
	noDataExpression: true,
	options: [
		{ name: 'Device', value: 'device' },
		// Shown in the node creator as "<name> Actions"; Defender's portal lists machine actions in its
		// Action center.
		{ name: 'Action Center', value: 'machineAction' },
	],
	default: 'device',
};

export class DefenderForEndpointV1 implements INodeType {
	// The icon path is resolved next to this file by the linters and next to
	// DefenderForEndpoint.node.ts by n8n's loader (a version's icon is resolved against its versioned
	// node's file); v1/defenderForEndpoint.svg is a symbolic link to ../defenderForEndpoint.svg (and
	// the dark variant likewise), so both name the same file.
	description: INodeTypeDescription = {
		displayName: 'Defender for Endpoint',
		name: 'defenderForEndpoint',
		icon: { light: 'file:defenderForEndpoint.svg', dark: 'file:defenderForEndpoint.dark.svg' },
		group: ['transform'],
		version: 1,
		defaultVersion: 1,
		subtitle: subtitleExpression(resourceProperty, [
			...device.description,
			...machineAction.description,
		]),
		description:
			'Isolate and release devices, and follow machine actions, in Microsoft Defender for Endpoint',
		defaults: { name: 'Defender for Endpoint' },
		usableAsTool: true,
		inputs: MAIN_CONNECTION,
		outputs: MAIN_CONNECTION,
		credentials: credentialsByAuthentication,
		properties: [
			authenticationProperty,
			resourceProperty,
			...device.description,
			...machineAction.description,
		],
	};

	methods = { listSearch };

	/**
	 * n8n calls execute with the execution's context as `this`: the node's runtime reaches the router
	 * through a closure.
	 */
	readonly execute: (this: IExecuteFunctions) => Promise<INodeExecutionData[][]>;

	constructor(runtime: Runtime = processRuntime) {
		this.execute = async function (this: IExecuteFunctions) {
			return await router.call(this, runtime);
		};
	}
}
