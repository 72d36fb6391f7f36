'use strict';
/** This package as n8n installs it: built when dist/ is stale, then packed with npm pack. */
const fs = require('node:fs');
const path = require('node:path');

const cli = require('./n8n-cli');
const { clip } = require('./checks');

const { REPO_ROOT } = cli;

function newestMtime(paths) {
	let newest = 0;
	const visit = (p) => {
		if (!fs.existsSync(p)) return;
		const stat = fs.statSync(p);
		if (stat.isDirectory()) {
			for (const entry of fs.readdirSync(p)) visit(path.join(p, entry));
		} else {
			newest = Math.max(newest, stat.mtimeMs);
		}
	};
	paths.forEach(visit);
	return newest;
}

/** The oldest compiled file in dist/ (copied assets keep their source's mtime, so only .js files count). */
function oldestCompiledMtime(dir) {
	let oldest = Infinity;
	const visit = (p) => {
		const stat = fs.statSync(p);
		if (stat.isDirectory()) {
			for (const entry of fs.readdirSync(p)) visit(path.join(p, entry));
		} else if (p.endsWith('.js')) {
			oldest = Math.min(oldest, stat.mtimeMs);
		}
	};
	visit(dir);
	return oldest;
}

async function buildIfStale() {
	const dist = path.join(REPO_ROOT, 'dist');
	const sources = [
		'nodes',
		'credentials',
		'package.json',
		'tsconfig.json',
		'tsconfig.build.json',
		'gulpfile.js',
	].map((p) => path.join(REPO_ROOT, p));
	const main = path.join(dist, 'nodes', 'DefenderForEndpoint', 'DefenderForEndpoint.node.js');
	const stale = !fs.existsSync(main) || oldestCompiledMtime(dist) < newestMtime(sources);
	if (!stale) {
		console.log('  dist/ is up to date');
		return;
	}
	console.log('  dist/ is missing or older than the sources: npm run build');
	const result = await cli.run(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build'], {
		cwd: REPO_ROOT,
		env: process.env,
		timeoutMs: 5 * 60_000,
	});
	if (result.code !== 0)
		throw new Error(`npm run build failed:\n${clip(result.stdout + result.stderr)}`);
}

async function pack(destination) {
	const result = await cli.npm(['pack', '--json', '--pack-destination', destination], {
		cwd: REPO_ROOT,
		timeoutMs: 2 * 60_000,
	});
	const [info] = JSON.parse(result.stdout.slice(result.stdout.indexOf('[')));
	return {
		tarball: path.join(destination, info.filename),
		files: info.files.map((f) => f.path),
		name: info.name,
		version: info.version,
	};
}

module.exports = { buildIfStale, pack };
