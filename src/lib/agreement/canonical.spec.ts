import { describe, expect, it } from 'vitest';
import { agreementHash, canonicalForm, readCanonical } from './canonical.ts';
import { sampleCanonicalInput } from './fixtures.ts';
import type { CanonicalInput } from './canonical.ts';
import type { Obligation } from './model.ts';

const hashOf = (input: CanonicalInput) => agreementHash(canonicalForm(input));

describe('the canonical form of an agreement', () => {
	it('gives the same bytes and hash for the same agreement', async () => {
		expect(canonicalForm(sampleCanonicalInput())).toBe(canonicalForm(sampleCanonicalInput()));
		expect(await hashOf(sampleCanonicalInput())).toMatch(/^[0-9a-f]{64}$/);
	});

	it('does not depend on how the text was typed: line ends, spacing at the ends, Unicode form', async () => {
		const typed = sampleCanonicalInput();
		typed.content.harm = `  ${typed.content.harm.replaceAll(' ', ' ')}\r\n`;
		typed.content.freeText = typed.content.freeText + '\n';
		typed.parties[0].name = 'Maria Lo\u0301pez'.normalize('NFD');
		const reference = sampleCanonicalInput();
		reference.parties[0].name = 'Maria López';
		expect(await hashOf(typed)).toBe(await hashOf(reference));
	});

	it('does not depend on the order of the parties or of object keys', async () => {
		const reordered = sampleCanonicalInput();
		reordered.parties.reverse();
		reordered.content.apology = { note: reordered.content.apology.note, delivery: 'letter' };
		expect(await hashOf(reordered)).toBe(await hashOf(sampleCanonicalInput()));
	});

	it('changes with any change to what was agreed', async () => {
		const reference = await hashOf(sampleCanonicalInput());
		const changes: ((input: CanonicalInput) => void)[] = [
			(i) => (i.content.harm += '.'),
			(i) => (i.content.apology.delivery = 'in_meeting'),
			(i) => {
				const pay = i.content.obligations[0];
				if (pay.kind === 'payment' && pay.schedule.kind === 'instalments') {
					pay.schedule.instalments[2].amountMinor += 1;
					pay.amountMinor += 1;
				}
			},
			(i) => {
				const serve = i.content.obligations[1];
				if (serve.kind === 'service') serve.hours = 21;
			},
			(i) => (i.content.obligations[1].responsible = 'guardian'),
			(i) => i.content.obligations.reverse(),
			(i) => (i.parties[1].name = 'Jordan R.'),
			(i) => (i.version = 2),
			(i) => (i.amends = 'a'.repeat(64)),
			(i) => (i.caseReference = '2026-0002')
		];
		for (const change of changes) {
			const input = sampleCanonicalInput();
			change(input);
			expect(await hashOf(input), change.toString()).not.toBe(reference);
		}
	});

	it('holds no contact details and names its format', () => {
		const canonical = canonicalForm(sampleCanonicalInput());
		expect(JSON.parse(canonical).format).toBe('mend-agreement/1');
		expect(canonical).not.toMatch(/@|\+1 555|Orchard Lane/);
	});

	it('is stable across releases: this vector must never change (docs/AGREEMENT.md)', async () => {
		expect(await hashOf(sampleCanonicalInput())).toBe(VECTOR);
	});
});

describe('reading a canonical form back', () => {
	/** Every kind of obligation, both kinds of payment, with and without dates. */
	const everyKind = (): CanonicalInput => {
		const input = sampleCanonicalInput();
		const obligations: Obligation[] = [
			...input.content.obligations,
			{
				id: 'lump',
				kind: 'payment',
				responsible: 'guardian',
				verification: 'Bank transfer to the program.',
				description: 'The tools.',
				amountMinor: 45_50,
				currency: 'USD',
				schedule: { kind: 'lump_sum', dueDate: '2027-02-01' }
			},
			{
				id: 'half-day',
				kind: 'service',
				responsible: 'offender',
				verification: 'The victim confirms.',
				description: 'Paint the shed.',
				hours: 2.5,
				beneficiary: 'victim',
				byDate: '2027-05-31'
			},
			{
				id: 'stay-away',
				kind: 'behaviour',
				responsible: 'offender',
				verification: 'Reported by the victim.',
				description: 'Does not enter the victim’s garden.',
				byDate: null
			},
			{
				id: 'school',
				kind: 'behaviour',
				responsible: 'offender',
				verification: 'School attendance record.',
				description: 'Attends school every week.',
				byDate: '2027-06-30'
			},
			{
				id: 'other',
				kind: 'other',
				responsible: 'victim',
				verification: 'The mediator is told.',
				description: 'Returns the offender’s jacket.',
				byDate: '2027-01-31'
			},
			{
				id: 'open',
				kind: 'other',
				responsible: 'offender',
				verification: 'The mediator is told.',
				description: 'Writes to the victim if he moves.',
				byDate: null
			}
		];
		input.content.obligations = obligations;
		return input;
	};

	it('gives back exactly what was agreed, of every kind, so the same form and hash follow', async () => {
		const input = everyKind();
		const canonical = canonicalForm(input);
		const frozen = readCanonical(canonical);
		expect(frozen.content).toEqual(input.content);
		expect(frozen).toMatchObject({
			program: input.program,
			caseReference: input.caseReference,
			version: 1,
			amends: null
		});
		expect(canonicalForm(frozen)).toBe(canonical);
		expect(await agreementHash(canonicalForm(frozen))).toBe(await agreementHash(canonical));
	});

	it('keeps a lump sum without a start date, and the amounts, hours and dates as numbers and text', () => {
		const { obligations } = readCanonical(canonicalForm(everyKind())).content;
		const lump = obligations.find((o) => o.id === 'lump');
		expect(lump).toMatchObject({ amountMinor: 45_50, currency: 'USD' });
		expect(lump?.kind === 'payment' && lump.schedule).toEqual({
			kind: 'lump_sum',
			dueDate: '2027-02-01'
		});
		expect(obligations.find((o) => o.id === 'half-day')).toMatchObject({
			hours: 2.5,
			beneficiary: 'victim',
			byDate: '2027-05-31'
		});
		expect(obligations.find((o) => o.id === 'stay-away')).toMatchObject({ byDate: null });
	});

	it('takes the first instalment’s date as the start, even if the start was edited apart from it', () => {
		const input = sampleCanonicalInput();
		const pay = input.content.obligations[0];
		if (pay.kind !== 'payment' || pay.schedule.kind !== 'instalments') throw new Error('fixture');
		pay.schedule.instalments[0].dueDate = '2027-01-20';
		pay.schedule.startDate = '2027-01-15';
		const canonical = canonicalForm(input);
		const read = readCanonical(canonical).content.obligations[0];
		expect(read.kind === 'payment' && read.schedule).toEqual({
			...pay.schedule,
			startDate: '2027-01-20'
		});
		// The start date is not part of what was signed: reading back changes no byte.
		expect(canonicalForm(readCanonical(canonical))).toBe(canonical);
	});

	it('gives back the text as it was hashed: trimmed, plain line ends, parties in order of id', () => {
		const typed = sampleCanonicalInput();
		typed.content.harm = '  Took the bicycle.\r\nAnd the tools.  ';
		typed.parties.reverse();
		const frozen = readCanonical(canonicalForm(typed));
		expect(frozen.content.harm).toBe('Took the bicycle.\nAnd the tools.');
		expect(frozen.parties.map((p) => p.id)).toEqual(['guardian', 'offender', 'victim']);
	});

	it('refuses a form of another format', () => {
		const other = canonicalForm(sampleCanonicalInput()).replace('mend-agreement/1', 'other/9');
		expect(() => readCanonical(other)).toThrow(/unknown format/);
	});
});

/** The hash of the sample agreement; changing the canonical form breaks every signed PDF. */
const VECTOR = '8ad465cc3fd592ad8db47a2a3b10d4080fb8495806c773c921992669d89807c8';
