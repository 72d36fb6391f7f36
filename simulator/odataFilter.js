'use strict';
/**
 * The part of OData $filter that Defender's machine and machine-action lists accept, parsed properly (a string
 * literal is one token whatever it contains) and compiled to a predicate over entities.
 *   expr    := and ('or' and)*          and := unary ('and' unary)*        unary := 'not' unary | primary
 *   primary := '(' expr ')' | 'startswith' '(' field ',' value ')' | field '/any(' var ':' var op value ')' | field op value
 */

class ODataError extends Error {}

const OPERATORS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const CASE_INSENSITIVE = new Set(['computerdnsname', 'id', 'machineid']);

function tokenize(text) {
	const tokens = [];
	let i = 0;
	while (i < text.length) {
		const char = text[i];
		if (/\s/.test(char)) {
			i++;
		} else if (char === "'") {
			let value = '';
			i++;
			for (;;) {
				if (i >= text.length) throw new ODataError('Unterminated string literal');
				if (text[i] === "'") {
					if (text[i + 1] === "'") {
						value += "'";
						i += 2;
						continue;
					}
					i++;
					break;
				}
				value += text[i++];
			}
			tokens.push({ kind: 'string', value });
		} else if ('(),:/'.includes(char)) {
			tokens.push({ kind: char });
			i++;
		} else if (/[0-9]/.test(char)) {
			const match = /^[0-9][0-9TZ:.+\-]*/.exec(text.slice(i));
			tokens.push({ kind: 'literal', value: match[0] });
			i += match[0].length;
		} else if (/[A-Za-z_$]/.test(char)) {
			const match = /^[A-Za-z_$][A-Za-z0-9_]*/.exec(text.slice(i));
			tokens.push({ kind: 'word', value: match[0] });
			i += match[0].length;
		} else {
			throw new ODataError(`Unexpected character '${char}' at position ${i}`);
		}
	}
	return tokens;
}

function literalValue(token) {
	if (token.kind === 'string') return token.value;
	if (token.kind === 'literal') {
		const asDate = Date.parse(token.value);
		if (/[TZ-]/.test(token.value.slice(1)) && !Number.isNaN(asDate)) return new Date(asDate);
		const asNumber = Number(token.value);
		if (!Number.isNaN(asNumber)) return asNumber;
	}
	if (token.kind === 'word' && ['true', 'false', 'null'].includes(token.value))
		return JSON.parse(token.value);
	throw new ODataError(
		`Expected a value, found ${token.kind === 'word' ? token.value : token.kind}`,
	);
}

/** Reads a property case-insensitively, as Defender does ("ComputerDnsName" and "computerDnsName" both work). */
function property(entity, name) {
	const key = Object.keys(entity).find(
		(candidate) => candidate.toLowerCase() === name.toLowerCase(),
	);
	return key === undefined ? undefined : entity[key];
}

function compare(field, actual, operator, expected) {
	if (expected instanceof Date) {
		const time = Date.parse(actual);
		if (Number.isNaN(time)) return false;
		return order(time, operator, expected.getTime());
	}
	// Names and IDs (40-hex machine IDs, GUIDs) compare case-insensitively, as Defender's do.
	if (
		typeof expected === 'string' &&
		typeof actual === 'string' &&
		CASE_INSENSITIVE.has(field.toLowerCase())
	) {
		return order(actual.toLowerCase(), operator, expected.toLowerCase());
	}
	return order(actual, operator, expected);
}

function order(a, operator, b) {
	switch (operator) {
		case 'eq':
			return a === b;
		case 'ne':
			return a !== b;
		case 'gt':
			return a > b;
		case 'ge':
			return a >= b;
		case 'lt':
			return a < b;
		case 'le':
			return a <= b;
	}
	return false;
}

/** Compiles a $filter into (entity) => boolean, or throws ODataError. */
function compileFilter(text) {
	const tokens = tokenize(text);
	let position = 0;
	const peek = () => tokens[position];
	const next = () => tokens[position++];
	const isWord = (token, word) => token?.kind === 'word' && token.value.toLowerCase() === word;
	const expect = (kind) => {
		const token = next();
		if (token?.kind !== kind) throw new ODataError(`Expected '${kind}'`);
		return token;
	};
	const operator = () => {
		const token = next();
		if (token?.kind !== 'word' || !OPERATORS.has(token.value))
			throw new ODataError('Expected a comparison operator');
		return token.value;
	};

	function parseOr() {
		let left = parseAnd();
		while (isWord(peek(), 'or')) {
			next();
			const a = left;
			const b = parseAnd();
			left = (entity) => a(entity) || b(entity);
		}
		return left;
	}
	function parseAnd() {
		let left = parseUnary();
		while (isWord(peek(), 'and')) {
			next();
			const a = left;
			const b = parseUnary();
			left = (entity) => a(entity) && b(entity);
		}
		return left;
	}
	function parseUnary() {
		if (isWord(peek(), 'not')) {
			next();
			const inner = parseUnary();
			return (entity) => !inner(entity);
		}
		return parsePrimary();
	}
	function parsePrimary() {
		const token = next();
		if (token?.kind === '(') {
			const inner = parseOr();
			expect(')');
			return inner;
		}
		if (token?.kind !== 'word') throw new ODataError('Expected a property or a function');
		if (token.value.toLowerCase() === 'startswith' && peek()?.kind === '(') {
			next();
			const field = expect('word').value;
			expect(',');
			const prefix = literalValue(next());
			expect(')');
			return (entity) => {
				const value = property(entity, field);
				return (
					typeof value === 'string' && value.toLowerCase().startsWith(String(prefix).toLowerCase())
				);
			};
		}
		const field = token.value;
		if (peek()?.kind === '/') {
			next();
			if (!isWord(next(), 'any')) throw new ODataError("Only the 'any' lambda is supported");
			expect('(');
			const variable = expect('word').value;
			expect(':');
			if (expect('word').value !== variable) throw new ODataError('Lambda variable mismatch');
			const op = operator();
			const value = literalValue(next());
			expect(')');
			return (entity) => {
				const values = property(entity, field);
				return Array.isArray(values) && values.some((item) => compare(variable, item, op, value));
			};
		}
		const op = operator();
		const value = literalValue(next());
		return (entity) => compare(field, property(entity, field), op, value);
	}

	const predicate = parseOr();
	if (position !== tokens.length) throw new ODataError('Unexpected text after the filter');
	return predicate;
}

module.exports = { compileFilter, ODataError };
