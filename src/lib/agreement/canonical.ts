import canonicalize from 'canonicalize';
import type { AgreementContent, Obligation } from './model.ts';

/**
 * The canonical form of a frozen agreement: the one byte string that signatures and the PDF
 * bind to (docs/AGREEMENT.md). It is RFC 8785 (JCS) JSON of exactly these fields, with every
 * text trimmed, its line ends made \n and its characters in Unicode NFC, so that the same
 * agreement always gives the same bytes and any change to what was agreed gives other bytes.
 * Acceptances, signatures and times are not part of it: they are about the text, not in it.
 */
export const CANONICAL_FORMAT = 'mend-agreement/1';

export interface CanonicalInput {
	program: string;
	caseReference: string;
	/** 1 for the first agreement of a case; amendments count up. */
	version: number;
	/** The hash of the agreement this one amends, if any. */
	amends: string | null;
	/** Who the agreement is between (names and roles only, never contact details). */
	parties: { id: string; name: string; role: string }[];
	content: AgreementContent;
}

const text = (value: string) => value.replace(/\r\n?/g, '\n').normalize('NFC').trim();

function obligation(o: Obligation) {
	const base = {
		id: o.id,
		kind: o.kind,
		responsible: o.responsible,
		description: text(o.description),
		verification: text(o.verification)
	};
	switch (o.kind) {
		case 'payment':
			return {
				...base,
				amountMinor: o.amountMinor,
				currency: o.currency,
				schedule:
					o.schedule.kind === 'lump_sum'
						? { kind: 'lump_sum', dueDate: o.schedule.dueDate }
						: {
								kind: 'instalments',
								frequency: o.schedule.frequency,
								instalments: o.schedule.instalments.map((i) => ({
									dueDate: i.dueDate,
									amountMinor: i.amountMinor
								}))
							}
			};
		case 'service':
			return { ...base, hours: o.hours, beneficiary: o.beneficiary, byDate: o.byDate };
		default:
			return { ...base, byDate: o.byDate };
	}
}

function formOf(input: CanonicalInput) {
	const { content } = input;
	return {
		format: CANONICAL_FORMAT,
		program: text(input.program),
		caseReference: input.caseReference,
		version: input.version,
		amends: input.amends,
		parties: [...input.parties]
			.sort((a, b) => a.id.localeCompare(b.id))
			.map((p) => ({ id: p.id, name: text(p.name), role: p.role })),
		harm: text(content.harm),
		apology: { delivery: content.apology.delivery, note: text(content.apology.note) },
		obligations: content.obligations.map(obligation),
		freeText: text(content.freeText)
	};
}

export function canonicalForm(input: CanonicalInput): string {
	return canonicalize(formOf(input)) as string;
}

/** SHA-256 of the canonical form, hex: what every signature names. */
export async function agreementHash(canonical: string): Promise<string> {
	const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonical));
	return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** What a canonical form holds, read back: the frozen text exactly as it was hashed. */
export interface FrozenAgreement {
	program: string;
	caseReference: string;
	version: number;
	amends: string | null;
	parties: { id: string; name: string; role: string }[];
	content: AgreementContent;
}

/**
 * Reads a canonical form back (for the PDF and the signing page: they show the text that was
 * hashed, not the live document). `canonicalForm(readCanonical(c))` gives `c` again.
 */
export function readCanonical(canonical: string): FrozenAgreement {
	const form = JSON.parse(canonical) as ReturnType<typeof formOf>;
	if (form.format !== CANONICAL_FORMAT) throw new Error(`unknown format ${form.format}`);
	return {
		program: form.program,
		caseReference: form.caseReference,
		version: form.version,
		amends: form.amends,
		parties: form.parties,
		content: {
			harm: form.harm,
			apology: form.apology as AgreementContent['apology'],
			// The start date is not part of the form: the first instalment's date is the start.
			obligations: form.obligations.map((o) => {
				const schedule = 'schedule' in o ? o.schedule : undefined;
				return schedule?.kind === 'instalments'
					? { ...o, schedule: { ...schedule, startDate: schedule.instalments?.[0]?.dueDate ?? '' } }
					: o;
			}) as Obligation[],
			freeText: form.freeText
		}
	};
}
