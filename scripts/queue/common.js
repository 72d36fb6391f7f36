'use strict';
/** What the queue-mode test's phases share: its report and its constants. */
const { createReport } = require('../lib/checks');

const report = createReport('queue');

module.exports = {
	report,
	check: report.check,
	CREDENTIAL: { id: 'queueSimulator', name: 'Defender (simulator, queue test)' },
	WORKFLOW_ID: 'queueModeRelease',
	WEBHOOK_PATH: 'release-device',
	MINUTE: 60_000,
	PER_MINUTE: 100,
};
