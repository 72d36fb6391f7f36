import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { RunState, Settling } from '../run/runState';

/**
 * One item's work: a result object, or several (the Get Many operations), or one that comes later
 * (Wait for Completion).
 */
export type OperationExecute = (
	this: IExecuteFunctions,
	itemIndex: number,
	run: RunState,
) => Promise<IDataObject | IDataObject[] | Settling>;
