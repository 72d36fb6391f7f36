import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { readRunOptions } from '../descriptions/options';
import { DefenderClient } from '../transport';
import * as device from './device/Device.resource';
import * as machineAction from './machineAction/MachineAction.resource';
import type { OperationExecute, RunState } from './node.type';

const operations: Record<string, Record<string, { execute: OperationExecute }>> = {
	device: {
		get: device.get,
		getIsolationState: device.getIsolationState,
		getMany: device.getMany,
		isolate: device.isolate,
		releaseFromIsolation: device.releaseFromIsolation,
	},
	machineAction: { cancel: machineAction.cancel, get: machineAction.get, getMany: machineAction.getMany },
};

/**
 * Runs the operation for every input item: N items in, N items out, each paired with its input.
 * A failed item becomes an error item when "On Error" continues; otherwise the node stops after the items in flight.
 */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const resource = this.getNodeParameter('resource', 0) as string;
	const operation = this.getNodeParameter('operation', 0) as string;
	const handler = operations[resource]?.[operation];
	if (!handler) {
		throw new NodeOperationError(this.getNode(), `The operation "${operation}" of "${resource}" is not supported`);
	}

	const options = readRunOptions(this);
	const results: INodeExecutionData[][] = Array.from({ length: items.length }, () => []);
	let firstFailure: unknown;

	let run: RunState | undefined;
	let setupFailure: unknown;
	try {
		run = { client: await DefenderClient.create(this, options.timeoutMs), options, deviceActions: new Map() };
	} catch (error) {
		setupFailure = error;
	}

	const processItem = async (itemIndex: number) => {
		try {
			if (!run) throw setupFailure;
			const result = await handler.execute.call(this, itemIndex, run);
			results[itemIndex] = (Array.isArray(result) ? result : [result]).map((json) => ({ json, pairedItem: { item: itemIndex } }));
		} catch (error) {
			if (!this.continueOnFail()) {
				firstFailure ??= withItemIndex(this, error, itemIndex);
				return;
			}
			const failure = withItemIndex(this, error, itemIndex);
			results[itemIndex] = [{ json: errorJson(failure), pairedItem: { item: itemIndex } }];
		}
	};

	// The first item runs alone: it fetches the OAuth2 token, which n8n would otherwise fetch once per parallel request.
	let next = 0;
	const worker = async () => {
		while (next < items.length && firstFailure === undefined) {
			await processItem(next++);
		}
	};
	if (items.length > 0) await processItem(next++);
	await Promise.all(Array.from({ length: Math.min(options.parallelRequests, items.length) }, worker));

	if (firstFailure !== undefined) throw firstFailure;
	return [results.flat()];
}

/** n8n's shape for an error item: only `error` and `details`, so "On Error: Continue (using error output)" routes it. */
function errorJson(error: NodeApiError | NodeOperationError): IDataObject {
	return { error: error.message, ...(error.description ? { details: error.description } : {}) };
}

function withItemIndex(context: IExecuteFunctions, error: unknown, itemIndex: number): NodeApiError | NodeOperationError {
	if (error instanceof NodeOperationError || error instanceof NodeApiError) return error;
	return new NodeOperationError(context.getNode(), error as Error, { itemIndex });
}
