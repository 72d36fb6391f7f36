import { safeLowerCase, odataDateTime, odataString } from './odata';

export interface MachineFilters {
	hostnamePrefix?: string;
	healthStatus?: string;
	osPlatform?: string;
	tag?: string;
	lastSeenAfter?: string;
}

export interface MachineActionFilters {
	machineId?: string;
	type?: string;
	status?: string;
	requestor?: string;
	createdAfter?: string;
}

/**
 * Builds an OData $filter from the fields the user set (empty ones are left out); undefined when
 * none is set.
 */
function conjunction(clauses: Array<string | undefined>): string | undefined {
	const set = clauses.filter((clause): clause is string => clause !== undefined);
	return set.length ? set.join(' and ') : undefined;
}

const present = (value: string | undefined) =>
	value !== undefined && value.trim() !== '' ? value.trim() : undefined;

function clause(value: string | undefined, build: (value: string) => string): string | undefined {
	const set = present(value);
	return set === undefined ? undefined : build(set);
}

/**
 * Machines filter; names are matched in lower case, as Defender stores them. Dates are read in
 * `zone`.
 */
export function machineFilter(filters: MachineFilters, zone: string): string | undefined {
	return conjunction([
		clause(
			filters.hostnamePrefix,
			(prefix) => `startswith(computerDnsName,${odataString(safeLowerCase(prefix))})`,
		),
		clause(filters.healthStatus, (status) => `healthStatus eq ${odataString(status)}`),
		clause(filters.osPlatform, (platform) => `osPlatform eq ${odataString(platform)}`),
		clause(filters.tag, (tag) => `machineTags/any(tag: tag eq ${odataString(tag)})`),
		clause(filters.lastSeenAfter, (date) => `lastSeen gt ${odataDateTime(date, zone)}`),
	]);
}

/** MachineActions filter on the properties Defender can filter by. */
export function machineActionFilter(
	filters: MachineActionFilters,
	zone: string,
): string | undefined {
	return conjunction([
		clause(filters.machineId, (id) => `machineId eq ${odataString(id.toLowerCase())}`),
		clause(filters.type, (type) => `type eq ${odataString(type)}`),
		clause(filters.status, (status) => `status eq ${odataString(status)}`),
		clause(filters.requestor, (requestor) => `requestor eq ${odataString(requestor)}`),
		clause(filters.createdAfter, (date) => `creationDateTimeUtc gt ${odataDateTime(date, zone)}`),
	]);
}

/** Isolate and Unisolate actions: what a device's isolation state follows from. */
export const ISOLATION_ACTIONS = "type eq 'Isolate' or type eq 'Unisolate'";

/**
 * Isolate and Unisolate actions that have not finished, across the tenant: one paged call answers
 * every device.
 */
export const RUNNING_ISOLATION_ACTIONS = `(${ISOLATION_ACTIONS}) and (status eq 'Pending' or status eq 'InProgress')`;

/**
 * The isolation actions of the given devices (one `machineId eq` clause each, joined with `or`).
 */
export function isolationActionsOf(machineIdClauses: string[]): string {
	const devices =
		machineIdClauses.length === 1 ? machineIdClauses[0] : `(${machineIdClauses.join(' or ')})`;
	return `${devices} and (${ISOLATION_ACTIONS})`;
}

/** One entity by its ID (machine actions and machines can both be filtered on `id`). */
export function idClause(id: string): string {
	return `id eq ${odataString(id)}`;
}

export function machineIdClause(machineId: string): string {
	return `machineId eq ${odataString(machineId)}`;
}

/**
 * The device's actions under way, plus every action created on it since `sinceServerMs` (Defender's
 * clock).
 */
export function actionsOfDeviceFilter(machineId: string, sinceServerMs?: number): string {
	const createdSince =
		sinceServerMs === undefined
			? ''
			: ` or creationDateTimeUtc ge ${new Date(sinceServerMs).toISOString()}`;
	return `${machineIdClause(machineId)} and (status eq 'Pending' or status eq 'InProgress'${createdSince})`;
}

/**
 * Isolate and Unisolate actions created at or after `sinceServerMs` (Defender's clock): the
 * trigger's window.
 */
export function isolationActionsCreatedSince(sinceServerMs: number): string {
	return `(${ISOLATION_ACTIONS}) and creationDateTimeUtc ge ${new Date(sinceServerMs).toISOString()}`;
}

export function actionIdClause(actionId: string): string {
	return `id eq ${odataString(actionId)}`;
}
