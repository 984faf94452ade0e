/**
 * The words of the work around the session — screening, consent, the victim's choices,
 * follow-up and closure — as values that cross the wire and are stored. Labels live in
 * messages/ (see src/lib/i18n/labels.ts).
 */

/** Victim: willing to meet. Offender: acknowledges what they did and is willing to say so. */
export const READINESS = { ready: 'ready', unsure: 'unsure', notReady: 'not_ready' } as const;
export type Readiness = (typeof READINESS)[keyof typeof READINESS];

export const CONCERN_LEVELS = { none: 'none', some: 'some', serious: 'serious' } as const;
export type ConcernLevel = (typeof CONCERN_LEVELS)[keyof typeof CONCERN_LEVELS];

export const SCREENING_OUTCOMES = {
	pending: 'pending',
	suitable: 'suitable',
	notSuitable: 'not_suitable',
	referElsewhere: 'refer_elsewhere'
} as const;
export type ScreeningOutcome = (typeof SCREENING_OUTCOMES)[keyof typeof SCREENING_OUTCOMES];

/**
 * The offender's motivation for taking part, on a fixed scale (1–5) so that outcomes can be
 * compared by motivation: 1 only to avoid consequences … 5 wants to make things right.
 */
export const MOTIVATION_SCALE = [1, 2, 3, 4, 5] as const;
export type Motivation = (typeof MOTIVATION_SCALE)[number];

export const RECORDED_VIA = { party: 'party', staff: 'staff' } as const;
export type RecordedVia = (typeof RECORDED_VIA)[keyof typeof RECORDED_VIA];

export const ATTENDANCE_MODES = { remote: 'remote', inPerson: 'in_person' } as const;
export type AttendanceMode = (typeof ATTENDANCE_MODES)[keyof typeof ATTENDANCE_MODES];

/** Whether and how the victim hears about the restitution later. */
export const RESTITUTION_UPDATES = {
	every: 'every',
	completion: 'completion',
	none: 'none'
} as const;
export type RestitutionUpdates = (typeof RESTITUTION_UPDATES)[keyof typeof RESTITUTION_UPDATES];

/** The readiness gate before a joint session: strict, or one a coordinator may override. */
export const GATE_MODES = { strict: 'strict', overridable: 'overridable' } as const;
export type GateMode = (typeof GATE_MODES)[keyof typeof GATE_MODES];

/** What staff record against a plan item. */
export const PLAN_RECORD_KINDS = {
	payment: 'payment',
	hours: 'hours',
	/** The apology letter passed on, or a commitment confirmed done. */
	done: 'done'
} as const;
export type PlanRecordKind = (typeof PLAN_RECORD_KINDS)[keyof typeof PLAN_RECORD_KINDS];

export const CASE_CLOSURES = {
	completed: 'completed',
	partiallyCompleted: 'partially_completed',
	notCompleted: 'not_completed',
	/** Closed before any agreement: not suitable, withdrawn, no agreement reached. */
	noAgreement: 'no_agreement'
} as const;
export type CaseClosure = (typeof CASE_CLOSURES)[keyof typeof CASE_CLOSURES];

export const FOLLOW_UP_KINDS = {
	checkIn: 'check_in',
	survey: 'survey',
	reoffending: 'reoffending'
} as const;
export type FollowUpKind = (typeof FOLLOW_UP_KINDS)[keyof typeof FOLLOW_UP_KINDS];

export const REOFFENDING_SOURCES = { rearrest: 'rearrest', reconviction: 'reconviction' } as const;
export type ReoffendingSource = (typeof REOFFENDING_SOURCES)[keyof typeof REOFFENDING_SOURCES];

export const NOTIFICATION_CHANNELS = { email: 'email', sms: 'sms' } as const;
export type NotificationChannel =
	(typeof NOTIFICATION_CHANNELS)[keyof typeof NOTIFICATION_CHANNELS];

export const NOTIFICATION_STATUSES = {
	/** Waiting for its time, or for a transport. */
	queued: 'queued',
	sent: 'sent',
	failed: 'failed',
	/** No transport is configured for its channel: staff read it on the outbox page. */
	outboxOnly: 'outbox_only',
	cancelled: 'cancelled'
} as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[keyof typeof NOTIFICATION_STATUSES];

/** Survey answers (each 1–5 except lessFear); free text is never exported. */
export interface SurveyAnswers {
	satisfaction: number;
	fairness: number;
	/** Victims: whether they fear being victimised again less than before. */
	lessFear?: 'yes' | 'no' | 'unsure';
	wouldRecommend?: boolean;
	comment?: string;
}

export type FollowUpResult =
	| { kind: 'check_in'; reached: boolean; note?: string }
	| ({ kind: 'survey' } & SurveyAnswers)
	| { kind: 'reoffending'; reoffended: boolean; source: ReoffendingSource | null };
