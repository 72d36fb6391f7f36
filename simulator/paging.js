'use strict';
/** OData collections: $filter, $top, $skip and @odata.nextLink over a page size. */
const { compileFilter, ODataError } = require('./odataFilter');

/** One page of a filtered collection, with @odata.nextLink when more remain. */
function page(sim, collection, entitySet, query, path) {
	const { quirks, pageSize } = sim.options;
	if (
		quirks.refuseOrFilters &&
		/\bor\b/.test(query.$filter ?? '') &&
		(query.$filter.match(/\b(computerDnsName|id|machineId) eq /g) ?? []).length > 1
	) {
		throw new ODataError(
			'The query specified in the URI is not valid: the node count limit has been exceeded',
		);
	}
	let selected = collection;
	if (query.$filter !== undefined) selected = selected.filter(compileFilter(query.$filter));
	const skip = Number(query.$skip ?? 0);
	const top = query.$top === undefined ? undefined : Number(query.$top);
	if (Number.isNaN(skip) || (top !== undefined && (Number.isNaN(top) || top < 0 || top > 10_000))) {
		throw new ODataError('Invalid $top or $skip');
	}
	const take = Math.min(top ?? pageSize, pageSize);
	const value = selected.slice(skip, skip + take);
	const body = { '@odata.context': `${sim.url}/api/$metadata#${entitySet}`, value };
	const remainingWanted = top === undefined ? Infinity : top - value.length;
	if (skip + value.length < selected.length && value.length === take && remainingWanted > 0) {
		const next = new URLSearchParams({ ...query, $skip: String(skip + value.length) });
		if (top !== undefined) next.set('$top', String(remainingWanted));
		body['@odata.nextLink'] = `${sim.url}${path}?${next}`;
	}
	return body;
}

module.exports = { page };
