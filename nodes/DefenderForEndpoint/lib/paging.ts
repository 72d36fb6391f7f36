/**
 * The most pages one listing follows: at Defender's 10,000 entities a page, ten million entities,
 * far beyond any tenant's isolation actions or devices, yet a bound on a server that keeps handing
 * out new links.
 */
const MAX_PAGES = 1_000;

/**
 * The pages one listing has asked for: a page asked for twice (a link that repeats, or a cycle)
 * stops the listing.
 */
export class PageTrail {
	private readonly visited = new Set<string>();

	constructor(
		private readonly stop: (problem: string) => Error,
		private readonly maxPages = MAX_PAGES,
	) {}

	/**
	 * Records the next page's request; throws when it was asked for before or the listing is too
	 * long.
	 */
	visit(page: { path: string; qs: Record<string, unknown> }): void {
		const key = `${page.path.toLowerCase()}?${JSON.stringify(Object.entries(page.qs).sort(([a], [b]) => a.localeCompare(b)))}`;
		if (this.visited.has(key))
			throw this.stop('returned a next-page link to a page it had already returned');
		if (this.visited.size >= this.maxPages) throw this.stop(`went on past ${this.maxPages} pages`);
		this.visited.add(key);
	}
}
