/**
 * The words of the practice, as values that cross the wire and are stored. Labels live in
 * messages/ (one key per value, e.g. `referral_source_judge`).
 */

export const REFERRAL_SOURCES = {
	judge: 'judge',
	probation: 'probation',
	victimAdvocate: 'victim_advocate',
	prosecutor: 'prosecutor',
	defense: 'defense',
	police: 'police',
	other: 'other'
} as const;
export type ReferralSource = (typeof REFERRAL_SOURCES)[keyof typeof REFERRAL_SOURCES];

/** When in the justice process the case was referred. */
export const REFERRAL_STAGES = {
	/** Diversion from prosecution: the charge is dropped if the agreement is completed. */
	diversion: 'diversion',
	/** After a formal admission of guilt, e.g. as a condition of probation. */
	postAdmission: 'post_admission'
} as const;
export type ReferralStage = (typeof REFERRAL_STAGES)[keyof typeof REFERRAL_STAGES];

export const OFFENSE_CATEGORIES = {
	property: 'property',
	violent: 'violent',
	other: 'other'
} as const;
export type OffenseCategory = (typeof OFFENSE_CATEGORIES)[keyof typeof OFFENSE_CATEGORIES];

export const CASE_STATUSES = {
	referred: 'referred',
	inProgress: 'in_progress',
	closed: 'closed'
} as const;
export type CaseStatus = (typeof CASE_STATUSES)[keyof typeof CASE_STATUSES];

export const MEETING_KINDS = {
	/** With one party, separately, before any joint session. */
	preparation: 'preparation',
	joint: 'joint'
} as const;
export type MeetingKind = (typeof MEETING_KINDS)[keyof typeof MEETING_KINDS];

export const MEETING_STATUSES = {
	scheduled: 'scheduled',
	live: 'live',
	ended: 'ended',
	cancelled: 'cancelled'
} as const;
export type MeetingStatus = (typeof MEETING_STATUSES)[keyof typeof MEETING_STATUSES];

export const values = <T extends Record<string, string>>(vocabulary: T) =>
	Object.values(vocabulary) as [T[keyof T], ...T[keyof T][]];
