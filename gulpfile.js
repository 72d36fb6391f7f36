// Copies the icons and the codex file next to the compiled files, where n8n looks for them.
const path = require('node:path');
const { task, src, dest } = require('gulp');

task('build:assets', () =>
	src(['nodes/**/*.{png,svg}', 'nodes/**/*.node.json', 'credentials/**/*.{png,svg}'], { base: '.', encoding: false }).pipe(
		dest(path.resolve('dist')),
	),
);
