import type { EditRight } from '../protocol/collab.ts';
import { EDIT_REFUSALS } from '../protocol/collab.ts';
import type { PartyRole } from '../protocol/roles.ts';
import type { AgendaStep } from '../session/model.ts';
import type { AgreementStatus, SignerRole } from './status.ts';

/** Who is asking: a member of staff with access to the case, or one of its parties. */
export type Editor = { kind: 'staff' } | { kind: 'party'; role: PartyRole };

/**
 * Who may change the draft, decided on the server for every update it receives:
 * - nobody once it is frozen (or signed);
 * - nobody while the mediator holds it read-only — staff included, so that everyone reads the
 *   same text;
 * - staff of the case at any other time (a draft can be prepared before the session);
 * - a victim, an offender or a guardian only while their live session is at the drafting
 *   step — the mediator decides when drafting begins and ends;
 * - a support person never.
 */
export function agreementEditRight(
	agreement: { status: AgreementStatus; readOnly: boolean },
	editor: Editor,
	step: AgendaStep | null
): EditRight {
	if (agreement.status !== 'drafting') return { canEdit: false, reason: EDIT_REFUSALS.frozen };
	if (editor.kind === 'party' && editor.role === 'support')
		return { canEdit: false, reason: EDIT_REFUSALS.readOnlyRole };
	if (agreement.readOnly) return { canEdit: false, reason: EDIT_REFUSALS.readOnly };
	if (editor.kind === 'staff') return { canEdit: true };
	if (step !== 'drafting') return { canEdit: false, reason: EDIT_REFUSALS.notDrafting };
	return { canEdit: true };
}

/** A side's private notes: its victim or offender, their guardian, and staff write; support reads. */
export function notesEditRight(editor: Editor): EditRight {
	return editor.kind === 'party' && editor.role === 'support'
		? { canEdit: false, reason: EDIT_REFUSALS.readOnlyRole }
		: { canEdit: true };
}

export interface CaseParty {
	id: string;
	role: PartyRole;
	name: string;
	/** The victim or offender a guardian or support person accompanies. */
	accompanies: string | null;
}

/** The parties an agreement is between: victims, offenders, and (juvenile) guardians. */
export function agreementParties(parties: readonly CaseParty[], offenderIsJuvenile: boolean) {
	return parties.filter(
		(p) =>
			p.role === 'victim' ||
			p.role === 'offender' ||
			(p.role === 'guardian' && offenderIsJuvenile && isOffenderSide(parties, p))
	);
}

function isOffenderSide(parties: readonly CaseParty[], guardian: CaseParty): boolean {
	const accompanied = parties.find((p) => p.id === guardian.accompanies);
	// A guardian recorded without whom they accompany is taken as the offender's.
	return !accompanied || accompanied.role === 'offender';
}

/** Every clause is accepted by each victim and each offender. */
export function acceptorsOf(parties: readonly CaseParty[]): string[] {
	return parties.filter((p) => p.role === 'victim' || p.role === 'offender').map((p) => p.id);
}

/** The role a party signs in, or null if they do not sign. */
export function signerRoleOf(
	parties: readonly CaseParty[],
	partyId: string,
	offenderIsJuvenile: boolean
): SignerRole | null {
	const party = agreementParties(parties, offenderIsJuvenile).find((p) => p.id === partyId);
	return party ? (party.role as SignerRole) : null;
}

/** The signatures an agreement needs: each party to it, and one mediator as witness. */
export function requiredSigners(
	parties: readonly CaseParty[],
	offenderIsJuvenile: boolean
): { role: SignerRole; partyId: string | null; name: string }[] {
	return [
		...agreementParties(parties, offenderIsJuvenile).map((p) => ({
			role: p.role as SignerRole,
			partyId: p.id,
			name: p.name
		})),
		{ role: 'mediator' as const, partyId: null, name: '' }
	];
}
