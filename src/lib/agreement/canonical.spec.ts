import { describe, expect, it } from 'vitest';
import { agreementHash, canonicalForm } from './canonical.ts';
import { sampleCanonicalInput } from './fixtures.ts';
import type { CanonicalInput } from './canonical.ts';

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

/** The hash of the sample agreement; changing the canonical form breaks every signed PDF. */
const VECTOR = '8ad465cc3fd592ad8db47a2a3b10d4080fb8495806c773c921992669d89807c8';
