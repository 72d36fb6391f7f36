import type { ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

import { safeLowerCase, odataString } from '../../lib/odata';
import { DEFAULT_RETRY_POLICY } from '../../lib/retryPolicy';
import type { Machine } from '../defender/devices';
import { DefenderClient, RetryBudget } from '../transport';
import { endpoints } from '../transport/endpoints';

const PAGE_SIZE = 50;
/** The editor is waiting: a short budget instead of the workflow's minutes-long one. */
const SEARCH_POLICY = { ...DEFAULT_RETRY_POLICY, maxRetries: 2, maxTotalWaitMs: 10_000 };

/** Devices whose computer DNS name starts with what the user typed, a page at a time. */
export async function searchDevices(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	const client = await DefenderClient.create(this, 30_000);
	const skip = Number(paginationToken ?? 0) || 0;
	const typed = filter?.trim();
	const page = await client.call<{ value: Machine[] }>(
		{
			...endpoints.machines,
			qs: {
				...(typed
					? { $filter: `startswith(computerDnsName,${odataString(safeLowerCase(typed))})` }
					: {}),
				$top: PAGE_SIZE,
				$skip: skip,
			},
			page: true,
		},
		{
			itemIndex: 0,
			budget: new RetryBudget(SEARCH_POLICY),
			permission: 'Machine.Read.All',
			what: 'list devices',
		},
	);
	const machines = page.value;
	const portal = client.cloud.portalUrl;
	return {
		// Same-named devices (a re-imaged machine onboarded twice) must be told apart in the list.
		results: machines.map((machine) => ({
			name: `${machine.computerDnsName ?? machine.id} · ${machine.id.slice(0, 8)}… · last seen ${machine.lastSeen?.slice(0, 10) ?? 'unknown'} · ${machine.healthStatus ?? 'unknown'}${machine.mergedIntoMachineId ? ' · merged' : ''}`,
			value: machine.id,
			url: portal ? `${portal}/machines/${machine.id}` : undefined,
		})),
		paginationToken: machines.length === PAGE_SIZE ? String(skip + PAGE_SIZE) : undefined,
	};
}
