import { describe, expect, it } from 'vitest';
import { csvField, toCsv } from './csv.ts';

describe('csvField', () => {
	it('leaves plain values as they are and writes empties and booleans', () => {
		expect(csvField('property')).toBe('property');
		expect(csvField(12.5)).toBe('12.5');
		expect(csvField(-3)).toBe('-3');
		expect(csvField(null)).toBe('');
		expect(csvField(undefined)).toBe('');
		expect(csvField(true)).toBe('yes');
		expect(csvField(false)).toBe('no');
	});

	it('quotes commas, quotes and line breaks, doubling quotes', () => {
		expect(csvField('a,b')).toBe('"a,b"');
		expect(csvField('say "hi"')).toBe('"say ""hi"""');
		expect(csvField('one\ntwo')).toBe('"one\ntwo"');
		expect(csvField('one\r\ntwo')).toBe('"one\r\ntwo"');
	});

	it('defuses text a spreadsheet would run as a formula', () => {
		expect(csvField('=1+1')).toBe("'=1+1");
		expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
		expect(csvField('-2,3')).toBe(`"'-2,3"`);
	});
});

describe('toCsv', () => {
	it('writes a header and records, each ending in CRLF', () => {
		expect(
			toCsv(
				['a', 'b'],
				[
					[1, 'x,y'],
					[null, true]
				]
			)
		).toBe('a,b\r\n1,"x,y"\r\n,yes\r\n');
		expect(toCsv(['a'], [])).toBe('a\r\n');
	});
});
