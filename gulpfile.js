// Copies the icons and the codex file next to the compiled files, where n8n looks for them. A version's icon
// (nodes/*/v1/*.svg, a symbolic link for the linters) is not copied: n8n resolves it next to the versioned node's file.
const path = require('node:path');
const { task, src, dest } = require('gulp');

task('build:assets', () =>
	src(
		[
			'nodes/**/*.{png,svg}',
			'!nodes/*/v*/*.svg',
			'nodes/**/*.node.json',
			'credentials/**/*.{png,svg}',
		],
		{ base: '.', encoding: false },
	).pipe(dest(path.resolve('dist'))),
);
