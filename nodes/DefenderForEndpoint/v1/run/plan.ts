import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { distinctIgnoringCase, hostnameClause, orBatches, type HostnameMatching } from '../../lib/batching';
import { parseDeviceLocator, type DeviceLocator } from '../../lib/deviceLocator';
import { isolationActionsOf, machineIdClause } from '../../lib/filters';
import { safeLowerCase } from '../../lib/odata';
import { devicesNamed, resolveDevice, type DeviceTarget, type Machine } from '../defender/devices';
import type { MachineAction } from '../defender/machineActions';
import type { RetryBudget } from '../transport';
import { endpoints } from '../transport/endpoints';
import { itemBudget, type RunState } from './runState';

/** Operations that name devices by the Device locator, and the ones that read isolation actions per device. */
const LOCATOR_OPERATIONS = new Set(['releaseFromIsolation', 'isolate', 'get', 'getIsolationState']);

/**
 * Plans a run before it acts: resolves every item's hostname in batched calls (`computerDnsName eq 'a' or …`) and,
 * for Get Isolation State, reads every device's isolation actions in batched calls (`machineId eq … or …`).
 * Planning never fails an item: whatever it could not learn (an unreadable parameter, a refused or failed batch) the
 * item looks up on its own, with the same checks and the same error messages as without planning.
 */
export async function planRun(context: IExecuteFunctions, run: RunState, operation: string, itemCount: number): Promise<void> {
	if (!LOCATOR_OPERATIONS.has(operation)) return;
	const named = namedDevices(context, itemCount);
	await resolveHostnames(run, named.hostnames);
	if (operation === 'getIsolationState') {
		const ids = [...named.ids];
		for (const machines of run.plan.hostnames.values()) ids.push(...machines.map((machine) => String(machine.id).toLowerCase()));
		await readIsolationActions(run, ids);
	}
}

/** Each item's hostname (valid ones, with the first item naming it) and machine ID, read without failing any item. */
function namedDevices(context: IExecuteFunctions, itemCount: number) {
	const hostnames = new Map<string, number>();
	const ids = new Set<string>();
	for (let itemIndex = 0; itemIndex < itemCount; itemIndex++) {
		try {
			const parsed = parseDeviceLocator(context.getNodeParameter('device', itemIndex));
			// An unusable locator: the item reports its own problem when it runs.
			const locator = 'locator' in parsed ? parsed.locator : undefined;
			if (locator?.mode === 'hostname' && !hostnames.has(locator.hostname)) hostnames.set(locator.hostname, itemIndex);
			if (locator?.mode === 'id' || locator?.mode === 'list') ids.add(locator.id);
		} catch {
			// The parameter cannot be read (an expression that fails): the item reports it when it runs.
		}
	}
	return { hostnames, ids };
}

/** Whether Defender refused the filter itself (bad request, URL too long): then batching is off for the run. */
function refusedFilter(error: unknown): boolean {
	return error instanceof NodeApiError && (error.httpCode === '400' || error.httpCode === '414');
}

function notFound(error: unknown): boolean {
	return error instanceof NodeApiError && error.httpCode === '404';
}

async function resolveHostnames(run: RunState, firstItemOf: Map<string, number>): Promise<void> {
	const { client, options, plan } = run;
	const byClause = namesByClause([...firstItemOf.keys()].filter((name) => !plan.hostnames.has(name)), options.hostnameMatching);
	for (const batch of orBatches([...byClause.keys()])) {
		if (plan.batchingRefused) return;
		const batchNames = batch.flatMap((clause) => byClause.get(clause) as string[]);
		let found: Machine[];
		try {
			found = await client.list<Machine>(
				endpoints.machines.path,
				{ $filter: batch.join(' or ') },
				{
					itemIndex: Math.min(...batchNames.map((name) => firstItemOf.get(name) ?? 0)),
					budget: itemBudget(run),
					permission: 'Machine.Read.All',
					what: `look up ${batchNames.length} devices by name`,
				},
			);
		} catch (error) {
			// Defender may answer 404 rather than an empty list when no machine matches.
			if (notFound(error)) found = [];
			else {
				plan.batchingRefused = refusedFilter(error);
				continue;
			}
		}
		// Keyed by the exact name asked: names that fold to the same ASCII letters share a clause, never an answer.
		for (const name of batchNames) plan.hostnames.set(name, devicesNamed(found, name, options.hostnameMatching));
	}
}

/** One filter clause for the names that differ only in ASCII case (Defender compares names case-insensitively). */
function namesByClause(names: string[], matching: HostnameMatching): Map<string, string[]> {
	const byClause = new Map<string, string[]>();
	const clauseOf = new Map(distinctIgnoringCase(names).map((name) => [safeLowerCase(name), hostnameClause(name, matching)]));
	for (const name of names) {
		const clause = clauseOf.get(safeLowerCase(name)) as string;
		byClause.set(clause, [...(byClause.get(clause) ?? []), name]);
	}
	return byClause;
}

async function readIsolationActions(run: RunState, ids: string[]): Promise<void> {
	const { client, plan } = run;
	const byClause = new Map([...new Set(ids)].map((id) => [machineIdClause(id), id]));
	for (const batch of orBatches([...byClause.keys()])) {
		if (plan.batchingRefused) return;
		let actions: MachineAction[];
		try {
			actions = await client.list<MachineAction>(
				endpoints.machineActions.path,
				{ $filter: isolationActionsOf(batch) },
				{
					itemIndex: 0,
					budget: itemBudget(run),
					permission: 'Machine.Read.All',
					what: `list the isolation actions of ${batch.length} devices`,
				},
			);
		} catch (error) {
			plan.batchingRefused = refusedFilter(error);
			continue;
		}
		for (const clause of batch) plan.isolationActions.set(byClause.get(clause) as string, []);
		for (const action of actions) plan.isolationActions.get(String(action.machineId).toLowerCase())?.push(action);
	}
}

/** Resolves one item's device, with what the plan learned (a hostname the batched lookups answered needs no call). */
export async function resolveItemDevice(run: RunState, locator: DeviceLocator, itemIndex: number, budget: RetryBudget): Promise<DeviceTarget> {
	return await resolveDevice(run.client, locator, {
		context: { itemIndex, budget },
		hostnameMatching: run.options.hostnameMatching,
		known: (hostname) => run.plan.hostnames.get(hostname),
	});
}
