import type {
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IPollFunctions,
	NodeConnectionType,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import {
	authenticationProperty,
	credentialsByAuthentication,
} from '../DefenderForEndpoint/v1/descriptions/authentication';
import { eventsProperty, filtersProperty } from './description';
import { pollIsolationEvents } from './poll';

/** No input; one main output. */
const MAIN_OUTPUT: NodeConnectionType[] = [NodeConnectionTypes.Main];

export class DefenderForEndpointTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Defender for Endpoint Trigger',
		name: 'defenderForEndpointTrigger',
		icon: { light: 'file:defenderForEndpoint.svg', dark: 'file:defenderForEndpoint.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["events"].join(", ")}}',
		description:
			'Starts the workflow when devices are isolated or released in Microsoft Defender for Endpoint',
		defaults: { name: 'Defender for Endpoint Trigger' },
		polling: true,
		inputs: [],
		outputs: MAIN_OUTPUT,
		credentials: credentialsByAuthentication,
		properties: [authenticationProperty, eventsProperty, filtersProperty],
	};

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		return await pollIsolationEvents(this);
	}
}
