import type { INode, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

/** The permission a call needs, named the way the Azure portal lists it under WindowsDefenderATP. */
export type Permission = 'Machine.Isolate' | 'Machine.Read.All';

/** Defender's error body: {"error": {"code", "message", "target"}}; target is the correlation ID. */
export interface DefenderErrorBody {
	code?: string;
	message?: string;
	target?: string;
}

export function readErrorBody(body: unknown): DefenderErrorBody {
	const error = (body as { error?: unknown } | undefined)?.error;
	if (typeof error !== 'object' || error === null) return {};
	const { code, message, target } = error as Record<string, unknown>;
	return {
		code: typeof code === 'string' && code ? code : undefined,
		message: typeof message === 'string' && message ? message : undefined,
		target: typeof target === 'string' && target ? target : undefined,
	};
}

export interface FailedCall {
	status: number;
	error: DefenderErrorBody;
	permission: Permission;
	/** What was being attempted, e.g. "release device 1e5b…" — shown to the user. */
	what: string;
}

const PERMISSION_HINT: Record<Permission, string> = {
	'Machine.Isolate':
		"Grant the app registration the WindowsDefenderATP application permission Machine.Isolate ('Isolate machine') and grant admin consent.",
	'Machine.Read.All':
		"Grant the app registration the WindowsDefenderATP application permission Machine.Read.All ('Read all machine profiles') and grant admin consent.",
};

/** Turns a Defender error response into an n8n error that says what to do about it. */
export function apiError(node: INode, itemIndex: number, call: FailedCall): NodeApiError {
	const { status, error, permission, what } = call;
	const apiSays = [error.code, error.message].filter(Boolean).join(': ');
	const correlation = error.target ? ` (correlation ID ${error.target})` : '';
	let message: string;
	let description: string;
	switch (status) {
		case 401:
			message = `Defender rejected the access token while trying to ${what}`;
			description =
				'n8n fetched a fresh token and was still refused. Check that the credential’s cloud matches your tenant and that the app registration is in the same tenant.';
			break;
		case 403:
			message = `Missing permission ${permission} to ${what}`;
			description = `${PERMISSION_HINT[permission]} Defender said: ${apiSays || 'Forbidden'}${correlation}`;
			break;
		case 404:
			message = `Not found in Defender for Endpoint while trying to ${what}`;
			description = `${apiSays || 'Not Found'}${correlation}. Check the device ID; devices drop out after the tenant's retention period.`;
			break;
		default:
			message = `Defender for Endpoint answered HTTP ${status} while trying to ${what}${apiSays ? `: ${apiSays}` : ''}`;
			description = `${apiSays || 'No error details in the response'}${correlation}`;
	}
	const response: JsonObject = { status, ...definedOnly(error) };
	return new NodeApiError(node, response, { itemIndex, message, description, httpCode: String(status) });
}

export function operationError(node: INode, itemIndex: number, message: string, description?: string) {
	return new NodeOperationError(node, message, { itemIndex, description });
}

function definedOnly(error: DefenderErrorBody): JsonObject {
	return Object.fromEntries(Object.entries(error).filter(([, value]) => value !== undefined)) as JsonObject;
}
