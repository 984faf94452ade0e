import * as m from '../paraglide/messages.js';
import { partyRoleLabel } from './party-labels.ts';
import type { AuditAction } from '../server/audit/record-audit.ts';
import type {
	CaseStatus,
	MeetingStatus,
	OffenseCategory,
	ReferralSource,
	ReferralStage
} from '../cases/vocabulary.ts';
import type {
	ApologyDelivery,
	Beneficiary,
	Frequency,
	ObligationKind
} from '../agreement/model.ts';
import type { AgreementStatus, PlanItemKind, SignerRole } from '../agreement/status.ts';
import type {
	CaseClosure,
	ConcernLevel,
	FollowUpKind,
	Motivation,
	NotificationChannel,
	NotificationStatus,
	Readiness,
	ReoffendingSource,
	ScreeningOutcome
} from '../cases/casework.ts';
import type { PlanStatus } from '../cases/plan-status.ts';
import type { EditRefusal } from '../protocol/collab.ts';
import type { PartyRole, StaffRole } from '../protocol/roles.ts';

/** Every stored value has exactly one label per language; TypeScript checks none is missing. */

// What a party's own pages show, in a module of its own so that those pages load only these.
export {
	agendaStepLabel,
	attendanceModeLabel,
	meetingKindLabel,
	partyRoleLabel,
	restitutionUpdatesLabel,
	roomPurposeLabel,
	viewRoleLabel
} from './party-labels.ts';

export const referralSourceLabel = (v: ReferralSource): string =>
	({
		judge: m.referral_source_judge,
		probation: m.referral_source_probation,
		victim_advocate: m.referral_source_victim_advocate,
		prosecutor: m.referral_source_prosecutor,
		defense: m.referral_source_defense,
		police: m.referral_source_police,
		other: m.referral_source_other
	})[v]();

export const referralStageLabel = (v: ReferralStage): string =>
	({ diversion: m.referral_stage_diversion, post_admission: m.referral_stage_post_admission })[v]();

export const offenseCategoryLabel = (v: OffenseCategory): string =>
	({
		property: m.offense_property,
		violent: m.offense_violent,
		other: m.offense_other
	})[v]();

export const caseStatusLabel = (v: CaseStatus): string =>
	({
		referred: m.case_status_referred,
		in_progress: m.case_status_in_progress,
		closed: m.case_status_closed
	})[v]();

export const staffRoleLabel = (v: StaffRole): string =>
	({
		admin: m.staff_role_admin,
		coordinator: m.staff_role_coordinator,
		mediator: m.staff_role_mediator
	})[v]();

export const meetingStatusLabel = (v: MeetingStatus): string =>
	({
		scheduled: m.meeting_status_scheduled,
		live: m.meeting_status_live,
		ended: m.meeting_status_ended,
		cancelled: m.meeting_status_cancelled
	})[v]();

/** Options for a select, labelled in the current language. */
export const optionsOf = <T extends string>(
	vocabulary: Record<string, T>,
	label: (value: T) => string
): { value: T; label: string }[] =>
	Object.values(vocabulary).map((value) => ({ value, label: label(value) }));

export const invitationStatusLabel = (
	v: 'active' | 'revoked' | 'reissued' | 'withdrawn' | 'expired'
): string =>
	({
		active: m.invitation_status_active,
		revoked: m.invitation_status_revoked,
		reissued: m.invitation_status_reissued,
		withdrawn: m.invitation_status_withdrawn,
		expired: m.invitation_status_expired
	})[v]();

/** Every action has its words: TypeScript refuses a new action without them. */
const AUDIT_LABELS: Record<AuditAction, () => string> = {
	'case.created': m.audit_case_created,
	'case.updated': m.audit_case_updated,
	'case.mediator_assigned': m.audit_mediator_assigned,
	'meeting.created': m.audit_meeting_created,
	'meeting.cancelled': m.audit_meeting_cancelled,
	'invitation.issued': m.audit_invitation_issued,
	'invitation.revoked': m.audit_invitation_revoked,
	'invitation.opened': m.audit_invitation_opened,
	'invitation.access_code_failed': m.audit_access_code_failed,
	'invitation.access_code_locked': m.audit_access_code_locked,
	'agreement.started': m.audit_agreement_started,
	'agreement.moved_to_meeting': m.audit_agreement_moved,
	'agreement.clause_accepted': m.audit_agreement_clause_accepted,
	'agreement.clause_acceptance_withdrawn': m.audit_agreement_clause_withdrawn,
	'agreement.read_only_set': m.audit_agreement_read_only,
	'agreement.frozen': m.audit_agreement_frozen,
	'agreement.reopened': m.audit_agreement_reopened,
	'agreement.signed': m.audit_agreement_signed,
	'agreement.executed': m.audit_agreement_executed,
	'agreement.superseded': m.audit_agreement_superseded,
	'agreement.pdf_downloaded': m.audit_agreement_downloaded,
	'plan.recorded': m.audit_plan_recorded,
	'plan.record_removed': m.audit_plan_record_removed,
	'case.closed': m.audit_case_closed,
	'follow_up.recorded': m.audit_follow_up_recorded,
	'survey.answered': m.audit_survey_answered,
	'survey.link_issued': m.audit_survey_link_issued,
	'session.started': m.audit_session_started,
	'session.ended': m.audit_session_ended,
	'party.withdrew': m.audit_party_withdrew,
	'staff.signed_in': m.audit_staff_signed_in,
	'staff.sign_in_failed': m.audit_staff_sign_in_failed,
	'staff.signed_out': m.audit_staff_signed_out,
	'staff.two_factor_enabled': m.audit_staff_two_factor_enabled,
	'staff.password_changed': m.audit_staff_password_changed,
	'staff.two_factor_disabled': m.audit_staff_two_factor_disabled,
	'staff.member_added': m.audit_staff_member_added,
	'staff.invited': m.audit_staff_invited,
	'staff.invitation_accepted': m.audit_staff_invitation_accepted,
	'staff.invitation_declined': m.audit_staff_invitation_declined,
	'staff.invitation_revoked': m.audit_staff_invitation_revoked,
	'screening.recorded': m.audit_screening_recorded,
	'consent.given': m.audit_consent_given,
	'consent.withdrawn': m.audit_consent_withdrawn,
	'party.withdrawn_from_case': m.audit_party_withdrawn_from_case,
	'victim_choices.updated': m.audit_victim_choices_updated,
	'meeting.held_recorded': m.audit_meeting_held,
	'gate.overridden': m.audit_gate_overridden,
	'program.settings_changed': m.audit_program_settings_changed,
	'notification.queued': m.audit_notification_queued,
	'notification.cancelled': m.audit_notification_cancelled,
	'notification.retried': m.audit_notification_retried,
	'outcomes.exported': m.audit_outcomes_exported
};

/** What happened, as the case history shows it; an action without a label shows its name. */
export const auditActionLabel = (action: string): string =>
	(AUDIT_LABELS as Record<string, (() => string) | undefined>)[action]?.() ?? action;

export const collabRoleLabel = (v: PartyRole | 'staff'): string =>
	v === 'staff' ? m.collab_role_staff() : partyRoleLabel(v);

export const signerRoleLabel = (v: SignerRole): string =>
	v === 'mediator' ? m.signer_role_mediator() : partyRoleLabel(v);

export const agreementStatusLabel = (v: AgreementStatus): string =>
	({
		drafting: m.agreement_status_drafting,
		frozen: m.agreement_status_frozen,
		executed: m.agreement_status_executed,
		superseded: m.agreement_status_superseded
	})[v]();

export const obligationKindLabel = (v: ObligationKind): string =>
	({
		payment: m.obligation_kind_payment,
		service: m.obligation_kind_service,
		behaviour: m.obligation_kind_behaviour,
		other: m.obligation_kind_other
	})[v]();

export const apologyDeliveryLabel = (v: ApologyDelivery): string =>
	({
		in_meeting: m.apology_in_meeting,
		letter: m.apology_letter,
		none: m.apology_none
	})[v]();

export const frequencyLabel = (v: Frequency): string =>
	({
		weekly: m.frequency_weekly,
		fortnightly: m.frequency_fortnightly,
		monthly: m.frequency_monthly
	})[v]();

export const beneficiaryLabel = (v: Beneficiary): string =>
	({ victim: m.beneficiary_victim, community: m.beneficiary_community })[v]();

export const editRefusalLabel = (v: EditRefusal): string =>
	({
		'read-only-role': m.edit_refusal_read_only_role,
		'read-only': m.edit_refusal_read_only,
		frozen: m.edit_refusal_frozen,
		'not-drafting': m.edit_refusal_not_drafting,
		resync: m.edit_refusal_resync,
		'too-large': m.edit_refusal_too_large
	})[v]();

export const notificationStatusLabel = (v: NotificationStatus): string =>
	({
		queued: m.notification_status_queued,
		sent: m.notification_status_sent,
		failed: m.notification_status_failed,
		outbox_only: m.notification_status_outbox_only,
		cancelled: m.notification_status_cancelled
	})[v]();

export const notificationChannelLabel = (v: NotificationChannel): string =>
	({ email: m.notification_channel_email, sms: m.notification_channel_sms })[v]();

export const planItemKindLabel = (v: PlanItemKind): string =>
	({
		payment: m.plan_kind_payment,
		service: m.plan_kind_service,
		apology_letter: m.plan_kind_apology_letter,
		behaviour: m.plan_kind_behaviour,
		other: m.plan_kind_other
	})[v]();

export const planStatusLabel = (v: PlanStatus): string =>
	({
		completed: m.plan_status_completed,
		overdue: m.plan_status_overdue,
		due: m.plan_status_due,
		upcoming: m.plan_status_upcoming,
		open: m.plan_status_open
	})[v]();

export const closureLabel = (v: CaseClosure): string =>
	({
		completed: m.closure_completed,
		partially_completed: m.closure_partially_completed,
		not_completed: m.closure_not_completed,
		no_agreement: m.closure_no_agreement
	})[v]();

export const followUpKindLabel = (v: FollowUpKind): string =>
	({
		check_in: m.follow_up_kind_check_in,
		survey: m.follow_up_kind_survey,
		reoffending: m.follow_up_kind_reoffending
	})[v]();

export const followUpStateLabel = (v: 'done' | 'overdue' | 'due' | 'upcoming'): string =>
	({
		done: m.follow_up_state_done,
		overdue: m.plan_status_overdue,
		due: m.plan_status_due,
		upcoming: m.plan_status_upcoming
	})[v]();

export const reoffendingSourceLabel = (v: ReoffendingSource): string =>
	({ rearrest: m.reoffending_source_rearrest, reconviction: m.reoffending_source_reconviction })[
		v
	]();

export const readinessLabel = (v: Readiness): string =>
	({ ready: m.readiness_ready, unsure: m.readiness_unsure, not_ready: m.readiness_not_ready })[v]();

export const concernLabel = (v: ConcernLevel): string =>
	({ none: m.concern_none, some: m.concern_some, serious: m.concern_serious })[v]();

export const screeningOutcomeLabel = (v: ScreeningOutcome): string =>
	({
		pending: m.screening_pending,
		suitable: m.screening_suitable,
		not_suitable: m.screening_not_suitable,
		refer_elsewhere: m.screening_refer_elsewhere
	})[v]();

export const motivationLabel = (v: Motivation): string =>
	({
		1: m.motivation_1,
		2: m.motivation_2,
		3: m.motivation_3,
		4: m.motivation_4,
		5: m.motivation_5
	})[v]();

export const speakingModeLabel = (v: 'open' | 'moderated' | 'turns'): string =>
	({ open: m.speaking_open, moderated: m.speaking_moderated, turns: m.speaking_turns })[v]();
