import nock from 'nock';

// Tests reach nothing but loopback (the simulator); everything else must be mocked.
beforeAll(() => {
	if (!nock.isActive()) nock.activate();
	nock.disableNetConnect();
	nock.enableNetConnect((host) => /^(127\.0\.0\.1|localhost)(:\d+)?$/.test(host));
});
afterEach(() => nock.cleanAll());
// Jest may run several test files in one process: leave no interceptor behind for the next file.
afterAll(() => nock.restore());
