import type { INodeProperties } from 'n8n-workflow';

/** The events to start the workflow on; each is one output item. */
export const eventsProperty: INodeProperties = {
	displayName: 'Events',
	name: 'events',
	type: 'multiOptions',
	required: true,
	options: [
		{
			name: 'Device Isolated',
			value: 'deviceIsolated',
			description: 'An Isolate action reached Succeeded',
		},
		{
			name: 'Device Released',
			value: 'deviceReleased',
			description: 'An Unisolate (release from isolation) action reached Succeeded',
		},
		{
			name: 'Isolation or Release Failed',
			value: 'isolationOrReleaseFailed',
			description: 'An Isolate or Unisolate action ended Failed, TimeOut or Cancelled',
		},
		{
			name: 'Isolation or Release Requested',
			value: 'isolationOrReleaseRequested',
			description: 'A new Isolate or Unisolate action appeared, whatever its status',
		},
	],
	default: ['deviceIsolated', 'deviceReleased'],
};

export const filtersProperty: INodeProperties = {
	displayName: 'Filters',
	name: 'filters',
	type: 'collection',
	placeholder: 'Add filter',
	default: {},
	options: [
		{
			displayName: 'Comment Contains',
			name: 'commentContains',
			type: 'string',
			default: '',
			placeholder: 'INC-',
			description: "Only actions whose requestor's comment contains this text (case-insensitive)",
		},
		{
			displayName: 'Isolation Type',
			name: 'isolationType',
			type: 'options',
			options: [
				{ name: 'Any', value: '' },
				{ name: 'Full', value: 'Full' },
				{ name: 'Selective', value: 'Selective' },
				{ name: 'Unmanaged Device', value: 'UnManagedDevice' },
			],
			default: '',
			description:
				'Only Isolate actions of this isolation type; releases have no isolation type and always pass',
		},
		{
			displayName: 'Requestor',
			name: 'requestor',
			type: 'string',
			default: '',
			placeholder: 'analyst@contoso.com',
			description:
				'Only actions requested by this user or app, as Defender records it (case-insensitive)',
		},
	],
};
