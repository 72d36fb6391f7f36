import type { IExecuteFunctions } from 'n8n-workflow';

import { distinctIgnoringCase, hostnameClause, type HostnameMatching } from '../../lib/batching';
import { parseDeviceLocator, type DeviceLocator } from '../../lib/deviceLocator';
import { idClause, isolationActionsOf, machineIdClause } from '../../lib/filters';
import { safeLowerCase } from '../../lib/odata';
import { parseActionId } from '../../lib/validation';
import { devicesNamed, resolveDevice, type DeviceTarget, type Machine } from '../defender/devices';
import type { MachineAction } from '../defender/machineActions';
import type { RetryBudget } from '../transport';
import { endpoints } from '../transport/endpoints';
import { listInBatches } from './batchRead';
import type { RunState } from './runState';

/**
 * Operations that name devices by the Device locator, and the ones that read isolation actions per
 * device.
 */
const LOCATOR_OPERATIONS = new Set(['releaseFromIsolation', 'isolate', 'get', 'getIsolationState']);
const DEVICE_ACTIONS = new Set(['releaseFromIsolation', 'isolate']);

/**
 * Plans a run before it acts: resolves every item's hostname in batched calls (`computerDnsName eq
 * 'a' or …`) and, for Get Isolation State and dry runs, reads every device's isolation actions in
 * batched calls (`machineId eq … or …`); a dry run also reads the devices named by ID (`id eq … or
 * …`); Action Center › Get reads the actions in batches (`id eq … or …`). Planning never fails an
 * item: whatever it could not learn (an unreadable parameter, a refused or failed batch) the item
 * looks up on its own, with the same checks and the same error messages as without planning.
 */
export async function planRun(
	context: IExecuteFunctions,
	run: RunState,
	resource: string,
	operation: string,
	itemCount: number,
): Promise<void> {
	if (resource === 'machineAction') {
		if (operation === 'get') await readActionsById(run, namedActions(context, itemCount));
		return;
	}
	if (!LOCATOR_OPERATIONS.has(operation)) return;
	const named = namedDevices(context, itemCount);
	await resolveHostnames(run, named.hostnames);
	const dryRun = run.options.dryRun && DEVICE_ACTIONS.has(operation);
	if (operation === 'getIsolationState' || dryRun) {
		const ids = [...named.ids];
		for (const machines of run.plan.hostnames.values())
			ids.push(...machines.map((machine) => String(machine.id).toLowerCase()));
		await readIsolationActions(run, ids);
	}
	if (dryRun) await readMachines(run, [...named.ids]);
}

/** Each item's Machine Action ID, valid ones only, with the first item naming it. */
function namedActions(context: IExecuteFunctions, itemCount: number): Map<string, number> {
	const ids = new Map<string, number>();
	for (let itemIndex = 0; itemIndex < itemCount; itemIndex++) {
		try {
			const id = parseActionId(
				context.getNodeParameter('machineActionId', itemIndex, ''),
			).toLowerCase();
			if (!ids.has(id)) ids.set(id, itemIndex);
		} catch {
			// An unusable ID or an expression that fails: the item reports it when it runs.
		}
	}
	return ids;
}

/** Machine actions by ID, in batches; one item alone reads its own (one call either way). */
async function readActionsById(run: RunState, firstItemOf: Map<string, number>): Promise<void> {
	if (firstItemOf.size < 2) return;
	await listInBatches<MachineAction>(
		{
			...batchedListing(run, endpoints.machineActions.path, [...firstItemOf.keys()].map(idClause)),
			itemIndex: () => Math.min(...firstItemOf.values()),
			what: (batch) => `get ${batch.length} machine actions`,
		},
		(_batch, actions) =>
			actions.forEach((action) => run.plan.actions.set(String(action.id).toLowerCase(), action)),
	);
}

/** Devices named by ID, in batches (a dry run reports their name, health and last seen). */
async function readMachines(run: RunState, ids: string[]): Promise<void> {
	await listInBatches<Machine>(
		{
			...batchedListing(run, endpoints.machines.path, ids.map(idClause)),
			itemIndex: () => 0,
			what: (batch) => `get ${batch.length} devices`,
			notFoundIsEmpty: true,
		},
		(_batch, machines) =>
			machines.forEach((machine) =>
				run.plan.machines.set(String(machine.id).toLowerCase(), machine),
			),
	);
}

/**
 * Each item's hostname (valid ones, with the first item naming it) and machine ID, read without
 * failing any item.
 */
function namedDevices(context: IExecuteFunctions, itemCount: number) {
	const hostnames = new Map<string, number>();
	const ids = new Set<string>();
	for (let itemIndex = 0; itemIndex < itemCount; itemIndex++) {
		try {
			const parsed = parseDeviceLocator(context.getNodeParameter('device', itemIndex));
			// An unusable locator: the item reports its own problem when it runs.
			const locator = 'locator' in parsed ? parsed.locator : undefined;
			if (locator?.mode === 'hostname' && !hostnames.has(locator.hostname))
				hostnames.set(locator.hostname, itemIndex);
			if (locator?.mode === 'id' || locator?.mode === 'list') ids.add(locator.id);
		} catch {
			// The parameter cannot be read (an expression that fails): the item reports it when it runs.
		}
	}
	return { hostnames, ids };
}

async function resolveHostnames(run: RunState, firstItemOf: Map<string, number>): Promise<void> {
	const { options, plan } = run;
	const byClause = namesByClause(
		[...firstItemOf.keys()].filter((name) => !plan.hostnames.has(name)),
		options.hostnameMatching,
	);
	const namesOf = (batch: string[]) => batch.flatMap((clause) => byClause.get(clause) as string[]);
	await listInBatches<Machine>(
		{
			...batchedListing(run, endpoints.machines.path, [...byClause.keys()]),
			itemIndex: (batch) => Math.min(...namesOf(batch).map((name) => firstItemOf.get(name) ?? 0)),
			what: (batch) => `look up ${namesOf(batch).length} devices by name`,
			notFoundIsEmpty: true,
		},
		(batch, found) => {
			// Keyed by the exact name asked: names that fold to the same ASCII letters share a clause,
			// never an answer.
			for (const name of namesOf(batch))
				plan.hostnames.set(name, devicesNamed(found, name, options.hostnameMatching));
		},
	);
}

/**
 * One filter clause for the names that differ only in ASCII case (Defender compares names
 * case-insensitively).
 */
function namesByClause(names: string[], matching: HostnameMatching): Map<string, string[]> {
	const byClause = new Map<string, string[]>();
	const clauseOf = new Map(
		distinctIgnoringCase(names).map((name) => [
			safeLowerCase(name),
			hostnameClause(name, matching),
		]),
	);
	for (const name of names) {
		const clause = clauseOf.get(safeLowerCase(name)) as string;
		byClause.set(clause, [...(byClause.get(clause) ?? []), name]);
	}
	return byClause;
}

async function readIsolationActions(run: RunState, ids: string[]): Promise<void> {
	const { plan } = run;
	const byClause = new Map([...new Set(ids)].map((id) => [machineIdClause(id), id]));
	await listInBatches<MachineAction>(
		{
			...batchedListing(run, endpoints.machineActions.path, [...byClause.keys()]),
			filter: isolationActionsOf,
			itemIndex: () => 0,
			what: (batch) => `list the isolation actions of ${batch.length} devices`,
		},
		(batch, actions) => {
			for (const clause of batch) plan.isolationActions.set(byClause.get(clause) as string, []);
			for (const action of actions)
				plan.isolationActions.get(String(action.machineId).toLowerCase())?.push(action);
		},
	);
}

/**
 * The shared part of the plan's batched listings: the run's client, retry policy and batching
 * state.
 */
function batchedListing(run: RunState, path: string, clauses: string[]) {
	return { client: run.client, policy: run.options.retryPolicy, state: run.plan, path, clauses };
}

/**
 * Resolves one item's device, with what the plan learned (a hostname the batched lookups answered
 * needs no call).
 */
export async function resolveItemDevice(
	run: RunState,
	locator: DeviceLocator,
	itemIndex: number,
	budget: RetryBudget,
): Promise<DeviceTarget> {
	return await resolveDevice(run.client, locator, {
		context: { itemIndex, budget },
		hostnameMatching: run.options.hostnameMatching,
		known: (hostname) => run.plan.hostnames.get(hostname),
	});
}

/** The device's Isolate/Unisolate actions: from the plan's batched reads, or read by the item. */
export async function isolationActionsOfItem(
	run: RunState,
	device: DeviceTarget,
	itemIndex: number,
	budget: RetryBudget,
): Promise<MachineAction[]> {
	return (
		run.plan.isolationActions.get(device.id) ??
		(await run.client.list<MachineAction>(
			endpoints.machineActions.path,
			{ $filter: isolationActionsOf([machineIdClause(device.id)]) },
			{
				itemIndex,
				budget,
				permission: 'Machine.Read.All',
				what: `list the isolation actions of device ${device.named}`,
			},
		))
	);
}
