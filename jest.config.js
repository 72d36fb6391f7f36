// n8n's logger (winston, level from N8N_LOG_LEVEL, read when n8n-core first asks for it) would print every error the
// tests provoke on purpose, e.g. "The execution was cancelled": silent unless N8N_LOG_LEVEL is set to see them. No
// test asserts on log output. Set here, before jest starts its workers, which inherit it.
process.env.N8N_LOG_LEVEL ??= 'silent';

/** @type {import('jest').Config} */
module.exports = {
	preset: 'ts-jest',
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }],
	},
	testTimeout: 30_000,
	setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
	reporters: ['default', '<rootDir>/tooling/summary-reporter.js'],
};
