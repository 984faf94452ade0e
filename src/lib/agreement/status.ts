/**
 * Where an agreement version stands. drafting → frozen (text fixed, signatures collected) →
 * executed (all signed, PDF made, plan started); frozen → drafting again voids signatures.
 * An executed version becomes superseded when an amendment of it is executed.
 */
export const AGREEMENT_STATUSES = {
	drafting: 'drafting',
	frozen: 'frozen',
	executed: 'executed',
	superseded: 'superseded'
} as const;
export type AgreementStatus = (typeof AGREEMENT_STATUSES)[keyof typeof AGREEMENT_STATUSES];

/** Who signs: each victim and offender, an offender's guardian (juvenile), the mediator as witness. */
export const SIGNER_ROLES = {
	victim: 'victim',
	offender: 'offender',
	guardian: 'guardian',
	mediator: 'mediator'
} as const;
export type SignerRole = (typeof SIGNER_ROLES)[keyof typeof SIGNER_ROLES];

/** What the follow-up plan tracks, one row per thing due. */
export const PLAN_ITEM_KINDS = {
	payment: 'payment',
	service: 'service',
	apologyLetter: 'apology_letter',
	behaviour: 'behaviour',
	other: 'other'
} as const;
export type PlanItemKind = (typeof PLAN_ITEM_KINDS)[keyof typeof PLAN_ITEM_KINDS];
