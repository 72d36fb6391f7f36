import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { RunOptions } from '../descriptions/options';
import type { ActiveActions } from '../helpers/activeActions';
import type { SubmittedRecord } from '../helpers/machineActions';
import type { DefenderClient } from '../transport';
import type { DevicePlan } from './plan';

/** What the items of one execution share. */
export interface RunState {
	client: DefenderClient;
	options: RunOptions;
	/** Device actions of this run, by action type and machine ID: a device named twice is acted on once. */
	deviceActions: Map<string, Promise<IDataObject>>;
	/** The tenant's isolation actions under way, as this run knows them. */
	activeActions: ActiveActions;
	/** Every device action this execution sent, so none goes unreported when the execution stops or is cancelled. */
	submitted: SubmittedRecord[];
	/** What the run learned before acting (batched hostname lookups, isolation actions). */
	plan: DevicePlan;
}

/** One item's work: a result object, or several (the Get Many operations). */
export type OperationExecute = (
	this: IExecuteFunctions,
	itemIndex: number,
	run: RunState,
) => Promise<IDataObject | IDataObject[]>;
