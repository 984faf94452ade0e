/**
 * The agreement as plain data: what the parties co-draft (held in a Yjs document while
 * drafting, see ydoc.ts), freeze, sign, and then carry out. No contact details, ever: it is
 * handed to every party.
 */

export const OBLIGATION_KINDS = {
	payment: 'payment',
	service: 'service',
	behaviour: 'behaviour',
	other: 'other'
} as const;
export type ObligationKind = (typeof OBLIGATION_KINDS)[keyof typeof OBLIGATION_KINDS];

export const APOLOGY_DELIVERIES = {
	inMeeting: 'in_meeting',
	letter: 'letter',
	none: 'none'
} as const;
export type ApologyDelivery = (typeof APOLOGY_DELIVERIES)[keyof typeof APOLOGY_DELIVERIES];

export const FREQUENCIES = {
	weekly: 'weekly',
	fortnightly: 'fortnightly',
	monthly: 'monthly'
} as const;
export type Frequency = (typeof FREQUENCIES)[keyof typeof FREQUENCIES];

export const BENEFICIARIES = { victim: 'victim', community: 'community' } as const;
export type Beneficiary = (typeof BENEFICIARIES)[keyof typeof BENEFICIARIES];

/** A calendar date, `YYYY-MM-DD`, in the program's time zone. */
export type IsoDate = string;

export interface Instalment {
	dueDate: IsoDate;
	amountMinor: number;
}

export type Schedule =
	| { kind: 'lump_sum'; dueDate: IsoDate }
	| {
			kind: 'instalments';
			frequency: Frequency;
			startDate: IsoDate;
			/** Generated from amount, count, frequency and start; each may then be edited. */
			instalments: Instalment[];
	  };

interface ObligationBase {
	id: string;
	/** The party who carries it out. */
	responsible: string;
	/** How the program will know it was done (a receipt, the supervisor's note…). */
	verification: string;
	description: string;
}

export type Obligation =
	| (ObligationBase & {
			kind: 'payment';
			amountMinor: number;
			currency: string;
			schedule: Schedule;
	  })
	| (ObligationBase & {
			kind: 'service';
			hours: number;
			beneficiary: Beneficiary;
			byDate: IsoDate;
	  })
	| (ObligationBase & { kind: 'behaviour'; byDate: IsoDate | null })
	| (ObligationBase & { kind: 'other'; byDate: IsoDate | null });

export interface AgreementContent {
	/** The harm the offender acknowledges, in the parties' words. */
	harm: string;
	apology: { delivery: ApologyDelivery; note: string };
	obligations: Obligation[];
	freeText: string;
}

/** A clause a party accepts: the harm, the apology, each obligation, the free text. */
export type ClauseId = 'harm' | 'apology' | 'free_text' | `obligation:${string}`;

export function clauseIds(content: AgreementContent): ClauseId[] {
	return [
		'harm',
		'apology',
		...content.obligations.map((o) => `obligation:${o.id}` as const),
		'free_text'
	];
}

export const emptyContent = (): AgreementContent => ({
	harm: '',
	apology: { delivery: 'in_meeting', note: '' },
	obligations: [],
	freeText: ''
});
