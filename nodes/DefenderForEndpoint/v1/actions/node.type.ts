import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { RunOptions } from '../descriptions/options';
import type { SubmittedAction } from '../helpers/machineActions';
import type { DefenderClient } from '../transport';

/** What the items of one execution share. */
export interface RunState {
	client: DefenderClient;
	options: RunOptions;
	/** Device actions already submitted in this run, by action and machine ID: a device named twice is acted on once. */
	submitted: Map<string, Promise<SubmittedAction>>;
}

export type OperationExecute = (this: IExecuteFunctions, itemIndex: number, run: RunState) => Promise<IDataObject>;
