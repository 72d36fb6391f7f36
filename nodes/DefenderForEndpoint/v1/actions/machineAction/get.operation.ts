import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { machineActionIdField } from '../../descriptions/device';
import { requestOptions } from '../../descriptions/options';
import { requiredActionId } from '../../helpers/actionIds';
import { actionOutput } from '../../helpers/deviceActions';
import { RetryBudget } from '../../transport';
import type { RunState } from '../node.type';

const properties: INodeProperties[] = [machineActionIdField, requestOptions];

export const description = updateDisplayOptions({ show: { resource: ['machineAction'], operation: ['get'] } }, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number, run: RunState): Promise<IDataObject> {
	const id = requiredActionId(this, itemIndex);
	const action = await run.client.call(
		{ method: 'GET', path: `/api/machineactions/${id}` },
		{ itemIndex, budget: new RetryBudget(run.options.retryPolicy), permission: 'Machine.Read.All', what: `get machine action ${id}` },
	);
	return actionOutput(action);
}
