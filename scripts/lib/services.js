'use strict';
/**
 * Redis and PostgreSQL for the queue-mode test, from Debian's packages (.ci/run installs them when missing), run as
 * our own processes on 127.0.0.1 with free ports and data in a temporary folder. Each start returns a stop function;
 * stopAll() stops whatever is still running, also when the test fails or is interrupted.
 */
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const cli = require('./n8n-cli');

/** Stop functions of what is running. */
const running = new Set();
/** For a last, synchronous clean-up when the process exits anyway: process groups to kill, folders to remove. */
const leftovers = { groups: new Set(), postgres: new Map() };
process.on('exit', () => {
	for (const pid of leftovers.groups) {
		try {
			process.kill(-pid, 'SIGKILL');
		} catch {
			// already gone
		}
	}
	for (const [data, { stopSync, dir }] of leftovers.postgres) {
		stopSync();
		fs.rmSync(dir, { recursive: true, force: true });
		leftovers.postgres.delete(data);
	}
});

function postgresBinDir() {
	const base = '/usr/lib/postgresql';
	if (!fs.existsSync(base)) return undefined;
	const versions = fs
		.readdirSync(base)
		.filter((entry) => fs.existsSync(path.join(base, entry, 'bin', 'initdb')))
		.sort((a, b) => Number(b) - Number(a));
	return versions.length ? path.join(base, versions[0], 'bin') : undefined;
}

const haveRedis = () =>
	spawnSync('sh', ['-c', 'command -v redis-server'], { stdio: 'ignore' }).status === 0;

/** The Debian packages this test needs that are not installed (.ci/run installs them on a fresh machine). */
function missingPackages() {
	return [...(haveRedis() ? [] : ['redis-server']), ...(postgresBinDir() ? [] : ['postgresql'])];
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port, or rejects after timeoutMs. */
async function waitForPort(port, timeoutMs, label) {
	const giveUpAt = Date.now() + timeoutMs;
	for (;;) {
		const open = await new Promise((resolve) => {
			const socket = net.connect({ host: '127.0.0.1', port }, () => {
				socket.destroy();
				resolve(true);
			});
			socket.on('error', () => resolve(false));
		});
		if (open) return;
		if (Date.now() > giveUpAt)
			throw new Error(`${label} did not listen on 127.0.0.1:${port} within ${timeoutMs / 1000} s`);
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
}

/**
 * A long-running child process (its own process group), its output appended to logFile. Returns { child, stop }:
 * stop sends SIGTERM to the group, then SIGKILL after graceMs.
 */
function startProcess(command, args, { env, cwd, logFile, graceMs = 10_000 }) {
	const log = fs.openSync(logFile, 'a');
	const child = spawn(command, args, { env, cwd, stdio: ['ignore', log, log], detached: true });
	fs.closeSync(log);
	const exited = new Promise((resolve) =>
		child.once('exit', (code, signal) => resolve({ code, signal })),
	);
	let stopping;
	const stop = () => {
		stopping ??= (async () => {
			if (child.exitCode !== null || child.signalCode !== null) return;
			const signal = (name) => {
				try {
					process.kill(-child.pid, name);
				} catch {
					// already gone
				}
			};
			signal('SIGTERM');
			const timer = setTimeout(() => signal('SIGKILL'), graceMs);
			await exited;
			clearTimeout(timer);
		})();
		return stopping;
	};
	running.add(stop);
	leftovers.groups.add(child.pid);
	exited.then(() => {
		running.delete(stop);
		leftovers.groups.delete(child.pid);
	});
	return { child, exited, stop };
}

async function startRedis(dir, log) {
	const port = await cli.freePort();
	const redis = startProcess(
		'redis-server',
		[
			'--bind',
			'127.0.0.1',
			'--port',
			String(port),
			'--save',
			'',
			'--appendonly',
			'no',
			'--dir',
			dir,
		],
		{
			logFile: path.join(dir, 'redis.log'),
		},
	);
	await waitForPort(port, 30_000, 'redis-server');
	log(`redis-server on 127.0.0.1:${port}`);
	return { port, stop: redis.stop };
}

/**
 * PostgreSQL in a temporary folder of its own (removed when stopped), with trust authentication for connections
 * from 127.0.0.1 only. Postgres refuses to run as root: then it runs as the postgres system user (the Debian package
 * creates it), which owns that folder.
 */
async function startPostgres(log) {
	const bin = postgresBinDir();
	const port = await cli.freePort();
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-mde-queue-postgres-'));
	const data = path.join(dir, 'data');
	fs.mkdirSync(data);
	const asRoot = process.getuid?.() === 0;
	if (asRoot) spawnSync('chown', ['-R', 'postgres:postgres', dir]);
	const runAs = (command, args) =>
		asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
	const run = async (command, args, timeoutMs = 120_000) => {
		const [cmd, argv] = runAs(path.join(bin, command), args);
		const result = await cli.run(cmd, argv, {
			cwd: dir,
			env: { ...process.env, LC_ALL: 'C.UTF-8' },
			timeoutMs,
		});
		if (result.code !== 0)
			throw new Error(
				`${command} ${args.join(' ')} failed (exit ${result.code}):\n${result.stderr || result.stdout}`,
			);
		return result;
	};
	await run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8']);
	const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c max_connections=200 -c fsync=off`;
	await run('pg_ctl', [
		'-D',
		data,
		'-o',
		options,
		'-l',
		path.join(dir, 'postgres.log'),
		'-w',
		'-t',
		'60',
		'start',
	]);
	let stopped = false;
	const stop = async () => {
		if (stopped) return;
		stopped = true;
		leftovers.postgres.delete(data);
		await run('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']).catch((error) =>
			console.log(`  could not stop postgres: ${error.message}`),
		);
		fs.rmSync(dir, { recursive: true, force: true });
	};
	const stopSync = () => {
		const [cmd, argv] = runAs(path.join(bin, 'pg_ctl'), [
			'-D',
			data,
			'-m',
			'immediate',
			'-w',
			'-t',
			'30',
			'stop',
		]);
		spawnSync(cmd, argv, { stdio: 'ignore' });
	};
	running.add(stop);
	leftovers.postgres.set(data, { stopSync, dir });
	await run('psql', [
		'-h',
		'127.0.0.1',
		'-p',
		String(port),
		'-U',
		'postgres',
		'-v',
		'ON_ERROR_STOP=1',
		'-c',
		'CREATE DATABASE n8n',
	]);
	log(`postgres (${path.basename(path.dirname(bin))}) on 127.0.0.1:${port}, data in ${data}`);
	/** Runs one SQL query against the n8n database; returns rows as arrays of strings. */
	const query = async (sql) => {
		const result = await run('psql', [
			'-h',
			'127.0.0.1',
			'-p',
			String(port),
			'-U',
			'postgres',
			'-d',
			'n8n',
			'-A',
			'-t',
			'-F',
			'\t',
			'-v',
			'ON_ERROR_STOP=1',
			'-c',
			sql,
		]);
		return result.stdout
			.split('\n')
			.filter(Boolean)
			.map((line) => line.split('\t'));
	};
	return { port, query, stop };
}

/** Stops every process and server started here that is still running, newest first. */
async function stopAll() {
	for (const stop of [...running].reverse()) {
		await stop();
		running.delete(stop);
	}
}

module.exports = { missingPackages, startRedis, startPostgres, startProcess, waitForPort, stopAll };
