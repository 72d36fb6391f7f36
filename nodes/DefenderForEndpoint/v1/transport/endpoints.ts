import type { IHttpRequestMethods } from 'n8n-workflow';

/**
 * Defender's endpoints this node calls: every path is written here once. IDs are validated before
 * they get here.
 */
export interface Endpoint {
	method: IHttpRequestMethods;
	path: string;
}

const get = (path: string): Endpoint => ({ method: 'GET', path });
const post = (path: string): Endpoint => ({ method: 'POST', path });

export const endpoints = {
	/** List machines ($filter, $top, $skip). */
	machines: get('/api/machines'),
	machine: (machineId: string) => get(`/api/machines/${encodeURIComponent(machineId)}`),
	/** Machines seen with an internal IP address within 15 minutes of the timestamp. */
	machinesByIp: (ip: string, timestamp: string) =>
		get(`/api/machines/findbyip(ip='${ip}',timestamp=${timestamp})`),
	/** Isolate or Unisolate a machine; the body carries the Comment. */
	machineAction: (machineId: string, verb: 'isolate' | 'unisolate') =>
		post(`/api/machines/${encodeURIComponent(machineId)}/${verb}`),
	/**
	 * List machine actions ($filter on id, status, machineId, type, requestor, creationDateTimeUtc).
	 */
	machineActions: get('/api/machineactions'),
	machineActionById: (actionId: string) =>
		get(`/api/machineactions/${encodeURIComponent(actionId)}`),
	cancelMachineAction: (actionId: string) =>
		post(`/api/machineactions/${encodeURIComponent(actionId)}/cancel`),
};
