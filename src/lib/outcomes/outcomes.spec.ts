import { describe, expect, it } from 'vitest';
import {
	caseOutcome,
	computeOutcomes,
	daysBetween,
	isIsoDate,
	median,
	type OutcomeCase,
	type OutcomeDataset
} from './outcomes.ts';

/** Noon in Chicago (CST, UTC−6) on `date`: the program's calendar day is `date`. */
const on = (date: string) => new Date(`${date}T18:00:00Z`);

function makeCase(id: string, overrides: Partial<OutcomeCase>): OutcomeCase {
	return {
		id,
		referralSource: 'judge',
		referralStage: 'diversion',
		offenseCategory: 'property',
		offenderIsJuvenile: false,
		createdAt: on('2026-01-01'),
		closedAt: null,
		closure: null,
		parties: [
			{ id: `${id}-v`, role: 'victim', withdrawnAt: null },
			{ id: `${id}-o`, role: 'offender', withdrawnAt: null }
		],
		meetings: [],
		agreements: [],
		planItems: [],
		planRecords: [],
		screenings: [],
		followUps: [],
		...overrides
	};
}

const joint = (id: string, endedOn: string) => ({
	id,
	kind: 'joint' as const,
	status: 'ended' as const,
	scheduledAt: on(endedOn),
	endedAt: on(endedOn),
	heldAt: null
});
const executed = (
	id: string,
	meetingId: string,
	status: 'executed' | 'superseded' = 'executed'
) => ({
	id,
	meetingId,
	status,
	executedAt: on('2026-01-01')
});
const motivation = (partyId: string, value: number | null) => ({
	partyId,
	motivation: value,
	outcome: 'suitable' as const
});
const survey = (
	partyId: string,
	answers: {
		satisfaction: number;
		fairness: number;
		lessFear?: 'yes' | 'no' | 'unsure';
		wouldRecommend?: boolean;
	},
	done = true
) => ({
	partyId,
	kind: 'survey' as const,
	dueOn: '2026-06-01',
	doneAt: done ? on('2026-06-01') : null,
	result: { kind: 'survey' as const, ...answers }
});
const lookup = (partyId: string | null, dueOn: string, reoffended: boolean | null) => ({
	partyId,
	kind: 'reoffending' as const,
	dueOn,
	doneAt: reoffended === null ? null : on(dueOn),
	result:
		reoffended === null
			? null
			: {
					kind: 'reoffending' as const,
					reoffended,
					source: reoffended ? ('rearrest' as const) : null
				}
});

/*
 * Eight cases of a program in Chicago, today 2026-12-31, reoffending looked up at 6 and 30 months.
 * A–G are referred in Q1 2026; H in December 2025 (outside the Q1 filter).
 *
 *   case source/stage/category          joint (held)            agreement      closure
 *   A    judge/diversion/property        Jan 25 (20 d)           signed at A1   completed Mar 6 (60 d)
 *   B    probation/post_adm./violent     Feb 9 (30 d), Feb 19    v1 sup., v2 at B2   partially Jul 1
 *   C    judge/diversion/property        Mar 3 (30 d)            signed         open
 *   D    police/diversion/other          none (prep held, joint cancelled)      no_agreement
 *   E    victim_advocate/post_adm./violent  scheduled only       —              open
 *   F    judge/post_adm./property        Apr 19 (40 d)           drafting only  no_agreement
 *   G    prosecutor/diversion/property   Apr 4 (15 d)            signed         not_completed
 *   H    defense/diversion/property      2026-01-10 (21 d)       signed         completed Feb 10 (52 d)
 */
const A = makeCase('A', {
	createdAt: on('2026-01-05'),
	closure: 'completed',
	closedAt: on('2026-03-06'),
	meetings: [joint('A1', '2026-01-25')],
	agreements: [executed('A-ag', 'A1')],
	planItems: [
		{
			id: 'A-pay',
			kind: 'payment',
			amountMinor: 500_00,
			hours: null,
			dueDate: '2026-03-01',
			supersededAt: null
		},
		{
			id: 'A-letter',
			kind: 'apology_letter',
			amountMinor: null,
			hours: null,
			dueDate: '2026-02-01',
			supersededAt: null
		}
	],
	planRecords: [
		{
			planItemId: 'A-pay',
			kind: 'payment',
			amountMinor: 300_00,
			hours: null,
			occurredOn: '2026-02-01'
		},
		{
			planItemId: 'A-pay',
			kind: 'payment',
			amountMinor: 200_00,
			hours: null,
			occurredOn: '2026-02-20'
		},
		{
			planItemId: 'A-letter',
			kind: 'done',
			amountMinor: null,
			hours: null,
			occurredOn: '2026-01-30'
		}
	],
	screenings: [motivation('A-o', 5), motivation('A-v', null)],
	followUps: [
		survey('A-v', { satisfaction: 5, fairness: 5, lessFear: 'yes', wouldRecommend: true }),
		survey('A-o', { satisfaction: 4, fairness: 5, wouldRecommend: true }),
		lookup('A-o', '2026-07-25', false), // 181 days after Jan 25 ≈ 5.9 months → the 6-month point
		lookup('A-o', '2028-07-25', true) // 912 days ≈ 30.0 months → the 30-month point
	]
});
const B = makeCase('B', {
	referralSource: 'probation',
	referralStage: 'post_admission',
	offenseCategory: 'violent',
	createdAt: on('2026-01-10'),
	closure: 'partially_completed',
	closedAt: on('2026-07-01'),
	meetings: [joint('B1', '2026-02-09'), joint('B2', '2026-02-19')],
	agreements: [executed('B-v1', 'B2', 'superseded'), executed('B-v2', 'B2')],
	planItems: [
		{
			id: 'B-old',
			kind: 'payment',
			amountMinor: 1000_00,
			hours: null,
			dueDate: '2026-04-01',
			supersededAt: on('2026-03-01')
		},
		{
			id: 'B-pay',
			kind: 'payment',
			amountMinor: 800_00,
			hours: null,
			dueDate: '2026-06-01',
			supersededAt: null
		},
		{
			id: 'B-hours',
			kind: 'service',
			amountMinor: null,
			hours: 10,
			dueDate: '2026-05-01',
			supersededAt: null
		}
	],
	planRecords: [
		{
			planItemId: 'B-old',
			kind: 'payment',
			amountMinor: 100_00,
			hours: null,
			occurredOn: '2026-02-25'
		},
		{
			planItemId: 'B-pay',
			kind: 'payment',
			amountMinor: 300_00,
			hours: null,
			occurredOn: '2026-04-01'
		},
		{ planItemId: 'B-hours', kind: 'hours', amountMinor: null, hours: 4, occurredOn: '2026-03-10' },
		{ planItemId: 'B-hours', kind: 'hours', amountMinor: null, hours: 6, occurredOn: '2026-04-10' }
	],
	screenings: [motivation('B-o', 2)],
	followUps: [
		survey('B-v', { satisfaction: 3, fairness: 4, lessFear: 'no' }),
		lookup('B-o', '2026-08-09', true) // anchored on the FIRST held joint meeting, Feb 9
	]
});
const C = makeCase('C', {
	createdAt: on('2026-02-01'),
	meetings: [joint('C1', '2026-03-03')],
	agreements: [executed('C-ag', 'C1')],
	planItems: [
		{
			id: 'C-pay',
			kind: 'payment',
			amountMinor: 200_00,
			hours: null,
			dueDate: '2027-01-15',
			supersededAt: null
		},
		{
			id: 'C-behave',
			kind: 'behaviour',
			amountMinor: null,
			hours: null,
			dueDate: null,
			supersededAt: null
		}
	],
	planRecords: [
		{
			planItemId: 'C-pay',
			kind: 'payment',
			amountMinor: 50_00,
			hours: null,
			occurredOn: '2026-04-01'
		}
	],
	screenings: [motivation('C-o', 4)],
	followUps: [
		survey('C-v', { satisfaction: 4, fairness: 3, lessFear: 'unsure', wouldRecommend: false }),
		survey('C-o', { satisfaction: 2, fairness: 3 }),
		lookup('C-o', '2026-09-03', false)
	]
});
const D = makeCase('D', {
	referralSource: 'police',
	offenseCategory: 'other',
	createdAt: on('2026-02-15'),
	closure: 'no_agreement',
	closedAt: on('2026-03-01'),
	parties: [
		{ id: 'D-v', role: 'victim', withdrawnAt: on('2026-02-20') },
		{ id: 'D-o', role: 'offender', withdrawnAt: null }
	],
	meetings: [
		{
			id: 'D-prep',
			kind: 'preparation',
			status: 'ended',
			scheduledAt: on('2026-02-18'),
			endedAt: on('2026-02-18'),
			heldAt: on('2026-02-18')
		},
		{
			id: 'D-joint',
			kind: 'joint',
			status: 'cancelled',
			scheduledAt: on('2026-02-25'),
			endedAt: null,
			heldAt: null
		}
	],
	screenings: [motivation('D-o', null)],
	// No joint meeting: anchored on the referral, Feb 15 → Aug 15 is the 6-month point.
	followUps: [lookup('D-o', '2026-08-15', false)]
});
const E = makeCase('E', {
	referralSource: 'victim_advocate',
	referralStage: 'post_admission',
	offenseCategory: 'violent',
	offenderIsJuvenile: true,
	createdAt: on('2026-03-01'),
	parties: [
		{ id: 'E-v', role: 'victim', withdrawnAt: null },
		{ id: 'E-o', role: 'offender', withdrawnAt: null },
		{ id: 'E-g', role: 'guardian', withdrawnAt: null }
	],
	meetings: [
		{
			id: 'E1',
			kind: 'joint',
			status: 'scheduled',
			scheduledAt: on('2027-01-10'),
			endedAt: null,
			heldAt: null
		}
	],
	screenings: [motivation('E-o', 2)],
	followUps: [
		survey('E-g', { satisfaction: 1, fairness: 1, lessFear: 'no' }), // a guardian: not counted
		survey('E-v', { satisfaction: 1, fairness: 1, lessFear: 'no' }, false) // not answered
	]
});
const F = makeCase('F', {
	referralStage: 'post_admission',
	createdAt: on('2026-03-10'),
	closure: 'no_agreement',
	closedAt: on('2026-04-20'),
	meetings: [joint('F1', '2026-04-19')],
	agreements: [{ id: 'F-ag', meetingId: 'F1', status: 'drafting', executedAt: null }],
	screenings: [motivation('F-o', 3)],
	followUps: [
		survey('F-v', { satisfaction: 2, fairness: 2, lessFear: 'no', wouldRecommend: false }),
		lookup('F-o', '2026-10-19', true)
	]
});
const G = makeCase('G', {
	referralSource: 'prosecutor',
	createdAt: on('2026-03-20'),
	closure: 'not_completed',
	closedAt: on('2026-09-01'),
	meetings: [joint('G1', '2026-04-04')],
	agreements: [executed('G-ag', 'G1')],
	planItems: [
		{
			id: 'G-pay',
			kind: 'payment',
			amountMinor: 100_00,
			hours: null,
			dueDate: '2026-05-01',
			supersededAt: null
		},
		{
			id: 'G-other',
			kind: 'other',
			amountMinor: null,
			hours: null,
			dueDate: '2026-05-01',
			supersededAt: null
		}
	],
	planRecords: [
		{
			planItemId: 'G-other',
			kind: 'done',
			amountMinor: null,
			hours: null,
			occurredOn: '2026-04-20'
		}
	],
	screenings: [motivation('G-o', 5)],
	followUps: [lookup('G-o', '2026-10-04', false), lookup('G-o', '2028-10-04', null)]
});
const H = makeCase('H', {
	referralSource: 'defense',
	createdAt: on('2025-12-20'),
	closure: 'completed',
	closedAt: on('2026-02-10'),
	meetings: [joint('H1', '2026-01-10')],
	agreements: [executed('H-ag', 'H1')],
	planItems: [
		{
			id: 'H-pay',
			kind: 'payment',
			amountMinor: 9999_00,
			hours: null,
			dueDate: '2026-02-01',
			supersededAt: null
		}
	],
	followUps: [survey('H-v', { satisfaction: 1, fairness: 1, lessFear: 'no' })]
});

const dataset: OutcomeDataset = {
	timeZone: 'America/Chicago',
	asOf: '2026-12-31',
	reoffendingMonths: [30, 6],
	cases: [A, B, C, D, E, F, G, H]
};
const Q1 = { from: '2026-01-01', to: '2026-03-31' };
const r = (numerator: number, denominator: number) => ({
	numerator,
	denominator,
	value: denominator === 0 ? null : numerator / denominator
});

describe('computeOutcomes, over the cases referred in Q1 2026 (A–G)', () => {
	const outcomes = computeOutcomes(dataset, Q1);

	it('counts referrals by source and by stage, every value present', () => {
		expect(outcomes.filter).toEqual({ from: '2026-01-01', to: '2026-03-31' });
		expect(outcomes.referrals).toEqual({
			total: 7,
			// judge: A, C, F; probation: B; police: D; victim advocate: E; prosecutor: G
			bySource: {
				judge: 3,
				probation: 1,
				victim_advocate: 1,
				prosecutor: 1,
				defense: 0,
				police: 1,
				other: 0
			},
			// diversion: A, C, D, G; post-admission: B, E, F
			byStage: { diversion: 4, post_admission: 3 }
		});
	});

	it('counts the cases that reached a joint meeting, and the joint meetings that ended signed', () => {
		// Held (ended) joint meetings in A, B, C, F, G; D's was cancelled, E's is only scheduled.
		expect(outcomes.reachedJointMeeting).toEqual(r(5, 7));
		// Held: A1, B1, B2, C1, F1, G1 = 6; signed at A1, B2 (v1 superseded, v2 executed), C1,
		// G1 = 4. B1 ended without one; F's agreement is still being drafted.
		expect(outcomes.jointMeetingsWithAgreement).toEqual(r(4, 6));
	});

	it('measures restitution: items completed of due, cases closed completed, paid of agreed', () => {
		// Due by Dec 31 (current items only): A-pay (300+200 = 500 of 500 ✓), A-letter (done ✓),
		// B-pay (300 of 800 ✗), B-hours (4+6 = 10 of 10 ✓), G-pay (nothing ✗), G-other (done ✓).
		// B-old is superseded; C-pay is due in 2027; C-behave has no date. → 4 of 6.
		expect(outcomes.restitution.itemsCompletedOfDue).toEqual(r(4, 6));
		// Closed after an agreement: A completed, B partially, G not completed (D, F: no agreement).
		expect(outcomes.restitution.casesClosedCompleted).toEqual(r(1, 3));
		// Agreed (current payment items): 500 + 800 + 200 + 100 = 1,600.00.
		// Paid (every payment recorded): A 500 + B 100 (old item) + 300 + C 50 + G 0 = 950.00.
		expect(outcomes.restitution.amountPaidOfAgreed).toEqual(r(950_00, 1600_00));
	});

	it('averages satisfaction and fairness per role and counts victims with less fear', () => {
		// Victims answered in A (5, 5, yes, recommends), B (3, 4, no), C (4, 3, unsure, does not),
		// F (2, 2, no, does not); E's guardian does not count, E's victim has not answered.
		expect(outcomes.satisfaction.victim).toEqual({
			satisfaction: { mean: 3.5, n: 4 }, // (5 + 3 + 4 + 2) / 4
			fairness: { mean: 3.5, n: 4 }, // (5 + 4 + 3 + 2) / 4
			wouldRecommend: r(1, 3), // A yes; C, F no; B did not say
			lessFear: r(1, 4) // A yes of A, B, C, F
		});
		// Offenders: A (4, 5, recommends), C (2, 3).
		expect(outcomes.satisfaction.offender).toEqual({
			satisfaction: { mean: 3, n: 2 },
			fairness: { mean: 4, n: 2 },
			wouldRecommend: r(1, 1)
		});
	});

	it('gives reoffending at each point, overall, by offense category and by motivation', () => {
		// 6 months: A no (property, 5), B yes (violent, 2), C no (property, 4), D no (other, no
		// score), F yes (property, 3), G no (property, 5). 30 months: A yes; G not looked up yet.
		expect(outcomes.reoffending).toEqual([
			{
				months: 6,
				overall: r(2, 6),
				byOffenseCategory: { property: r(1, 4), violent: r(1, 1), other: r(0, 1) },
				byMotivation: {
					'1': r(0, 0),
					'2': r(1, 1),
					'3': r(1, 1),
					'4': r(0, 1),
					'5': r(0, 2),
					unknown: r(0, 1)
				}
			},
			{
				months: 30,
				overall: r(1, 1),
				byOffenseCategory: { property: r(1, 1), violent: r(0, 0), other: r(0, 0) },
				byMotivation: {
					'1': r(0, 0),
					'2': r(0, 0),
					'3': r(0, 0),
					'4': r(0, 0),
					'5': r(1, 1),
					unknown: r(0, 0)
				}
			}
		]);
	});

	it('gives the median days from referral to the joint meeting and to completion', () => {
		// A 20, B 30 (first held), C 30 (Feb 1 → Mar 3), F 40, G 15 → 15 20 30 30 40.
		expect(outcomes.daysToJointMeeting).toEqual({ median: 30, n: 5 });
		// Only A was closed completed: Jan 5 → Mar 6 = 26 + 28 + 6 = 60.
		expect(outcomes.daysToCompletion).toEqual({ median: 60, n: 1 });
	});
});

describe('computeOutcomes without a filter (A–H)', () => {
	const outcomes = computeOutcomes(dataset);

	it('includes H, and takes the mean of the two middle values for an even count', () => {
		expect(outcomes.referrals.total).toBe(8);
		expect(outcomes.referrals.bySource.defense).toBe(1);
		// H: Dec 20 → Jan 10 = 21 days; 15 20 21 30 30 40 → (21 + 30) / 2.
		expect(outcomes.daysToJointMeeting).toEqual({ median: 25.5, n: 6 });
		// H: Dec 20 → Feb 10 = 11 + 31 + 10 = 52; with A's 60 → 56.
		expect(outcomes.daysToCompletion).toEqual({ median: 56, n: 2 });
		expect(outcomes.restitution.amountPaidOfAgreed).toEqual(r(950_00, 11599_00));
		expect(outcomes.satisfaction.victim.satisfaction).toEqual({ mean: 3, n: 5 });
	});
});

describe('caseOutcome', () => {
	it("sums one case's figures, as the export shows them", () => {
		expect(caseOutcome(B, dataset)).toMatchObject({
			referredOn: '2026-01-10',
			reachedJointMeeting: true,
			daysToJointMeeting: 30,
			heldJointMeetings: 2,
			heldJointMeetingsWithAgreement: 1,
			agreementSigned: true,
			agreedMinor: 800_00,
			paidMinor: 400_00,
			planItems: 2,
			planItemsCompleted: 1,
			planItemsDue: 2,
			planItemsDueCompleted: 1,
			closure: 'partially_completed',
			daysToCompletion: null,
			offenderMotivation: 2,
			reoffending: [{ months: 6, reoffended: true, motivation: 2 }]
		});
		expect(caseOutcome(F, dataset)).toMatchObject({ agreementSigned: false, agreedMinor: 0 });
	});
});

describe('the date filter', () => {
	// 2026-01-31 05:30 UTC is still Jan 30 (23:30) in Chicago: the program's calendar decides.
	const late = makeCase('late', { createdAt: new Date('2026-01-31T05:30:00Z') });
	const edge: OutcomeDataset = { ...dataset, cases: [late] };

	it('includes both bounds, on the referral date in the program zone', () => {
		expect(computeOutcomes(edge, { from: '2026-01-30', to: '2026-01-30' }).referrals.total).toBe(1);
		expect(computeOutcomes(edge, { to: '2026-01-30' }).referrals.total).toBe(1);
		expect(computeOutcomes(edge, { from: '2026-01-31' }).referrals.total).toBe(0);
		expect(computeOutcomes(edge, { to: '2026-01-29' }).referrals.total).toBe(0);
		expect(computeOutcomes(edge, { from: null, to: null }).referrals.total).toBe(1);
	});

	it('gives nothing when from is after to', () => {
		expect(computeOutcomes(dataset, { from: '2026-03-01', to: '2026-02-01' }).referrals.total).toBe(
			0
		);
	});
});

describe('an empty dataset', () => {
	it('has zero counts and null ratios, means and medians: never a division by zero', () => {
		const outcomes = computeOutcomes({ ...dataset, cases: [] });
		expect(outcomes.referrals.total).toBe(0);
		expect(Object.values(outcomes.referrals.bySource).every((n) => n === 0)).toBe(true);
		expect(outcomes.reachedJointMeeting).toEqual(r(0, 0));
		expect(outcomes.reachedJointMeeting.value).toBeNull();
		expect(outcomes.jointMeetingsWithAgreement.value).toBeNull();
		expect(Object.values(outcomes.restitution).map((x) => x.value)).toEqual([null, null, null]);
		expect(outcomes.satisfaction.victim.satisfaction).toEqual({ mean: null, n: 0 });
		expect(outcomes.satisfaction.victim.lessFear.value).toBeNull();
		expect(outcomes.satisfaction.offender.fairness).toEqual({ mean: null, n: 0 });
		expect(outcomes.reoffending.map((p) => [p.months, p.overall.value])).toEqual([
			[6, null],
			[30, null]
		]);
		expect(outcomes.daysToJointMeeting).toEqual({ median: null, n: 0 });
		expect(outcomes.daysToCompletion).toEqual({ median: null, n: 0 });
		expect(JSON.stringify(outcomes)).not.toMatch(/NaN|Infinity/);
	});
});

describe('helpers', () => {
	it('checks dates, counts days and takes medians', () => {
		expect(isIsoDate('2026-02-28')).toBe(true);
		expect(isIsoDate('2026-02-30')).toBe(false);
		expect(isIsoDate('2026-2-3')).toBe(false);
		expect(daysBetween('2026-03-07', '2026-03-09')).toBe(2); // across the DST change
		expect(median([3, 1, 2])).toEqual({ median: 2, n: 3 });
	});
});
