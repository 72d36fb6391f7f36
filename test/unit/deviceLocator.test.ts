import { deviceLocator } from '../../nodes/DefenderForEndpoint/v1/descriptions/device';

describe('the Device locator', () => {
	it('has the modes List, ID, Name and IP, in that order', () => {
		expect(deviceLocator.modes?.map((mode) => [mode.name, mode.displayName])).toEqual([
			['list', 'List'],
			['id', 'ID'],
			['hostname', 'Name'],
			['ip', 'IP'],
		]);
	});

	it('has mode labels short enough for the mode selector (n8n 2.41.1 cut "Hostname" to "Hostnam")', () => {
		for (const mode of deviceLocator.modes ?? [])
			expect(mode.displayName.length).toBeLessThanOrEqual(4);
	});
});
