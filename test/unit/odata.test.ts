import {
	hostnameFilter,
	odataDateTime,
	odataString,
	parseHostname,
	sameHostname,
} from '../../nodes/DefenderForEndpoint/lib/odata';

/**
 * Reads one OData string literal at the start of `text` (quote, content with '' as an escaped quote, quote) and
 * returns the decoded value and where the literal ends. Independent of the code under test.
 */
function readLiteral(text: string): { value: string; end: number } {
	if (text[0] !== "'") throw new Error('literal must start with a quote');
	let value = '';
	let i = 1;
	while (i < text.length) {
		if (text[i] === "'") {
			if (text[i + 1] === "'") {
				value += "'";
				i += 2;
				continue;
			}
			return { value, end: i + 1 };
		}
		value += text[i];
		i++;
	}
	throw new Error('unterminated literal');
}

/** The literal is exactly one token: it ends at the very end of the text and decodes back to the input. */
function expectSingleLiteral(literal: string, original: string): void {
	expect(literal.startsWith("'")).toBe(true);
	expect(literal.endsWith("'")).toBe(true);
	const inner = literal.slice(1, -1);
	// every quote inside comes in a pair
	expect(inner.replace(/''/g, '')).not.toContain("'");
	const { value, end } = readLiteral(literal);
	expect(end).toBe(literal.length);
	expect(value).toBe(original);
}

describe('odataString', () => {
	it('wraps a plain value in single quotes', () => {
		expect(odataString('ws-0042')).toBe("'ws-0042'");
		expect(odataString('')).toBe("''");
	});

	it('doubles a single quote inside the value', () => {
		expect(odataString("o'brien")).toBe("'o''brien'");
	});

	it('doubles every quote, including leading, trailing and consecutive ones', () => {
		expect(odataString("'")).toBe("''''");
		expect(odataString("''")).toBe("''''''");
		expect(odataString("'a'")).toBe("'''a'''");
		expect(odataString("a'''b")).toBe("'a''''''b'");
	});

	it.each([
		"o'brien",
		"x' or computerDnsName eq 'y",
		"' or 1 eq 1 or 'a' eq '",
		"ws'); DROP --",
		"''",
		"'",
		"a''b",
		"'); $filter=true",
		'double "quotes" stay as they are',
		'back\\slash',
		'ümlaut 🖥️',
	])('keeps %p as ONE literal that decodes back to the input', (value) => {
		expectSingleLiteral(odataString(value), value);
	});

	it('turns an injection attempt into a harmless literal', () => {
		const literal = odataString("x' or computerDnsName eq 'y");
		expect(literal).toBe("'x'' or computerDnsName eq ''y'");
	});

	it('leaves other characters untouched', () => {
		expect(odataString('a "b" \\ % & ? # / 🖥️')).toBe('\'a "b" \\ % & ? # / 🖥️\'');
	});
});

describe('hostnameFilter', () => {
	it('selects a computer DNS name exactly', () => {
		expect(hostnameFilter('ws-0042.contoso.com')).toBe("computerDnsName eq 'ws-0042.contoso.com'");
	});

	it('escapes quotes in the hostname so the filter keeps a single comparison', () => {
		const filter = hostnameFilter("x' or computerDnsName eq 'y");
		expect(filter).toBe("computerDnsName eq 'x'' or computerDnsName eq ''y'");
		const prefix = 'computerDnsName eq ';
		expect(filter.startsWith(prefix)).toBe(true);
		expectSingleLiteral(filter.slice(prefix.length), "x' or computerDnsName eq 'y");
	});
});

describe('parseHostname', () => {
	it('returns a valid hostname unchanged', () => {
		expect(parseHostname('ws-0042.contoso.com')).toBe('ws-0042.contoso.com');
		expect(parseHostname('WS-0042')).toBe('WS-0042');
	});

	it('trims surrounding whitespace', () => {
		expect(parseHostname('  ws-0042  ')).toBe('ws-0042');
		expect(parseHostname('\tws-0042\r\n')).toBe('ws-0042');
	});

	it.each([
		['empty', ''],
		['spaces only', '   '],
		['whitespace only', '\t\n\r '],
	])('rejects an %s value', (_label, value) => {
		expect(() => parseHostname(value)).toThrow(/Hostname is empty/);
	});

	it.each([
		['undefined', undefined],
		['null', null],
		['a number', 42],
		['an object', { hostname: 'ws' }],
	])('rejects %s (not a string)', (_label, value) => {
		expect(() => parseHostname(value)).toThrow(/Hostname is empty/);
	});

	it.each([
		['NUL', 'ws\u00000042'],
		['a newline inside', 'ws\n0042'],
		['a carriage return inside', 'ws\r0042'],
		['a tab inside', 'ws\t0042'],
		['an escape', 'ws\u001b[31m'],
		['unit separator', 'ws\u001f'],
	])('rejects %s as control characters, showing them escaped', (_label, value) => {
		expect(() => parseHostname(value)).toThrow(/contains control characters/);
		try {
			parseHostname(value);
		} catch (error) {
			expect((error as Error).message).not.toMatch(/\p{Cc}/u);
		}
	});

	it('rejects DEL (U+007F) as a control character', () => {
		expect(() => parseHostname('ws\u007f')).toThrow(/contains control characters/);
	});

	it('shows DEL escaped in the error message', () => {
		let message = '';
		try {
			parseHostname('ws\u007f');
		} catch (error) {
			message = (error as Error).message;
		}
		expect(message).toContain('contains control characters');
		expect(message).not.toContain('\u007f');
		expect(message).toMatch(/ws\\u007f/i);
	});

	it('accepts 255 characters and rejects 256', () => {
		const h255 = 'a'.repeat(255);
		expect(parseHostname(h255)).toBe(h255);
		expect(() => parseHostname('a'.repeat(256))).toThrow(/longer than 255 characters/);
	});

	it('measures the length after trimming', () => {
		const h255 = 'a'.repeat(255);
		expect(parseHostname(`   ${h255}   `)).toBe(h255);
	});

	it('truncates a very long hostname in the error message', () => {
		try {
			parseHostname('a'.repeat(10_000));
			throw new Error('should have thrown');
		} catch (error) {
			const message = (error as Error).message;
			expect(message).toContain('longer than 255 characters');
			expect(message).toContain('…');
			expect(message.length).toBeLessThan(200);
		}
	});

	it.each([
		["o'brien-pc"],
		["x' or computerDnsName eq 'y"],
		['laptop-🖥️'],
		['Müller-PC'],
		['name with "double" quotes'],
		['name with inner spaces'],
	])('accepts %p (quotes and non-ASCII are left to the OData literal)', (value) => {
		expect(parseHostname(value)).toBe(value);
	});
});

describe('sameHostname', () => {
	it('compares case-insensitively', () => {
		expect(sameHostname('WS-0042.Contoso.com', 'ws-0042.contoso.COM')).toBe(true);
		expect(sameHostname('müller-pc', 'MÜLLER-PC')).toBe(true);
	});

	it('is true for identical names', () => {
		expect(sameHostname('ws-0042', 'ws-0042')).toBe(true);
	});

	it('distinguishes different names', () => {
		expect(sameHostname('ws-0042', 'ws-0043')).toBe(false);
		expect(sameHostname('ws-0042', 'ws-0042.contoso.com')).toBe(false);
		expect(sameHostname('ws-0042', 'ws-0042 ')).toBe(false);
		expect(sameHostname('', 'a')).toBe(false);
	});
});

describe('odataDateTime', () => {
	it('converts an ISO value with an offset to UTC', () => {
		expect(odataDateTime('2024-05-01T10:00:00+02:00', 'America/New_York')).toBe(
			'2024-05-01T08:00:00Z',
		);
		expect(odataDateTime('2024-05-01T08:00:00Z', 'Europe/Berlin')).toBe('2024-05-01T08:00:00Z');
	});

	it('reads a value without an offset in the given zone', () => {
		expect(odataDateTime('2024-05-01T10:00:00', 'Europe/Berlin')).toBe('2024-05-01T08:00:00Z');
		expect(odataDateTime('2024-01-15T10:00:00', 'Europe/Berlin')).toBe('2024-01-15T09:00:00Z');
		expect(odataDateTime('2024-05-01T10:00:00', 'UTC')).toBe('2024-05-01T10:00:00Z');
	});

	it('keeps milliseconds only when there are some', () => {
		expect(odataDateTime('2024-05-01T08:00:00.123Z', 'UTC')).toBe('2024-05-01T08:00:00.123Z');
	});

	it('accepts a Date', () => {
		expect(odataDateTime(new Date(Date.UTC(2024, 4, 1, 8, 0, 0)), 'Europe/Berlin')).toBe(
			'2024-05-01T08:00:00Z',
		);
	});

	it('trims the value', () => {
		expect(odataDateTime('  2024-05-01T08:00:00Z  ', 'UTC')).toBe('2024-05-01T08:00:00Z');
	});

	it.each([
		[''],
		['yesterday'],
		['2024-13-01T00:00:00Z'],
		[undefined],
		[null],
		["2024-05-01' or 1 eq 1"],
	])('rejects %p', (value) => {
		expect(() => odataDateTime(value, 'UTC')).toThrow(/is not a date and time \(ISO 8601\)/);
	});

	it('rejects an invalid Date', () => {
		expect(() => odataDateTime(new Date('nope'), 'UTC')).toThrow(/ISO 8601/);
	});
});
