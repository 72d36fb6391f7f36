/** @type {import('jest').Config} */
module.exports = {
	preset: 'ts-jest',
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }] },
	testTimeout: 30_000,
	setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
	reporters: ['default', '<rootDir>/tooling/summary-reporter.js'],
};
