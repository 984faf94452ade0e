import { describe, expect, it } from 'vitest';
import { FORM_LIMITS, formToObject, readForm, readFormOrEmpty } from './forms.ts';
import { isAppError } from './errors.ts';

const form = (entries: [string, string][]) => {
	const data = new FormData();
	for (const [name, value] of entries) data.append(name, value);
	return data;
};

const refusal = (run: () => unknown) => {
	try {
		run();
	} catch (error) {
		return isAppError(error) ? error.code : error;
	}
	return 'accepted';
};

const posted = (body: BodyInit, contentType?: string) =>
	new Request('http://mend.test/form', {
		method: 'POST',
		body,
		headers: contentType ? { 'content-type': contentType } : {}
	});

const readRefusal = (request: Request, files?: string[]) =>
	readForm(request, { files }).then(
		() => 'accepted',
		(error: unknown) => (isAppError(error) ? error.code : error)
	);

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

	it('takes the largest form Mend sends: a case with 16 parties', () => {
		const fields: [string, string][] = [['description', 'x'.repeat(4000)]];
		for (let i = 0; i < 16; i++)
			for (const field of ['id', 'role', 'displayName', 'email', 'phone', 'address', 'accompanies'])
				fields.push([`parties.${i}.${field}`, 'v']);
		const values = formToObject(form(fields));
		expect(values.parties).toHaveLength(16);
	});

	it('refuses names that would reach the object prototype, and changes nothing', () => {
		for (const name of ['__proto__.admin', 'a.constructor.prototype.admin', 'toString.x.__proto__'])
			expect(refusal(() => formToObject(form([[name, 'yes']])))).toBe('invalid_input');
		expect(({} as Record<string, unknown>).admin).toBeUndefined();
	});

	it('never reaches an inherited property: toString.x sets a member of its own', () => {
		expect(formToObject(form([['toString.x', 'y']]))).toEqual({ toString: { x: 'y' } });
		expect((Object.prototype.toString as unknown as Record<string, unknown>).x).toBeUndefined();
	});

	it('refuses a list index beyond the number of fields in the form: no sparse giants', () => {
		// `times.100000000` made an array of a hundred million places (the review's stall).
		for (const index of ['100000000', '4294967294', '2'])
			expect(
				refusal(() =>
					formToObject(
						form([
							['times.0', 'a'],
							[`times.${index}`, 'b']
						])
					)
				)
			).toBe('invalid_input');
		expect(
			formToObject(
				form([
					['times.0', 'a'],
					['times.1', 'b']
				])
			)
		).toEqual({
			times: ['a', 'b']
		});
	});

	it(`refuses a list index of ${FORM_LIMITS.listItems} or more, however many fields`, () => {
		const fields: [string, string][] = Array.from({ length: 200 }, (_, i) => [`f${i}`, 'x']);
		expect(
			refusal(() => formToObject(form([...fields, [`times.${FORM_LIMITS.listItems}`, 'b']])))
		).toBe('invalid_input');
		expect(
			formToObject(form([...fields, [`times.${FORM_LIMITS.listItems - 1}`, 'b']])).times
		).toHaveLength(FORM_LIMITS.listItems);
	});

	it('refuses indices written otherwise, numbers as members, and names both a value and a group', () => {
		for (const fields of [
			[['times.01', 'a']],
			[
				['times.0', 'a'],
				['times.x', 'b']
			],
			[
				['a.x', 'a'],
				['a.0', 'b']
			],
			[['0', 'a']],
			[
				['a', '1'],
				['a.b', '2']
			],
			[
				['a.b', '2'],
				['a', '1']
			],
			[
				['a', ''],
				['a.b', '2']
			],
			[['a..b', '1']],
			[['.a', '1']]
		] as [string, string][][])
			expect(
				refusal(() => formToObject(form(fields))),
				JSON.stringify(fields)
			).toBe('invalid_input');
	});

	it('refuses names deeper, longer, values longer and forms larger than FORM_LIMITS', () => {
		const deep = Array.from({ length: FORM_LIMITS.depth + 1 }, () => 'a').join('.');
		expect(refusal(() => formToObject(form([[deep, '1']])))).toBe('invalid_input');
		expect(refusal(() => formToObject(form([['a'.repeat(FORM_LIMITS.nameLength + 1), '1']])))).toBe(
			'invalid_input'
		);
		expect(
			refusal(() => formToObject(form([['a', 'x'.repeat(FORM_LIMITS.valueLength + 1)]])))
		).toBe('invalid_input');
		const many = Array.from(
			{ length: FORM_LIMITS.fields + 1 },
			(_, i) => [`f${i}`, ''] as [string, string]
		);
		expect(refusal(() => formToObject(form(many)))).toBe('invalid_input');
	});

	it('refuses a file: no form that is nested takes one', () => {
		const data = new FormData();
		data.append('note', new Blob(['x']), 'x.txt');
		expect(refusal(() => formToObject(data))).toBe('invalid_input');
	});
});

describe('readForm', () => {
	it('reads a form posted as a browser posts it, urlencoded or multipart', async () => {
		const urlencoded = await readForm(
			posted('a=1&b.0=2', 'application/x-www-form-urlencoded;charset=UTF-8')
		);
		expect([...urlencoded]).toEqual([
			['a', '1'],
			['b.0', '2']
		]);
		const multipart = await readForm(posted(form([['a', '1']])));
		expect(multipart.get('a')).toBe('1');
	});

	it('refuses too many fields by counting them in the body, before parsing it', async () => {
		const fields = FORM_LIMITS.fields;
		expect(
			await readRefusal(posted('a&'.repeat(256 * 1024), 'application/x-www-form-urlencoded'))
		).toBe('invalid_input');
		expect(
			await readRefusal(posted('a=1&'.repeat(fields), 'application/x-www-form-urlencoded'))
		).toBe('invalid_input');
		expect(
			await readRefusal(
				posted('a=1&'.repeat(fields - 1) + 'a=1', 'application/x-www-form-urlencoded')
			)
		).toBe('accepted');
		const parts = (n: number) => form(Array.from({ length: n }, (_, i) => [`f${i}`, 'x']));
		expect(await readRefusal(posted(parts(fields + 1)))).toBe('invalid_input');
		expect(await readRefusal(posted(parts(fields)))).toBe('accepted');
	});

	it('refuses a file where the form takes none, and takes one where it does', async () => {
		const data = new FormData();
		data.append('file', new Blob(['%PDF-1.7']), 'agreement.pdf');
		expect(await readRefusal(posted(data))).toBe('invalid_input');
		expect(await readRefusal(posted(data), ['file'])).toBe('accepted');
		const other = new FormData();
		other.append('other', new Blob(['x']), 'x.txt');
		expect(await readRefusal(posted(other), ['file'])).toBe('invalid_input');
	});

	it('refuses what is not a form, or a multipart body that does not parse', async () => {
		expect(await readRefusal(posted('{"a":1}', 'application/json'))).toBe('invalid_input');
		expect(await readRefusal(posted('a=1'))).toBe('invalid_input');
		expect(await readRefusal(posted('--x\r\njunk', 'multipart/form-data; boundary=x'))).toBe(
			'invalid_input'
		);
		expect(await readRefusal(posted('--x--\r\n', 'multipart/form-data'))).toBe('invalid_input');
	});

	it('refuses long names and values found once parsed', async () => {
		const url = 'application/x-www-form-urlencoded';
		expect(await readRefusal(posted(`${'a'.repeat(FORM_LIMITS.nameLength + 1)}=1`, url))).toBe(
			'invalid_input'
		);
		expect(await readRefusal(posted(`a=${'x'.repeat(FORM_LIMITS.valueLength + 1)}`, url))).toBe(
			'invalid_input'
		);
	});

	it('reads a refused form as empty where every field is required (signing in)', async () => {
		const read = await readFormOrEmpty(
			posted('a&'.repeat(1000), 'application/x-www-form-urlencoded')
		);
		expect([...read]).toEqual([]);
	});
});
