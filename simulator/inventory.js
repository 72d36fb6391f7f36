'use strict';
const { seededRandom, hex } = require('./random');

const PLATFORMS = ['Windows10', 'Windows11', 'WindowsServer2022', 'Linux', 'macOS'];
const HEALTH = ['Active', 'Active', 'Active', 'Inactive', 'ImpairedCommunication'];
const TAGS = [[], ['vip'], ['finance'], ['server', 'prod'], []];

/** Names with a special role in tests: two devices share one hostname, one name contains a quote. */
const DUPLICATE_HOSTNAME = 'dup-host.contoso.local';
const QUOTED_HOSTNAME = "o'brien-laptop.contoso.local";
const MERGED_HOSTNAME = 'merged-host.contoso.local';
const ORPHAN_MERGED_HOSTNAME = 'orphan-merged.contoso.local';

/**
 * A deterministic device inventory of `count` ordinary devices plus the special ones.
 * Devices ws-0001…: every third is isolated (a succeeded Isolate in its history), every tenth has a pending Isolate,
 * every fourth is in the device group "Finance servers" (141), the others in "SOC devices" (140).
 */
function generateInventory(count, nowMs, seed = 1, { mergedRecords = false } = {}) {
	const random = seededRandom(seed);
	const machine = (n, computerDnsName) => {
		const lastSeen = new Date(nowMs - Math.floor(random() * 3 * 86_400_000)).toISOString();
		return {
			id: hex(random, 40),
			computerDnsName,
			firstSeen: new Date(nowMs - 200 * 86_400_000).toISOString(),
			lastSeen,
			osPlatform: PLATFORMS[n % PLATFORMS.length],
			version: '22H2',
			osProcessor: 'x64',
			lastIpAddress: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
			lastExternalIpAddress: `203.0.113.${n % 250}`,
			osBuild: 22621,
			healthStatus: HEALTH[n % HEALTH.length],
			onboardingStatus: 'Onboarded',
			// Device groups, for delegated sign-in: every fourth device is a finance server, the rest SOC devices.
			...(n % 4 === 0
				? { rbacGroupId: 141, rbacGroupName: 'Finance servers' }
				: { rbacGroupId: 140, rbacGroupName: 'SOC devices' }),
			riskScore: ['None', 'Low', 'Medium', 'High'][n % 4],
			exposureLevel: ['Low', 'Medium', 'High'][n % 3],
			isAadJoined: true,
			aadDeviceId: null,
			machineTags: TAGS[n % TAGS.length],
			osArchitecture: '64-bit',
		};
	};
	const devices = [];
	for (let n = 1; n <= count; n++)
		devices.push(machine(n, `ws-${String(n).padStart(4, '0')}.contoso.local`));
	devices.push(
		machine(count + 1, DUPLICATE_HOSTNAME),
		machine(count + 2, DUPLICATE_HOSTNAME.toUpperCase()),
	);
	devices.push(machine(count + 3, QUOTED_HOSTNAME));
	if (mergedRecords) {
		// A re-onboarded device: its old record was merged into the new one, both still listed under the same name.
		const current = machine(count + 4, MERGED_HOSTNAME);
		devices.push(
			{ ...machine(count + 5, MERGED_HOSTNAME), mergedIntoMachineId: current.id },
			current,
		);
		// An old record whose merge target is listed under another name.
		devices.push({
			...machine(count + 6, ORPHAN_MERGED_HOSTNAME),
			mergedIntoMachineId: devices[0].id,
		});
	}
	return devices;
}

module.exports = {
	generateInventory,
	DUPLICATE_HOSTNAME,
	QUOTED_HOSTNAME,
	MERGED_HOSTNAME,
	ORPHAN_MERGED_HOSTNAME,
};
