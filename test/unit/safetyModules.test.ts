import { deriveIsolationState } from '../../nodes/DefenderForEndpoint/lib/isolationState';
import { redact } from '../../nodes/DefenderForEndpoint/lib/redact';
import { ServerClock, UNMEASURED_SKEW_MS } from '../../nodes/DefenderForEndpoint/lib/serverClock';

describe('ServerClock', () => {
	const local = Date.parse('2026-11-22T10:00:00.000Z');

	test('before any answer, the clocks are assumed to agree within the unmeasured skew', () => {
		const clock = new ServerClock();
		expect(clock.earliest(local)).toBe(local - UNMEASURED_SKEW_MS);
		expect(clock.latest(local)).toBe(local + UNMEASURED_SKEW_MS);
	});

	test('a Date header bounds Defender’s clock to the second, whatever our clock says', () => {
		const clock = new ServerClock();
		// Defender is 2 minutes ahead; the answer took 200 ms.
		clock.observe(local, local + 200, new Date(local + 120_000 + 100).toUTCString());
		const offset = clock.offset();
		expect(offset.minMs).toBeGreaterThanOrEqual(120_000 - 1_000);
		expect(offset.maxMs).toBeLessThanOrEqual(120_000 + 1_000);
		expect(offset.maxMs - offset.minMs).toBeLessThanOrEqual(1_200);
		// The true offset is always inside the bounds.
		expect(offset.minMs).toBeLessThanOrEqual(120_100);
		expect(offset.maxMs).toBeGreaterThanOrEqual(120_100);
	});

	test('answers narrow the bounds; a contradicting answer (the clock moved) replaces them', () => {
		const clock = new ServerClock();
		clock.observe(local, local + 900, new Date(local + 500).toUTCString());
		const first = clock.offset();
		clock.observe(local + 10_000, local + 10_050, new Date(local + 10_020).toUTCString());
		const narrowed = clock.offset();
		expect(narrowed.maxMs - narrowed.minMs).toBeLessThanOrEqual(first.maxMs - first.minMs);
		clock.observe(
			local + 20_000,
			local + 20_050,
			new Date(local + 20_000 + 3_600_000).toUTCString(),
		);
		expect(clock.offset().minMs).toBeGreaterThan(3_500_000);
	});

	test.each([undefined, 42, 'not a date', ''])(
		'ignores a missing or unreadable Date header (%p)',
		(header) => {
			const clock = new ServerClock();
			clock.observe(local, local + 10, header);
			expect(clock.offset()).toEqual({ minMs: -UNMEASURED_SKEW_MS, maxMs: UNMEASURED_SKEW_MS });
		},
	);
});

describe('deriveIsolationState: when an action took effect decides', () => {
	const action = (type: string, status: string, created: string, updated?: string) => ({
		type,
		status,
		creationDateTimeUtc: `2026-11-20T${created}:00Z`,
		...(updated ? { lastUpdateDateTimeUtc: `2026-11-20T${updated}:00Z` } : {}),
	});

	test('an Isolate created first but finished last leaves the device isolated', () => {
		const isolate = action('Isolate', 'Succeeded', '10:00', '10:05');
		const release = action('Unisolate', 'Succeeded', '10:01', '10:03');
		expect(deriveIsolationState([release, isolate])).toEqual({
			state: 'isolated',
			decidedBy: isolate,
		});
	});

	test('a release that finished last leaves the device released, whatever the creation order', () => {
		const isolate = action('Isolate', 'Succeeded', '10:00', '10:02');
		const release = action('Unisolate', 'Succeeded', '10:01', '10:03');
		expect(deriveIsolationState([isolate, release]).state).toBe('notIsolated');
	});

	test('the older name lastUpdateTimeUtc is read too', () => {
		const isolate = {
			type: 'Isolate',
			status: 'Succeeded',
			creationDateTimeUtc: '2026-11-20T10:00:00Z',
			lastUpdateTimeUtc: '2026-11-20T10:09:00Z',
		};
		const release = action('Unisolate', 'Succeeded', '10:05', '10:06');
		expect(deriveIsolationState([isolate, release]).state).toBe('isolated');
	});

	test('an action under way decides before any finished one', () => {
		const release = action('Unisolate', 'Succeeded', '10:01', '10:03');
		const pending = action('Isolate', 'Pending', '09:00');
		expect(deriveIsolationState([release, pending]).state).toBe('isolating');
	});

	test('failed, timed-out and cancelled actions changed nothing', () => {
		const isolate = action('Isolate', 'Succeeded', '10:00', '10:01');
		const failed = ['Failed', 'TimeOut', 'Cancelled'].map((status) =>
			action('Unisolate', status, '10:05', '10:09'),
		);
		expect(deriveIsolationState([isolate, ...failed]).state).toBe('isolated');
	});
});

describe('redact', () => {
	const secrets = [
		{ label: 'client secret', value: 'Xy8~secret.value_123' },
		{ label: 'client ID', value: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' },
		{ label: 'short', value: 'abc' },
		{ label: 'none', value: undefined },
	];

	test('replaces every credential value, also URL- and JSON-escaped', () => {
		const text = [
			"AADSTS700016: Application with identifier 'Xy8~secret.value_123' was not found",
			'client_secret=Xy8~secret.value_123&client_id=aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
			`form: ${encodeURIComponent('Xy8~secret.value_123')}`,
		].join('\n');
		const result = redact(text, secrets);
		expect(result).not.toContain('Xy8~secret.value_123');
		expect(result).not.toContain('aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee');
		expect(result).toContain("identifier '[client secret]'");
		expect(result).toContain('client_id=[client ID]');
	});

	test('leaves short values and ordinary text alone', () => {
		expect(redact('abc is a word', secrets)).toBe('abc is a word');
	});
});
