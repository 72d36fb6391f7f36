import type { IDataObject, INodeExecutionData } from 'n8n-workflow';
import nock from 'nock';

import { DefenderForEndpointDelegatedOAuth2Api } from '../../credentials/DefenderForEndpointDelegatedOAuth2Api.credentials';
import { DefenderForEndpointOAuth2Api } from '../../credentials/DefenderForEndpointOAuth2Api.credentials';
import { DefenderForEndpoint } from '../../nodes/DefenderForEndpoint/DefenderForEndpoint.node';
import { DefenderForEndpointTrigger } from '../../nodes/DefenderForEndpointTrigger/DefenderForEndpointTrigger.node';
import { API, apiErrorBody } from './defenderMocks';
import { CREDENTIAL_ID, NODE_TYPE, type Engine } from './workflow';

/* eslint-disable @typescript-eslint/no-require-imports */
const { createEngine } = require('../../tooling/engine') as {
	createEngine: (setup: object) => TriggerEngine;
};
const { compileFilter } = require('../../simulator/odataFilter') as {
	compileFilter: (filter: string) => (entity: object) => boolean;
};
/* eslint-enable @typescript-eslint/no-require-imports */

export const TRIGGER_TYPE = 'n8n-nodes-defender-for-endpoint.defenderForEndpointTrigger';

export interface PollOutcome {
	result?: INodeExecutionData[][] | null;
	error?: Error;
	staticData: IDataObject;
}

export interface TriggerEngine extends Engine {
	poll(
		workflow: object,
		options?: { mode?: 'trigger' | 'manual'; staticData?: IDataObject },
	): Promise<PollOutcome>;
}

export function newTriggerEngine(): TriggerEngine {
	return createEngine({
		nodeTypes: {
			[NODE_TYPE]: new DefenderForEndpoint(),
			[TRIGGER_TYPE]: new DefenderForEndpointTrigger(),
		},
		credentialTypes: {
			defenderForEndpointOAuth2Api: new DefenderForEndpointOAuth2Api(),
			defenderForEndpointDelegatedOAuth2Api: new DefenderForEndpointDelegatedOAuth2Api(),
		},
	});
}

/** Trigger → (nothing): the trigger alone, with its parameters. */
export function triggerWorkflow(
	parameters: IDataObject = {},
	signIn: 'application' | 'delegated' = 'application',
) {
	return {
		id: 'wf-trigger',
		name: 'isolation events',
		nodes: [
			{
				id: 'trigger-node',
				name: 'Defender Trigger',
				type: TRIGGER_TYPE,
				typeVersion: 1,
				position: [0, 0],
				parameters: {
					...(signIn === 'delegated' ? { authentication: 'delegated' } : {}),
					...parameters,
				},
				credentials:
					signIn === 'delegated'
						? { defenderForEndpointDelegatedOAuth2Api: { id: CREDENTIAL_ID, name: 'Analyst' } }
						: { defenderForEndpointOAuth2Api: { id: CREDENTIAL_ID, name: 'Defender' } },
			},
		],
		connections: {},
	};
}

/** The items a poll returned (none when it returned null). */
export function itemsOf(outcome: PollOutcome): IDataObject[] {
	if (outcome.error) throw outcome.error;
	return (outcome.result?.[0] ?? []).map((item) => item.json);
}

/** "deviceIsolated <actionId>" per item: what a test compares. */
export const eventKeys = (items: IDataObject[]) =>
	items.map((item) => `${String(item.event)} ${String((item.machineAction as IDataObject).id)}`);

/**
 * Defender's GET /api/machineactions over a list the test controls: $filter evaluated by the simulator's OData
 * parser, listed newest first (or as given), pages of `pageSize` with @odata.nextLink; an action in `hidden` is not
 * listed yet (Defender lists some actions late); `refuse` answers 403 to the filters it matches.
 */
export function fakeDefender(options: { pageSize?: number } = {}) {
	const actions: IDataObject[] = [];
	const hidden = new Set<string>();
	const filters: string[] = [];
	const fake = {
		actions,
		hidden,
		filters,
		pageSize: options.pageSize ?? 10_000,
		refuse: undefined as ((filter: string) => boolean) | undefined,
	};
	nock(API)
		.persist()
		.get('/api/machineactions')
		.query(true)
		.reply((uri) => {
			const query = new URL(uri, API).searchParams;
			const filter = query.get('$filter') ?? '';
			filters.push(filter);
			if (fake.refuse?.(filter)) return [403, apiErrorBody('Forbidden', 'Refused by the test')];
			const matching = actions.filter(
				(action) => !hidden.has(String(action.id)) && compileFilter(filter)(action),
			);
			const skip = Number(query.get('$skip') ?? 0);
			const top = Math.min(Number(query.get('$top') ?? 10_000), fake.pageSize);
			const value = matching.slice(skip, skip + top);
			const body: IDataObject = { value };
			if (skip + value.length < matching.length) {
				const next = new URLSearchParams(query);
				next.set('$skip', String(skip + value.length));
				body['@odata.nextLink'] = `${API}/api/machineactions?${next}`;
			}
			return [200, body];
		});
	return fake;
}
