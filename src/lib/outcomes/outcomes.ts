import type { AgreementStatus, PlanItemKind } from '../agreement/status.ts';
import type {
	CaseClosure,
	FollowUpKind,
	FollowUpResult,
	PlanRecordKind,
	ScreeningOutcome
} from '../cases/casework.ts';
import {
	OFFENSE_CATEGORIES,
	REFERRAL_SOURCES,
	REFERRAL_STAGES,
	values,
	type MeetingKind,
	type MeetingStatus,
	type OffenseCategory,
	type ReferralSource,
	type ReferralStage
} from '../cases/vocabulary.ts';
import type { PartyRole } from '../protocol/roles.ts';
import { dateIn } from '../time.ts';

/**
 * A program's outcomes, computed from plain rows so that every figure can be checked by hand
 * (see outcomes.spec.ts). Nothing here reads the database, the clock or the environment.
 *
 * Every ratio carries its numerator and denominator: with the small numbers of a program, "50 %"
 * means little until one reads "1 of 2".
 */

/** One case and the rows about it, as the loader reads them (no names, no free text). */
export interface OutcomeCase {
	id: string;
	referralSource: ReferralSource;
	referralStage: ReferralStage;
	offenseCategory: OffenseCategory;
	offenderIsJuvenile: boolean;
	/** The referral date: when the case was taken. */
	createdAt: Date;
	closedAt: Date | null;
	closure: CaseClosure | null;
	parties: { id: string; role: PartyRole; withdrawnAt: Date | null }[];
	meetings: {
		id: string;
		kind: MeetingKind;
		status: MeetingStatus;
		scheduledAt: Date;
		endedAt: Date | null;
		heldAt: Date | null;
	}[];
	agreements: {
		id: string;
		meetingId: string;
		status: AgreementStatus;
		executedAt: Date | null;
	}[];
	planItems: {
		id: string;
		kind: PlanItemKind;
		amountMinor: number | null;
		hours: number | null;
		/** `YYYY-MM-DD`; null when the agreement sets no date. */
		dueDate: string | null;
		supersededAt: Date | null;
	}[];
	planRecords: {
		planItemId: string;
		kind: PlanRecordKind;
		amountMinor: number | null;
		hours: number | null;
		occurredOn: string;
	}[];
	screenings: { partyId: string; motivation: number | null; outcome: ScreeningOutcome }[];
	followUps: {
		partyId: string | null;
		kind: FollowUpKind;
		/** `YYYY-MM-DD`. */
		dueOn: string;
		doneAt: Date | null;
		result: FollowUpResult | null;
	}[];
}

export interface OutcomeDataset {
	/** The program's zone: referral dates, months and day counts are its calendar's. */
	timeZone: string;
	/** Today in the program's zone (`YYYY-MM-DD`): plan items due on or before it are due. */
	asOf: string;
	/** Months after the joint meeting at which reoffending is looked up (the program's setting). */
	reoffendingMonths: number[];
	cases: OutcomeCase[];
}

/** Inclusive bounds on the referral date, `YYYY-MM-DD` in the program's zone; null: open. */
export interface OutcomeFilter {
	from?: string | null;
	to?: string | null;
}

export interface Ratio {
	numerator: number;
	denominator: number;
	/** numerator / denominator; null when the denominator is 0. */
	value: number | null;
}
export interface Mean {
	mean: number | null;
	n: number;
}
export interface Median {
	median: number | null;
	n: number;
}
export interface SatisfactionFigures {
	satisfaction: Mean;
	fairness: Mean;
	wouldRecommend: Ratio;
}
export type MotivationKey = '1' | '2' | '3' | '4' | '5' | 'unknown';
export const MOTIVATION_KEYS: MotivationKey[] = ['1', '2', '3', '4', '5', 'unknown'];

export interface ReoffendingPoint {
	months: number;
	overall: Ratio;
	byOffenseCategory: Record<OffenseCategory, Ratio>;
	byMotivation: Record<MotivationKey, Ratio>;
}

export interface Outcomes {
	filter: { from: string | null; to: string | null };
	referrals: {
		total: number;
		bySource: Record<ReferralSource, number>;
		byStage: Record<ReferralStage, number>;
	};
	reachedJointMeeting: Ratio;
	jointMeetingsWithAgreement: Ratio;
	restitution: {
		itemsCompletedOfDue: Ratio;
		casesClosedCompleted: Ratio;
		amountPaidOfAgreed: Ratio;
	};
	satisfaction: {
		victim: SatisfactionFigures & { lessFear: Ratio };
		offender: SatisfactionFigures;
	};
	reoffending: ReoffendingPoint[];
	daysToJointMeeting: Median;
	daysToCompletion: Median;
}

/** What one case came to: the dashboard's figures are built from these, and so is the export. */
export interface CaseOutcome {
	referredOn: string;
	reachedJointMeeting: boolean;
	/** Days from the referral date to the first held joint meeting's date, if any. */
	daysToJointMeeting: number | null;
	heldJointMeetings: number;
	heldJointMeetingsWithAgreement: number;
	agreementSigned: boolean;
	agreedMinor: number;
	paidMinor: number;
	planItemsDue: number;
	planItemsDueCompleted: number;
	planItems: number;
	planItemsCompleted: number;
	closure: CaseClosure | null;
	/** Days from the referral date to the closing date, for a case closed as completed. */
	daysToCompletion: number | null;
	/** The first offender's screening motivation (1–5), if recorded. */
	offenderMotivation: number | null;
	survey: Record<'victim' | 'offender', SurveyRow[]>;
	/** Per point (months), each looked-up offender: whether they reoffended. */
	reoffending: { months: number; reoffended: boolean; motivation: number | null }[];
}
interface SurveyRow {
	satisfaction: number;
	fairness: number;
	lessFear: 'yes' | 'no' | 'unsure' | null;
	wouldRecommend: boolean | null;
}

const DAY_MS = 24 * 60 * 60_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Whether `text` is a real calendar date `YYYY-MM-DD` (not 2026-02-30). */
export function isIsoDate(text: string): boolean {
	if (!DATE.test(text)) return false;
	const date = new Date(`${text}T00:00:00Z`);
	return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

/** Whole calendar days from date `a` to date `b` (`YYYY-MM-DD`). */
export function daysBetween(a: string, b: string): number {
	return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY_MS);
}

export function ratio(numerator: number, denominator: number): Ratio {
	return { numerator, denominator, value: denominator === 0 ? null : numerator / denominator };
}

export function mean(numbers: number[]): Mean {
	return {
		mean: numbers.length ? numbers.reduce((sum, x) => sum + x, 0) / numbers.length : null,
		n: numbers.length
	};
}

export function median(numbers: number[]): Median {
	const sorted = [...numbers].sort((x, y) => x - y);
	const n = sorted.length;
	if (n === 0) return { median: null, n };
	const middle = Math.floor(n / 2);
	return { median: n % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2, n };
}

const sum = (numbers: number[]) => numbers.reduce((total, x) => total + x, 0);

/**
 * The configured point (in months) a reoffending look-up due on `dueOn` belongs to: the one
 * nearest to the months elapsed since `anchor` (the first held joint meeting, else the referral).
 */
function pointOf(anchor: string, dueOn: string, points: number[]): number | null {
	if (points.length === 0) return null;
	const elapsed = daysBetween(anchor, dueOn) / (365.25 / 12);
	return points.reduce((best, p) => (Math.abs(p - elapsed) < Math.abs(best - elapsed) ? p : best));
}

/** Whether the records against an item fulfil it. */
function itemCompleted(
	item: OutcomeCase['planItems'][number],
	records: OutcomeCase['planRecords']
): boolean {
	const mine = records.filter((r) => r.planItemId === item.id);
	if (mine.some((r) => r.kind === 'done')) return true;
	if (item.kind === 'payment' && item.amountMinor !== null)
		return (
			sum(mine.map((r) => (r.kind === 'payment' ? (r.amountMinor ?? 0) : 0))) >= item.amountMinor
		);
	if (item.kind === 'service' && item.hours !== null)
		return sum(mine.map((r) => (r.kind === 'hours' ? (r.hours ?? 0) : 0))) >= item.hours;
	// An item without an amount or hours is done once anything is recorded against it.
	return (item.kind === 'payment' || item.kind === 'service') && mine.length > 0;
}

/** What one case came to, by the definitions documented on `computeOutcomes`. */
export function caseOutcome(
	c: OutcomeCase,
	dataset: Pick<OutcomeDataset, 'timeZone' | 'asOf' | 'reoffendingMonths'>
): CaseOutcome {
	const day = (instant: Date) => dateIn(instant, dataset.timeZone);
	const referredOn = day(c.createdAt);

	const heldJoint = c.meetings
		.filter((mt) => mt.kind === 'joint' && mt.status === 'ended')
		.map((mt) => ({ id: mt.id, on: day(mt.endedAt ?? mt.heldAt ?? mt.scheduledAt) }))
		.sort((x, y) => x.on.localeCompare(y.on));
	const signed = c.agreements.filter(
		(a) => a.executedAt !== null && (a.status === 'executed' || a.status === 'superseded')
	);
	const signedMeetings = new Set(signed.map((a) => a.meetingId));

	const currentItems = c.planItems.filter((item) => item.supersededAt === null);
	const dueItems = currentItems.filter(
		(item) => item.dueDate !== null && item.dueDate <= dataset.asOf
	);
	const completed = (item: OutcomeCase['planItems'][number]) => itemCompleted(item, c.planRecords);

	const roleOf = new Map(c.parties.map((p) => [p.id, p.role]));
	const motivationOf = new Map(c.screenings.map((s) => [s.partyId, s.motivation]));
	const firstOffender = c.parties.find(
		(p) => p.role === 'offender' && motivationOf.get(p.id) != null
	);
	const offenderMotivation = firstOffender ? (motivationOf.get(firstOffender.id) ?? null) : null;

	const survey: CaseOutcome['survey'] = { victim: [], offender: [] };
	for (const f of c.followUps) {
		if (f.kind !== 'survey' || !f.doneAt || f.result?.kind !== 'survey' || !f.partyId) continue;
		const role = roleOf.get(f.partyId);
		if (role !== 'victim' && role !== 'offender') continue;
		survey[role].push({
			satisfaction: f.result.satisfaction,
			fairness: f.result.fairness,
			lessFear: f.result.lessFear ?? null,
			wouldRecommend: f.result.wouldRecommend ?? null
		});
	}

	const anchor = heldJoint[0]?.on ?? referredOn;
	const reoffending: CaseOutcome['reoffending'] = [];
	for (const f of c.followUps) {
		if (f.kind !== 'reoffending' || !f.doneAt || f.result?.kind !== 'reoffending') continue;
		const months = pointOf(anchor, f.dueOn, dataset.reoffendingMonths);
		if (months === null) continue;
		const motivation =
			(f.partyId && roleOf.get(f.partyId) === 'offender' ? motivationOf.get(f.partyId) : null) ??
			offenderMotivation;
		reoffending.push({ months, reoffended: f.result.reoffended, motivation });
	}

	return {
		referredOn,
		reachedJointMeeting: heldJoint.length > 0,
		daysToJointMeeting: heldJoint[0] ? daysBetween(referredOn, heldJoint[0].on) : null,
		heldJointMeetings: heldJoint.length,
		heldJointMeetingsWithAgreement: heldJoint.filter((mt) => signedMeetings.has(mt.id)).length,
		agreementSigned: signed.length > 0,
		agreedMinor: sum(currentItems.map((i) => (i.kind === 'payment' ? (i.amountMinor ?? 0) : 0))),
		paidMinor: sum(c.planRecords.map((r) => (r.kind === 'payment' ? (r.amountMinor ?? 0) : 0))),
		planItemsDue: dueItems.length,
		planItemsDueCompleted: dueItems.filter(completed).length,
		planItems: currentItems.length,
		planItemsCompleted: currentItems.filter(completed).length,
		closure: c.closure,
		daysToCompletion:
			c.closure === 'completed' && c.closedAt ? daysBetween(referredOn, day(c.closedAt)) : null,
		offenderMotivation,
		survey,
		reoffending
	};
}

/** The cases referred within the filter's dates (inclusive), with what each came to. */
export function casesInRange(
	dataset: OutcomeDataset,
	filter: OutcomeFilter
): { case: OutcomeCase; outcome: CaseOutcome }[] {
	return dataset.cases
		.map((c) => ({ case: c, outcome: caseOutcome(c, dataset) }))
		.filter(
			({ outcome }) =>
				(!filter.from || outcome.referredOn >= filter.from) &&
				(!filter.to || outcome.referredOn <= filter.to)
		);
}

const zeroes = <T extends string>(keys: T[]) =>
	Object.fromEntries(keys.map((key) => [key, 0])) as Record<T, number>;

/**
 * The program's outcomes over the cases referred from `from` to `to` (inclusive, referral date
 * in the program's zone). Definitions, each over those cases:
 *
 * - referrals: number of cases, by referral source and by stage.
 * - reachedJointMeeting: cases with a joint meeting held (status ended) / cases.
 * - jointMeetingsWithAgreement: held joint meetings in which an agreement version was signed by
 *   all (executed, or since superseded by an amendment) / held joint meetings.
 * - restitution.itemsCompletedOfDue: current plan items (not superseded) due on or before
 *   `asOf` that are completed / such items due. An item is completed when a "done" record is
 *   held against it, a payment when the payments recorded reach its amount, service when the
 *   hours recorded reach its hours.
 * - restitution.casesClosedCompleted: cases closed as completed / cases closed after an
 *   agreement (completed, partially completed or not completed; "no agreement" is left out).
 * - restitution.amountPaidOfAgreed: all payments recorded (minor units) / the amounts of the
 *   current payment items.
 * - satisfaction: every survey answered by a victim or an offender is one response: mean
 *   satisfaction and fairness (1–5) with n; share who would recommend it among those who said;
 *   victims' lessFear: answers "yes" / answers given (yes, no or unsure).
 * - reoffending: for each configured point (months after the first held joint meeting, else
 *   after the referral), looked-up offenders (reoffending follow-ups done) who reoffended /
 *   looked up; overall, by offense category and by the offender's motivation score.
 * - daysToJointMeeting: median calendar days from referral to the first held joint meeting.
 * - daysToCompletion: median calendar days from referral to closing, of cases closed completed.
 */
export function computeOutcomes(dataset: OutcomeDataset, filter: OutcomeFilter = {}): Outcomes {
	const rows = casesInRange(dataset, filter);
	const outcomes = rows.map((row) => row.outcome);

	const bySource = zeroes(values(REFERRAL_SOURCES));
	const byStage = zeroes(values(REFERRAL_STAGES));
	for (const { case: c } of rows) {
		bySource[c.referralSource] += 1;
		byStage[c.referralStage] += 1;
	}

	const closedAfterAgreement = outcomes.filter(
		(o) => o.closure !== null && o.closure !== 'no_agreement'
	);
	const surveys = (role: 'victim' | 'offender') => outcomes.flatMap((o) => o.survey[role]);
	const satisfactionOf = (answers: SurveyRow[]): SatisfactionFigures => {
		const said = answers.filter((a) => a.wouldRecommend !== null);
		return {
			satisfaction: mean(answers.map((a) => a.satisfaction)),
			fairness: mean(answers.map((a) => a.fairness)),
			wouldRecommend: ratio(said.filter((a) => a.wouldRecommend).length, said.length)
		};
	};
	const victimAnswers = surveys('victim');
	const fearAnswers = victimAnswers.filter((a) => a.lessFear !== null);

	const lookups = rows.flatMap(({ case: c, outcome }) =>
		outcome.reoffending.map((r) => ({ ...r, offenseCategory: c.offenseCategory }))
	);
	const rateOf = (list: typeof lookups) =>
		ratio(list.filter((r) => r.reoffended).length, list.length);
	const reoffending = [...new Set(dataset.reoffendingMonths)]
		.sort((x, y) => x - y)
		.map((months): ReoffendingPoint => {
			const atPoint = lookups.filter((r) => r.months === months);
			const motivationKey = (r: (typeof lookups)[number]): MotivationKey =>
				r.motivation !== null && r.motivation >= 1 && r.motivation <= 5
					? (String(r.motivation) as MotivationKey)
					: 'unknown';
			return {
				months,
				overall: rateOf(atPoint),
				byOffenseCategory: Object.fromEntries(
					values(OFFENSE_CATEGORIES).map((category) => [
						category,
						rateOf(atPoint.filter((r) => r.offenseCategory === category))
					])
				) as Record<OffenseCategory, Ratio>,
				byMotivation: Object.fromEntries(
					MOTIVATION_KEYS.map((key) => [
						key,
						rateOf(atPoint.filter((r) => motivationKey(r) === key))
					])
				) as Record<MotivationKey, Ratio>
			};
		});

	return {
		filter: { from: filter.from ?? null, to: filter.to ?? null },
		referrals: { total: rows.length, bySource, byStage },
		reachedJointMeeting: ratio(outcomes.filter((o) => o.reachedJointMeeting).length, rows.length),
		jointMeetingsWithAgreement: ratio(
			sum(outcomes.map((o) => o.heldJointMeetingsWithAgreement)),
			sum(outcomes.map((o) => o.heldJointMeetings))
		),
		restitution: {
			itemsCompletedOfDue: ratio(
				sum(outcomes.map((o) => o.planItemsDueCompleted)),
				sum(outcomes.map((o) => o.planItemsDue))
			),
			casesClosedCompleted: ratio(
				closedAfterAgreement.filter((o) => o.closure === 'completed').length,
				closedAfterAgreement.length
			),
			amountPaidOfAgreed: ratio(
				sum(outcomes.map((o) => o.paidMinor)),
				sum(outcomes.map((o) => o.agreedMinor))
			)
		},
		satisfaction: {
			victim: {
				...satisfactionOf(victimAnswers),
				lessFear: ratio(fearAnswers.filter((a) => a.lessFear === 'yes').length, fearAnswers.length)
			},
			offender: satisfactionOf(surveys('offender'))
		},
		reoffending,
		daysToJointMeeting: median(
			outcomes.flatMap((o) => (o.daysToJointMeeting === null ? [] : [o.daysToJointMeeting]))
		),
		daysToCompletion: median(
			outcomes.flatMap((o) => (o.daysToCompletion === null ? [] : [o.daysToCompletion]))
		)
	};
}
