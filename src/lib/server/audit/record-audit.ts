import type { Executor } from '../db/client.ts';
import { auditEvents } from '../db/schema.ts';

/** Names of what can happen to a case, as stored in the audit log. */
export const AUDIT_ACTIONS = {
	caseCreated: 'case.created',
	caseUpdated: 'case.updated',
	mediatorAssigned: 'case.mediator_assigned',
	meetingCreated: 'meeting.created',
	meetingCancelled: 'meeting.cancelled',
	invitationIssued: 'invitation.issued',
	invitationRevoked: 'invitation.revoked',
	invitationOpened: 'invitation.opened',
	sessionStarted: 'session.started',
	sessionEnded: 'session.ended',
	partyWithdrew: 'party.withdrew',
	accessCodeFailed: 'invitation.access_code_failed',
	accessCodeLocked: 'invitation.access_code_locked',
	staffSignedIn: 'staff.signed_in',
	staffSignInFailed: 'staff.sign_in_failed',
	staffSignedOut: 'staff.signed_out',
	staffTwoFactorEnabled: 'staff.two_factor_enabled',
	staffPasswordChanged: 'staff.password_changed',
	staffTwoFactorDisabled: 'staff.two_factor_disabled',
	staffMemberAdded: 'staff.member_added',
	/** An invitation to the program's staff, sent to an address (nothing about any account). */
	staffInvited: 'staff.invited',
	staffInvitationAccepted: 'staff.invitation_accepted',
	staffInvitationDeclined: 'staff.invitation_declined',
	staffInvitationRevoked: 'staff.invitation_revoked',
	agreementStarted: 'agreement.started',
	agreementMoved: 'agreement.moved_to_meeting',
	clauseAccepted: 'agreement.clause_accepted',
	clauseAcceptanceWithdrawn: 'agreement.clause_acceptance_withdrawn',
	agreementReadOnlySet: 'agreement.read_only_set',
	agreementFrozen: 'agreement.frozen',
	agreementReopened: 'agreement.reopened',
	agreementSigned: 'agreement.signed',
	agreementExecuted: 'agreement.executed',
	agreementSuperseded: 'agreement.superseded',
	agreementDownloaded: 'agreement.pdf_downloaded',
	screeningRecorded: 'screening.recorded',
	consentGiven: 'consent.given',
	consentWithdrawn: 'consent.withdrawn',
	/** Withdrawal from the whole mediation (not only from one meeting). */
	partyWithdrawnFromCase: 'party.withdrawn_from_case',
	victimChoicesUpdated: 'victim_choices.updated',
	meetingHeld: 'meeting.held_recorded',
	gateOverridden: 'gate.overridden',
	programSettingsChanged: 'program.settings_changed',
	planRecorded: 'plan.recorded',
	planRecordRemoved: 'plan.record_removed',
	caseClosed: 'case.closed',
	followUpRecorded: 'follow_up.recorded',
	surveyAnswered: 'survey.answered',
	/** A survey's link made (or made again: the previous one stops working). */
	surveyLinkIssued: 'survey.link_issued',
	notificationQueued: 'notification.queued',
	notificationCancelled: 'notification.cancelled',
	notificationRetried: 'notification.retried',
	outcomesExported: 'outcomes.exported'
} as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[keyof typeof AUDIT_ACTIONS];

/** Whom an entry names: any `Actor`, or a staff member outside a program (signing in). */
export type AuditActor =
	| { kind: 'staff'; userId: string; ip?: string }
	| { kind: 'party'; partyId: string; ip?: string }
	| { kind: 'system'; ip?: string };

export interface AuditEntry {
	programId: string | null;
	caseId?: string | null;
	actor: AuditActor;
	action: AuditAction;
	/** Identifiers and changed field names; never contact details or the case's free text. */
	detail?: Record<string, unknown>;
}

/** Call with the transaction that makes the change, so that both are written or neither. */
export async function recordAudit(executor: Executor, entry: AuditEntry): Promise<void> {
	const { actor } = entry;
	await executor.insert(auditEvents).values({
		programId: entry.programId,
		caseId: entry.caseId ?? null,
		actorKind: actor.kind,
		actorId: actor.kind === 'staff' ? actor.userId : actor.kind === 'party' ? actor.partyId : null,
		action: entry.action,
		detail: entry.detail ?? {},
		ipAddress: actor.ip ?? null
	});
}
