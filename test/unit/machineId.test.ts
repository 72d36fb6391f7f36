import {
	MACHINE_ID_REGEX_SOURCE,
	parseMachineId,
	printable,
} from '../../nodes/DefenderForEndpoint/lib/machineId';

const ID = '1e5bc9d7e413ddd7902c2932e418702b84d0cc07';
const HEX40 = '0123456789abcdef0123456789abcdef01234567';

describe('parseMachineId', () => {
	describe('accepts 40 hexadecimal characters', () => {
		it('returns a lower-case ID unchanged', () => {
			expect(parseMachineId(ID)).toBe(ID);
			expect(parseMachineId(HEX40)).toBe(HEX40);
		});

		it('lower-cases an upper-case or mixed-case ID', () => {
			expect(parseMachineId(ID.toUpperCase())).toBe(ID);
			expect(parseMachineId('1E5bc9D7e413DDD7902c2932E418702b84D0cc07')).toBe(ID);
		});

		it('trims surrounding spaces, tabs and newlines', () => {
			expect(parseMachineId(`  ${ID}  `)).toBe(ID);
			expect(parseMachineId(`\t${ID.toUpperCase()}\n`)).toBe(ID);
		});

		it('accepts all-digit and all-letter IDs', () => {
			expect(parseMachineId('0'.repeat(40))).toBe('0'.repeat(40));
			expect(parseMachineId('F'.repeat(40))).toBe('f'.repeat(40));
		});
	});

	describe('rejects anything else', () => {
		it.each([
			['39 characters', ID.slice(0, 39)],
			['41 characters', `${ID}0`],
			['a GUID', 'a1b2c3d4-0000-1111-2222-333344445555'],
			['a non-hex letter', `${ID.slice(0, 39)}g`],
			['a slash', `${ID.slice(0, 39)}/`],
			['a path traversal', `${ID.slice(0, 38)}..`],
			['a traversal with slashes', `../../${ID.slice(0, 34)}`],
			['a percent-encoded slash', `${ID.slice(0, 37)}%2F`],
			['a percent-encoded slash with extra length', `${ID}%2F`],
			['a space inside', `${ID.slice(0, 20)} ${ID.slice(21)}`],
			['a space inside (41 chars)', `${ID.slice(0, 20)} ${ID.slice(20)}`],
			['a newline inside', `${ID.slice(0, 20)}\n${ID.slice(21)}`],
			['a query string', `${ID.slice(0, 38)}?x`],
			['a fragment', `${ID.slice(0, 39)}#`],
			['a 0x prefix', `0x${ID.slice(0, 38)}`],
			['full-width digits', '１'.repeat(40)],
			['a machine name', 'ws-0042.contoso.com'],
		])('rejects %s', (_label, value) => {
			expect(() => parseMachineId(value)).toThrow(/expected 40 hexadecimal characters/);
		});

		it.each([
			['an empty string', ''],
			['only spaces', '   '],
			['only whitespace', '\t\n '],
		])('rejects %s as empty', (_label, value) => {
			expect(() => parseMachineId(value)).toThrow(/empty.*40-character Defender machine ID/);
		});

		it.each([
			['undefined', undefined],
			['null', null],
			['a number', 12345],
			['a boolean', true],
			['an object', { id: ID }],
			['an array', [ID]],
		])('rejects %s (not a string)', (_label, value) => {
			expect(() => parseMachineId(value)).toThrow(/40-character Defender machine ID/);
		});

		it('quotes the rejected value and gives an example of the expected format', () => {
			expect(() => parseMachineId('abc')).toThrow(
				'Device ID "abc" is not a Defender machine ID: expected 40 hexadecimal characters, e.g. 1e5bc9d7e413ddd7902c2932e418702b84d0cc07',
			);
		});

		it('shows control characters in the rejected value escaped', () => {
			let message = '';
			try {
				parseMachineId(`${ID.slice(0, 20)}\u0000\r\n${ID.slice(20)}`);
			} catch (error) {
				message = (error as Error).message;
			}
			expect(message).toContain('\\u0000\\r\\n');
			expect(message).not.toMatch(/\p{Cc}/u);
		});

		it('keeps the message short for a huge value', () => {
			let message = '';
			try {
				parseMachineId('z'.repeat(10_000));
			} catch (error) {
				message = (error as Error).message;
			}
			expect(message).toContain(`"${'z'.repeat(80)}…"`);
			expect(message.length).toBeLessThan(250);
		});
	});
});

describe('MACHINE_ID_REGEX_SOURCE (UI validation)', () => {
	const regex = new RegExp(MACHINE_ID_REGEX_SOURCE);

	it('accepts what parseMachineId accepts', () => {
		for (const value of [ID, ID.toUpperCase(), `  ${ID} `]) {
			expect(regex.test(value)).toBe(true);
			expect(() => parseMachineId(value)).not.toThrow();
		}
	});

	it('rejects what parseMachineId rejects', () => {
		for (const value of [
			ID.slice(0, 39),
			`${ID}0`,
			`${ID.slice(0, 39)}/`,
			`${ID.slice(0, 37)}%2F`,
			'',
		]) {
			expect(regex.test(value)).toBe(false);
			expect(() => parseMachineId(value)).toThrow();
		}
	});
});

describe('printable', () => {
	it('returns plain text unchanged', () => {
		expect(printable('ws-0042.contoso.com')).toBe('ws-0042.contoso.com');
		expect(printable('')).toBe('');
	});

	it('shows control characters as escapes', () => {
		expect(printable('a\nb')).toBe('a\\nb');
		expect(printable('\t\r\b\f')).toBe('\\t\\r\\b\\f');
		expect(printable('\u0000\u0001\u001b\u001f')).toBe('\\u0000\\u0001\\u001b\\u001f');
		expect(printable('x\u0000y')).not.toMatch(/\p{Cc}/u);
	});

	it('shows DEL (U+007F) as an escape', () => {
		expect(printable('a\u007fb')).toBe('a\\u007fb');
	});

	it('escapes quotes and backslashes so a value cannot break out of the quotes around it', () => {
		expect(printable('say "hi"')).toBe('say \\"hi\\"');
		expect(printable('a\\b')).toBe('a\\\\b');
	});

	it('keeps non-ASCII text readable', () => {
		expect(printable('café 🖥️')).toBe('café 🖥️');
	});

	it('does not truncate a value of exactly the maximum length', () => {
		expect(printable('a'.repeat(80))).toBe('a'.repeat(80));
	});

	it('truncates a longer value to the maximum length with an ellipsis', () => {
		expect(printable('a'.repeat(81))).toBe(`${'a'.repeat(80)}…`);
		expect(printable('b'.repeat(5_000))).toBe(`${'b'.repeat(80)}…`);
	});

	it('honours a custom maximum length', () => {
		expect(printable('abcdefghij', 4)).toBe('abcd…');
		expect(printable('abcd', 4)).toBe('abcd');
	});

	it('measures the escaped form when truncating', () => {
		// 30 newlines become 60 visible characters
		expect(printable('\n'.repeat(30), 10)).toBe(`${'\\n'.repeat(5)}…`);
	});
});
