import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { machineActionIdField } from '../../descriptions/device';
import { requestOptions } from '../../descriptions/options';
import { actionOutput, readAction } from '../../defender/machineActions';
import { itemBudget, type RunState } from '../../run/runState';
import { requiredActionId } from '../parameters';

const properties: INodeProperties[] = [machineActionIdField, requestOptions];

export const description = updateDisplayOptions(
	{ show: { resource: ['machineAction'], operation: ['get'] } },
	properties,
);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	run: RunState,
): Promise<IDataObject> {
	const id = requiredActionId(this, itemIndex);
	// Read in the run's batched reads (several items), or by ID.
	const action =
		run.plan.actions.get(id.toLowerCase()) ??
		(await readAction(run.client, id, {
			itemIndex,
			budget: itemBudget(run),
			permission: 'Machine.Read.All',
			what: `get machine action ${id}`,
		}));
	return actionOutput(action);
}
