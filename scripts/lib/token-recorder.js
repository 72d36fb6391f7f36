'use strict';
/**
 * Token endpoint pass-through for the e2e test: forwards to the simulator and remembers every access token it hands
 * out, so the test can look for them in n8n's output. (The simulator keeps its tokens to itself.)
 */
const http = require('node:http');

async function startTokenRecorder(targetUrl) {
	const target = new URL(targetUrl);
	const tokens = new Set();
	const server = http.createServer((req, res) => {
		const chunks = [];
		req.on('data', (chunk) => chunks.push(chunk));
		req.on('end', () => forward(target, req, res, Buffer.concat(chunks), tokens));
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address();
	return {
		url: `http://127.0.0.1:${port}${target.pathname}`,
		tokens,
		close: () => new Promise((resolve) => server.close(resolve)),
	};
}

/** Sends the request on to the target and its answer back, noting the access token in it. */
function forward(target, req, res, body, tokens) {
	const request = http.request(
		{
			host: target.hostname,
			port: target.port,
			method: req.method,
			path: req.url,
			headers: { ...req.headers, host: target.host },
		},
		(answer) => {
			const chunks = [];
			answer.on('data', (chunk) => chunks.push(chunk));
			answer.on('end', () => {
				const text = Buffer.concat(chunks).toString('utf8');
				try {
					const token = JSON.parse(text).access_token;
					if (token) tokens.add(token);
				} catch {
					// not JSON: nothing to remember
				}
				res.writeHead(answer.statusCode, answer.headers);
				res.end(text);
			});
		},
	);
	request.on('error', (error) => {
		res.writeHead(502);
		res.end(String(error));
	});
	request.end(body);
}

module.exports = { startTokenRecorder };
