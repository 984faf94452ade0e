import type { AgreementContent } from '#lib/agreement/model.ts';

/**
 * A signer's drawn signature as the PDF shows it: none drawn; the PNG (checked by
 * `checkSignatureDrawing`); or one stored that cannot be shown, which the PDF says instead.
 */
export type SignatureDrawing =
	{ kind: 'none' } | { kind: 'png'; png: Uint8Array } | { kind: 'unreadable' };

/**
 * Everything the signed agreement's PDF shows, gathered by the execution use case. Contact
 * details and IP addresses are deliberately absent: one PDF goes to everyone, offender
 * included (the audit log keeps the network evidence).
 */
export interface AgreementPdfInput {
	program: { name: string; timeZone: string; currency: string };
	caseReference: string;
	version: number;
	/** The SHA-256 (hex) of the agreement this version amends, if any. */
	amends: string | null;
	/** Parties to the agreement: name and role only. */
	parties: { id: string; name: string; role: 'victim' | 'offender' | 'guardian' }[];
	content: AgreementContent;
	/** The canonical form's format id (`mend-agreement/1`) and its SHA-256, hex. */
	canonicalFormat: string;
	agreementHash: string;
	/** The last hash of the live session's log at freezing (null if drafted outside a session). */
	sessionLogHash: string | null;
	frozenAt: Date;
	frozenBy: string;
	executedAt: Date;
	signatures: {
		name: string;
		role: 'victim' | 'offender' | 'guardian' | 'mediator';
		/** The full name the signer typed. */
		typedName: string;
		drawing: SignatureDrawing;
		signedAt: Date;
		/** How the signer was identified, in words (e.g. "Personal invitation link and access code"). */
		identifiedBy: string;
		/** The hash the signer saw and signed (equal to agreementHash). */
		signedHash: string;
	}[];
	/** Where anyone holding the PDF checks it, e.g. https://mend.example.org/verify */
	verifyUrl: string;
}
