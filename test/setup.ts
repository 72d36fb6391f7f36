import nock from 'nock';

// n8n's logger (winston, level from N8N_LOG_LEVEL, read when n8n-core first asks for it) would print every error the
// tests provoke on purpose, e.g. "The execution was cancelled": silent unless N8N_LOG_LEVEL is set to see them. No
// test asserts on log output; one that needs it can set the level itself.
process.env.N8N_LOG_LEVEL ??= 'silent';

// Tests reach nothing but loopback (the simulator); everything else must be mocked.
beforeAll(() => {
	if (!nock.isActive()) nock.activate();
	nock.disableNetConnect();
	nock.enableNetConnect((host) => /^(127\.0\.0\.1|localhost)(:\d+)?$/.test(host));
});
afterEach(() => nock.cleanAll());
// Jest may run several test files in one process: leave no interceptor behind for the next file.
afterAll(() => nock.restore());
