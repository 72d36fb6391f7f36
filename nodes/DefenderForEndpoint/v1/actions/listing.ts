import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { itemBudget, type RunState } from '../run/runState';
import type { Endpoint } from '../transport/endpoints';
import { operationError } from '../transport/errors';
import { resultLimit } from './parameters';

/** The Get Many operations: Return All / Limit, and a $filter built from the Filters collection. */
export async function listWithFilter(
	context: IExecuteFunctions,
	run: RunState,
	itemIndex: number,
	list: {
		endpoint: Endpoint;
		what: string;
		filter: (filters: IDataObject, zone: string) => string | undefined;
	},
): Promise<IDataObject[]> {
	const limit = resultLimit(context, itemIndex);
	const filters = context.getNodeParameter('filters', itemIndex, {}) as IDataObject;
	let $filter: string | undefined;
	try {
		$filter = list.filter(filters, context.getTimezone());
	} catch (error) {
		throw operationError(
			context.getNode(),
			itemIndex,
			`Filters: ${(error as Error).message}`,
			'Nothing was sent for this item.',
		);
	}
	const entities = await run.client.list<IDataObject>(
		list.endpoint.path,
		$filter ? { $filter } : {},
		{
			itemIndex,
			budget: itemBudget(run),
			permission: 'Machine.Read.All',
			what: list.what,
		},
		limit,
	);
	return entities;
}
