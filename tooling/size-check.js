#!/usr/bin/env node
/**
 * Keeps the node's code in pieces a reader can hold (npm run lint:structure, run by CI): no source file in nodes/ or
 * credentials/ over 300 lines, no function over 50 (description arrays are data, not functions). Exits 1 naming each.
 */
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const MAX_FILE_LINES = 300;
const MAX_FUNCTION_LINES = 50;
const root = path.join(__dirname, '..');

function sourceFiles(folder) {
	return fs.readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
		const full = path.join(folder, entry.name);
		if (entry.isDirectory()) return sourceFiles(full);
		return entry.name.endsWith('.ts') ? [full] : [];
	});
}

function problemsOf(file) {
	const text = fs.readFileSync(file, 'utf8');
	const name = path.relative(root, file);
	const problems = [];
	const lines = text.split('\n').length;
	if (lines > MAX_FILE_LINES) problems.push(`${name}: ${lines} lines (at most ${MAX_FILE_LINES})`);
	const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
	const lineOf = (position) => source.getLineAndCharacterOfPosition(position).line + 1;
	const visit = (node) => {
		if (ts.isFunctionLike(node) && node.body && !returnsDescriptionArray(node)) {
			const length = lineOf(node.end) - lineOf(node.getStart()) + 1;
			const label = node.name ? node.name.getText() : 'a function';
			if (length > MAX_FUNCTION_LINES)
				problems.push(
					`${name}:${lineOf(node.getStart())}: ${label} is ${length} lines (at most ${MAX_FUNCTION_LINES})`,
				);
		}
		ts.forEachChild(node, visit);
	};
	visit(source);
	return problems;
}

/** A function whose body only returns an array literal builds a node or credential description: data, not logic. */
function returnsDescriptionArray(node) {
	const statements = ts.isBlock(node.body) ? node.body.statements : [];
	return (
		statements.length === 1 &&
		ts.isReturnStatement(statements[0]) &&
		statements[0].expression !== undefined &&
		ts.isArrayLiteralExpression(statements[0].expression)
	);
}

const problems = ['nodes', 'credentials']
	.flatMap((folder) => sourceFiles(path.join(root, folder)))
	.flatMap(problemsOf);
for (const problem of problems) console.error(problem);
console.log(
	problems.length
		? `size check: ${problems.length} problem(s)`
		: 'size check: every file ≤ 300 lines, every function ≤ 50',
);
process.exit(problems.length ? 1 : 0);
