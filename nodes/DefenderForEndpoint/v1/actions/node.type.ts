import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { RunState } from '../run/runState';

/** One item's work: a result object, or several (the Get Many operations). */
export type OperationExecute = (
	this: IExecuteFunctions,
	itemIndex: number,
	run: RunState,
) => Promise<IDataObject | IDataObject[]>;
