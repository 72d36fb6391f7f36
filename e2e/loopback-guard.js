'use strict';
/**
 * Preloaded into every n8n process of the end-to-end test (NODE_OPTIONS=--require …): the test's n8n may talk to
 * 127.0.0.1 (the Defender simulator, its own task runner) and nowhere else. Any TCP or TLS connection to another
 * host is refused before a packet is sent (the socket fails as if the host were unreachable), and so is any DNS
 * query for a name other than localhost; each attempt is recorded, one JSON line, in the file named by
 * E2E_NET_LOG, which the test then asserts is empty. (n8n's task runner, a child process n8n starts with an
 * environment of its own, does not inherit NODE_OPTIONS; it only talks to n8n's broker on 127.0.0.1.)
 */
const dns = require('node:dns');
const fs = require('node:fs');
const net = require('node:net');

const logFile = process.env.E2E_NET_LOG;

function isLoopback(host) {
	if (host === undefined || host === null || host === '') return true; // Node's default host is localhost
	const name = String(host)
		.toLowerCase()
		.replace(/^\[|\]$/g, '');
	return (
		name === 'localhost' ||
		name === '::1' ||
		name === '0:0:0:0:0:0:0:1' ||
		/^127\.\d+\.\d+\.\d+$/.test(name) ||
		/^::ffff:127\.\d+\.\d+\.\d+$/.test(name)
	);
}

function record(host, port, kind = 'connect') {
	if (!logFile) return;
	try {
		fs.appendFileSync(
			logFile,
			`${JSON.stringify({ kind, pid: process.pid, host: String(host), port: port === undefined ? null : String(port), at: new Date().toISOString(), argv: process.argv.slice(1, 3) })}\n`,
		);
	} catch {
		// the log is best effort; the connection is refused either way
	}
}

const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
	let options = args[0];
	if (Array.isArray(options)) options = options[0]; // internal normalized form: [options, callback]
	let host;
	let port;
	let isPipe = false;
	if (options !== null && typeof options === 'object') {
		if (options.path) isPipe = true; // Node's own test: a truthy path means a pipe / Unix socket
		host = options.host;
		port = options.port;
	} else if (typeof options === 'string' && Number.isNaN(Number(options))) {
		isPipe = true; // connect(path)
	} else {
		port = options;
		host = typeof args[1] === 'string' ? args[1] : undefined;
	}
	if (isPipe || isLoopback(host)) return originalConnect.apply(this, args);
	record(host, port);
	const error = Object.assign(
		new Error(`connect EHOSTUNREACH ${host}:${port} (blocked by the e2e loopback guard)`),
		{
			code: 'EHOSTUNREACH',
			syscall: 'connect',
			address: String(host),
			port,
		},
	);
	process.nextTick(() => this.destroy(error));
	return this;
};

// DNS: a query for any name but localhost fails with ENOTFOUND, without reaching the resolver.
const blockedDns = (name, syscall) => {
	record(name, undefined, syscall);
	return Object.assign(
		new Error(`${syscall} ENOTFOUND ${name} (blocked by the e2e loopback guard)`),
		{ code: 'ENOTFOUND', syscall, hostname: String(name) },
	);
};
const dnsAllowed = (name) => typeof name !== 'string' || isLoopback(name) || net.isIP(name) !== 0;

const originalLookup = dns.lookup;
dns.lookup = function guardedLookup(hostname, ...rest) {
	if (dnsAllowed(hostname)) return originalLookup.call(this, hostname, ...rest);
	const callback = rest.at(-1);
	if (typeof callback === 'function')
		process.nextTick(() => callback(blockedDns(hostname, 'getaddrinfo')));
	return {};
};
const originalPromisesLookup = dns.promises.lookup;
dns.promises.lookup = async function guardedPromisesLookup(hostname, ...rest) {
	if (dnsAllowed(hostname)) return await originalPromisesLookup.call(this, hostname, ...rest);
	throw blockedDns(hostname, 'getaddrinfo');
};
for (const target of [dns, dns.Resolver.prototype]) {
	for (const name of Object.keys(target).filter(
		(key) => /^(resolve|reverse)/.test(key) && typeof target[key] === 'function',
	)) {
		const original = target[name];
		target[name] = function guardedResolve(hostname, ...rest) {
			if (name !== 'reverse' && dnsAllowed(hostname)) return original.call(this, hostname, ...rest);
			const callback = rest.at(-1);
			if (typeof callback === 'function')
				process.nextTick(() => callback(blockedDns(hostname, name)));
			return undefined;
		};
	}
}
for (const target of [dns.promises, dns.promises.Resolver.prototype]) {
	for (const name of Object.keys(target).filter(
		(key) => /^(resolve|reverse)/.test(key) && typeof target[key] === 'function',
	)) {
		const original = target[name];
		target[name] = async function guardedPromisesResolve(hostname, ...rest) {
			if (name !== 'reverse' && dnsAllowed(hostname))
				return await original.call(this, hostname, ...rest);
			throw blockedDns(hostname, name);
		};
	}
}
