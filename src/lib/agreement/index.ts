export {
	agreementHash,
	canonicalForm,
	CANONICAL_FORMAT,
	type CanonicalInput
} from './canonical.ts';
export {
	APOLOGY_DELIVERIES,
	BENEFICIARIES,
	clauseIds,
	emptyContent,
	FREQUENCIES,
	OBLIGATION_KINDS,
	type AgreementContent,
	type ApologyDelivery,
	type ClauseId,
	type Frequency,
	type Instalment,
	type IsoDate,
	type Obligation,
	type ObligationKind,
	type Schedule
} from './model.ts';
export { generateInstalments, sumOf } from './schedule.ts';
export { validateAgreement, type AgreementIssue } from './validate.ts';
export {
	addObligation,
	clauseFingerprint,
	initialiseDocument,
	obligationMap,
	parts,
	readContent,
	removeObligation,
	scheduleInstalments
} from './ydoc.ts';
