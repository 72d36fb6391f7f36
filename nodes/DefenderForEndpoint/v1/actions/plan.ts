import type { IExecuteFunctions, INodeParameterResourceLocator } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { distinctIgnoringCase, hostnameClause, orBatches, type HostnameMatching } from '../../lib/batching';
import { parseMachineId } from '../../lib/machineId';
import { safeLowerCase, odataString, parseHostname } from '../../lib/odata';
import { devicesNamed, type Machine } from '../helpers/devices';
import type { MachineAction } from '../helpers/machineActions';
import { RetryBudget } from '../transport';
import type { RunState } from './node.type';

/** What the run learned before acting, so that most items need no lookup call of their own. */
export interface DevicePlan {
	/** The devices each typed hostname names (keyed exactly as typed), from the batched lookups. A name missing here is looked up by its item. */
	hostnames: Map<string, Machine[]>;
	/** Isolate/Unisolate actions per machine ID, for Get Isolation State. A device missing here is read by its item. */
	isolationActions: Map<string, MachineAction[]>;
	/** Defender refused a batched filter once: every later lookup of the run goes per item. */
	batchingRefused: boolean;
}

export function emptyPlan(): DevicePlan {
	return { hostnames: new Map(), isolationActions: new Map(), batchingRefused: false };
}

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
			const locator = context.getNodeParameter('device', itemIndex) as INodeParameterResourceLocator;
			if (locator?.mode === 'hostname') {
				const hostname = parseHostname(locator.value);
				if (!hostnames.has(hostname)) hostnames.set(hostname, itemIndex);
			}
			if (locator?.mode === 'id' || locator?.mode === 'list') ids.add(parseMachineId(locator.value));
		} catch {
			// The item reports its own problem when it runs.
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
				'/api/machines',
				{ $filter: batch.join(' or ') },
				{
					itemIndex: Math.min(...batchNames.map((name) => firstItemOf.get(name) ?? 0)),
					budget: new RetryBudget(options.retryPolicy),
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
	const { client, options, plan } = run;
	const byClause = new Map([...new Set(ids)].map((id) => [`machineId eq ${odataString(id)}`, id]));
	for (const batch of orBatches([...byClause.keys()])) {
		if (plan.batchingRefused) return;
		let actions: MachineAction[];
		try {
			actions = await client.list<MachineAction>(
				'/api/machineactions',
				{ $filter: `(${batch.join(' or ')}) and (type eq 'Isolate' or type eq 'Unisolate')` },
				{
					itemIndex: 0,
					budget: new RetryBudget(options.retryPolicy),
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
