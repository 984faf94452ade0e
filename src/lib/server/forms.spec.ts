import { describe, expect, it } from 'vitest';
import { formToObject } from './forms.ts';

const form = (entries: [string, string][]) => {
	const data = new FormData();
	for (const [name, value] of entries) data.append(name, value);
	return data;
};

describe('formToObject', () => {
	it('nests dotted names into objects and arrays', () => {
		expect(
			formToObject(
				form([
					['description', 'x'],
					['parties.0.role', 'victim'],
					['parties.1.role', 'offender'],
					['parties.1.accompanies', '0']
				])
			)
		).toEqual({
			description: 'x',
			parties: [{ role: 'victim' }, { role: 'offender', accompanies: '0' }]
		});
	});

	it('turns empty fields into undefined so optional fields stay optional', () => {
		expect(formToObject(form([['email', '']]))).toEqual({ email: undefined });
	});

	it('ignores names that would reach the object prototype', () => {
		const result = formToObject(
			form([
				['__proto__.admin', 'yes'],
				['a.constructor.prototype.admin', 'yes'],
				['ok', '1']
			])
		);
		expect(result).toEqual({ ok: '1' });
		expect(({} as Record<string, unknown>).admin).toBeUndefined();
	});
});
