import type { IDataObject } from 'n8n-workflow';

import type { HostnameMatching } from '../../lib/batching';
import type { RetryPolicy } from '../../lib/retryPolicy';
import { ActionsUnderWay } from '../defender/actionsUnderWay';
import type { Machine } from '../defender/devices';
import type { MachineAction } from '../defender/machineActions';
import { DefenderClient, RetryBudget, type ExecutionContext, type Runtime } from '../transport';
import { Watcher } from './watcher';

/** The options every item of one execution shares (read once, from the first item). */
export interface RunOptions {
	hostnameMatching: HostnameMatching;
	retryPolicy: RetryPolicy;
	timeoutMs: number;
	parallelRequests: number;
	/**
	 * Dry Run (Isolate and Release From Isolation): plan and check as a real run would, and send
	 * nothing.
	 */
	dryRun: boolean;
}

/**
 * What the plan stage learned before acting, so that most items need no lookup call of their own.
 */
export interface DevicePlan {
	/**
	 * The devices each typed hostname names (keyed exactly as typed). A name missing here is looked
	 * up by its item.
	 */
	hostnames: Map<string, Machine[]>;
	/**
	 * Isolate/Unisolate actions per machine ID, for Get Isolation State. A device missing here is
	 * read by its item.
	 */
	isolationActions: Map<string, MachineAction[]>;
	/**
	 * Devices by machine ID (lower case), read in batches for a dry run. A device missing here is
	 * read by its item.
	 */
	machines: Map<string, Machine>;
	/**
	 * Machine actions by ID (lower case), read in batches for Action Center › Get. One missing here
	 * is read by its item.
	 */
	actions: Map<string, MachineAction>;
	/** Defender refused a batched filter once: every later lookup of the run goes per item. */
	batchingRefused: boolean;
}

/**
 * An item's result that comes later (Wait for Completion): the item's worker is free as soon as its
 * action is sent, and the router pairs the result with the item when the run's watcher settles it.
 */
export class Settling {
	constructor(readonly result: Promise<IDataObject>) {}
}

/**
 * One device's action in this run: the submission's output, and when the item waits, its
 * completion.
 */
export interface DeviceWork {
	output: IDataObject;
	completion?: Promise<IDataObject>;
}

/**
 * How a submitted action came to be: our request created it, or one of the same type was already
 * under way.
 */
export type SubmitOutcome = 'created' | 'alreadyInProgress';

/**
 * One request this execution sent: an accepted action, or a request whose outcome is not known
 * (yet).
 */
export interface SentRecord {
	itemIndex: number;
	machineId: string;
	type: string;
	actionId?: string;
	outcome: SubmitOutcome | 'unknown';
}

/**
 * Every device action this execution sent, so that none goes unreported when the execution stops or
 * is cancelled. A request is in flight from the moment it leaves the process until its fate is
 * known.
 */
export class SentLog {
	private readonly records = new Set<SentRecord>();

	inFlight(record: SentRecord): void {
		this.records.add(record);
	}

	settled(record: SentRecord): void {
		this.records.delete(record);
	}

	accepted(record: SentRecord): void {
		this.records.add(record);
	}

	get all(): SentRecord[] {
		return [...this.records];
	}
}

/** What the items of one execution share. */
export interface RunState {
	client: DefenderClient;
	options: RunOptions;
	/**
	 * Device actions of this run, by action type and machine ID: a device named twice is acted on
	 * once.
	 */
	actionsByDevice: Map<string, Promise<DeviceWork>>;
	/** The tenant's isolation actions under way, as this run knows them. */
	actionsUnderWay: ActionsUnderWay;
	sent: SentLog;
	plan: DevicePlan;
	/** Follows every submitted action the items wait for, all together. */
	watcher: Watcher;
}

/** A fresh retry budget for one item's calls, under the run's policy. */
export function itemBudget(run: RunState): RetryBudget {
	return new RetryBudget(run.options.retryPolicy);
}

/**
 * A run's shared state: the client (the credential and its cloud checked), and nothing learned yet.
 */
export async function createRun(
	context: ExecutionContext,
	options: RunOptions,
	runtime: Runtime,
): Promise<RunState> {
	const client = await DefenderClient.create(context, options.timeoutMs, runtime);
	const plan: DevicePlan = {
		hostnames: new Map(),
		isolationActions: new Map(),
		machines: new Map(),
		actions: new Map(),
		batchingRefused: false,
	};
	const cancelSignal =
		'getExecutionCancelSignal' in context ? context.getExecutionCancelSignal() : undefined;
	return {
		client,
		options,
		actionsByDevice: new Map(),
		actionsUnderWay: new ActionsUnderWay(client, options.retryPolicy),
		sent: new SentLog(),
		plan,
		watcher: new Watcher(client, options.retryPolicy, plan, cancelSignal),
	};
}
