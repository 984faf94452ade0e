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

export function canonicalForm(input: CanonicalInput): string {
	const { content } = input;
	const form = {
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
	return canonicalize(form) as string;
}

/** SHA-256 of the canonical form, hex: what every signature names. */
export async function agreementHash(canonical: string): Promise<string> {
	const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonical));
	return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
