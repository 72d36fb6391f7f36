/**
 * The node's dependency rules (npm run lint:deps, run by CI): no import circles, and imports point one way only:
 * lib ← transport ← defender ← run ← actions (descriptions, methods) ← node.
 */
const v1 = '^nodes/DefenderForEndpoint/v1/';
const layer = (name) => `${v1}${name}/`;

/** A layer may not import any of the layers above it. */
const upward = (from, above) => ({
	name: `no-upward-import-from-${from.name}`,
	comment: `${from.name} is below ${above.join(', ')}: it must not import them`,
	severity: 'error',
	from: { path: from.path },
	to: {
		path: `^(${above.map((name) => layer(name)).join('|')}|nodes/DefenderForEndpoint/[^/]+\\.node\\.ts$|${v1}[^/]+\\.node\\.ts$)`,
	},
});

module.exports = {
	forbidden: [
		{ name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
		{
			name: 'lib-is-pure',
			comment: 'lib/ holds pure logic: it imports nothing of the node and nothing of n8n but types',
			severity: 'error',
			from: { path: '^nodes/DefenderForEndpoint/lib/' },
			to: { path: `^(${v1}|credentials/)` },
		},
		upward({ name: 'transport', path: layer('transport') }, [
			'defender',
			'run',
			'actions',
			'descriptions',
			'methods',
		]),
		upward({ name: 'defender', path: layer('defender') }, [
			'run',
			'actions',
			'descriptions',
			'methods',
		]),
		upward({ name: 'run', path: layer('run') }, ['actions', 'descriptions', 'methods']),
		upward({ name: 'actions', path: layer('actions') }, ['methods']),
	],
	options: {
		doNotFollow: { path: 'node_modules' },
		tsPreCompilationDeps: true,
		tsConfig: { fileName: 'tsconfig.json' },
		exclude: { path: '^(dist|test|node_modules)/' },
	},
};
