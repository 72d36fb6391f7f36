import type { IDataObject, INode } from 'n8n-workflow';

import { PageTrail } from '../../lib/paging';
import type { ApiCall, CallContext } from './call';
import { operationError } from './errors';

/** What paging needs of the client: its calls, its API host, and the node for messages. */
interface Pager {
	readonly node: INode;
	readonly cloud: { apiBaseUrl: string };
	call<T>(call: ApiCall, context: CallContext): Promise<T>;
}

/** Defender's largest page is 10,000 entities. */
const MAX_PAGE_SIZE = 10_000;

type PageRequest = { path: string; qs: IDataObject };

/**
 * Every entity of a collection, or the first `limit`: follows @odata.nextLink (only to the same
 * collection on the API's own origin, so the token never travels elsewhere) and otherwise pages
 * with $skip while pages come back full. A page asked for twice, or too many pages, stops the
 * listing (lib/paging.ts).
 */
export async function listEntities<T>(
	client: Pager,
	path: string,
	qs: IDataObject,
	context: CallContext,
	limit?: number,
): Promise<T[]> {
	const entities: T[] = [];
	const pages = new PageTrail((problem) =>
		operationError(
			client.node,
			context.itemIndex,
			`Defender's paging ${problem} while trying to ${context.what}; paging stopped`,
		),
	);
	let next: PageRequest | undefined = {
		path,
		qs: { ...qs, $top: Math.min(MAX_PAGE_SIZE, Math.max(1, limit ?? MAX_PAGE_SIZE)) },
	};
	while (next && (limit === undefined || entities.length < limit)) {
		pages.visit(next);
		const page: { value: T[]; '@odata.nextLink'?: unknown } = await client.call(
			{ method: 'GET', ...next, page: true },
			context,
		);
		entities.push(...page.value);
		const top: number = Number(next.qs.$top);
		next = page['@odata.nextLink']
			? sameCollectionPage(client, page['@odata.nextLink'], path, context)
			: page.value.length === top
				? { path, qs: { ...next.qs, $skip: Number(next.qs.$skip ?? 0) + page.value.length } }
				: undefined;
	}
	return limit === undefined ? entities : entities.slice(0, limit);
}

/**
 * A next-page link is followed only to the same collection on the credential's API host: the token
 * goes only there.
 */
function sameCollectionPage(
	client: Pager,
	nextLink: unknown,
	path: string,
	context: CallContext,
): PageRequest {
	const url =
		typeof nextLink === 'string' && URL.canParse(nextLink) ? new URL(nextLink) : undefined;
	const collection = new URL(`${client.cloud.apiBaseUrl}${path}`);
	if (
		!url ||
		url.origin !== collection.origin ||
		url.pathname.toLowerCase() !== collection.pathname.toLowerCase()
	) {
		throw operationError(
			client.node,
			context.itemIndex,
			`Defender returned a next-page link to another host or collection while trying to ${context.what}; paging stopped`,
		);
	}
	return { path, qs: Object.fromEntries(url.searchParams) };
}

/**
 * Why a 2xx body cannot be used: not a JSON object, or (for a listing) not a page of entity
 * objects.
 */
export function unreadableAnswer(body: unknown, page: boolean): string | undefined {
	if (typeof body !== 'object' || body === null || Array.isArray(body))
		return 'a body that is not a JSON object';
	if (!page) return undefined;
	const { value } = body as { value?: unknown };
	if (!Array.isArray(value)) return 'a page whose "value" is not a list';
	if (
		value.some((entity) => typeof entity !== 'object' || entity === null || Array.isArray(entity))
	) {
		return 'a page whose "value" holds something other than entities';
	}
	return undefined;
}
