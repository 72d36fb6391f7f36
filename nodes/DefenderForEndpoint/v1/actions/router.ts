import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { readRunOptions } from '../descriptions/options';
import { planRun } from '../run/plan';
import { createRun, type RunState } from '../run/runState';
import type { Runtime } from '../transport';
import { CUSTOM_API_CALL, customApiCallError } from './customApiCall';
import * as device from './device/Device.resource';
import { ItemResults } from './itemResults';
import * as machineAction from './machineAction/MachineAction.resource';
import type { OperationExecute } from './node.type';

const operations: Record<string, Record<string, { execute: OperationExecute }>> = {
	device: {
		get: device.get,
		getIsolatedDevices: device.getIsolatedDevices,
		getIsolationState: device.getIsolationState,
		getMany: device.getMany,
		isolate: device.isolate,
		releaseFromIsolation: device.releaseFromIsolation,
	},
	machineAction: {
		cancel: machineAction.cancel,
		get: machineAction.get,
		getMany: machineAction.getMany,
	},
};

/**
 * Runs the operation for every input item: N items in, N results out, each paired with its input. A
 * failed item becomes an error item when "On Error" continues; otherwise the node stops after the
 * items in flight.
 */
export async function router(
	this: IExecuteFunctions,
	runtime: Runtime,
): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const { handler, resource, operation } = chosenOperation(this);
	const { run, setupFailure } = await startRun(
		this,
		runtime,
		{ resource, operation },
		items.length,
	);
	const results = new ItemResults(this, run, items.length);
	const processItem = async (itemIndex: number) => {
		try {
			if (!run) throw setupFailure;
			results.record(itemIndex, await handler.execute.call(this, itemIndex, run));
		} catch (error) {
			await results.fail(itemIndex, error);
		}
	};
	const workers = Math.min(run?.options.parallelRequests ?? 1, items.length);
	await runItems(items.length, workers, processItem, () => results.stopping);
	return [await results.all()];
}

/**
 * Processes the items with `workers` at once, in order, until all are done or the run is stopping.
 * The first item runs alone: it fetches the OAuth2 token, which n8n would otherwise fetch once per
 * parallel request.
 */
async function runItems(
	count: number,
	workers: number,
	processItem: (itemIndex: number) => Promise<void>,
	stopping: () => boolean,
): Promise<void> {
	let next = 0;
	const worker = async () => {
		while (next < count && !stopping()) await processItem(next++);
	};
	if (count > 0) await processItem(next++);
	await Promise.all(Array.from({ length: workers }, worker));
}

function chosenOperation(context: IExecuteFunctions): {
	handler: { execute: OperationExecute };
	resource: string;
	operation: string;
} {
	const resource = context.getNodeParameter('resource', 0) as string;
	if (resource === CUSTOM_API_CALL) throw customApiCallError(context);
	const operation = context.getNodeParameter('operation', 0) as string;
	if (operation === CUSTOM_API_CALL) throw customApiCallError(context);
	const handler = operations[resource]?.[operation];
	if (!handler) {
		throw new NodeOperationError(
			context.getNode(),
			`The operation "${operation}" of "${resource}" is not supported`,
		);
	}
	return { handler, resource, operation };
}

/**
 * The run's shared state, or why there is none: then every item fails with that reason, and nothing
 * is sent.
 */
async function startRun(
	context: IExecuteFunctions,
	runtime: Runtime,
	{ resource, operation }: { resource: string; operation: string },
	itemCount: number,
): Promise<{ run?: RunState; setupFailure?: unknown }> {
	try {
		const run = await createRun(context, readRunOptions(context), runtime);
		await planRun(context, run, resource, operation, itemCount);
		return { run };
	} catch (error) {
		return { setupFailure: error };
	}
}
