import { createHmac } from 'node:crypto';
import { toCsv, type CsvValue } from '#lib/outcomes/csv.ts';
import { protectSmallGroups } from '#lib/outcomes/disclosure.ts';
import { casesInRange, mean, type OutcomeFilter } from '#lib/outcomes/outcomes.ts';
import { minorToInput } from '#lib/money.ts';
import type { StaffActor } from '../access/staff-access.ts';
import { AUDIT_ACTIONS, recordAudit } from '../audit/record-audit.ts';
import type { Deps } from '../deps.ts';
import { loadOutcomeDataset } from './load-outcomes.ts';

/**
 * The columns of the de-identified export, one row per case referred within the filter's dates.
 * Nothing in it names or reaches a person: no names, contact details, free text, case reference,
 * case or party ids, nor exact dates. What a reader could know of a case from outside (source,
 * stage, offense category, juvenile, referral period) is coarsened or withheld until at least
 * MIN_GROUP_CASES cases share it (disclosure.ts). Rows are sorted by case key, so that their
 * order does not give away the order of referral.
 */
export const OUTCOME_CSV_COLUMNS = [
	/** HMAC-SHA256 of the case id under the server's secret, first 16 hex digits: stable, opaque. */
	'case_key',
	'referral_source',
	'referral_stage',
	'offense_category',
	'juvenile',
	/** Of the referral, in the program's zone: YYYY-MM, YYYY-Qn or YYYY, alike in every row. */
	'referral_period',
	'reached_joint_meeting',
	'agreement_signed',
	'currency',
	/** Decimal, in the program's currency: current payment items of the plan. */
	'amount_agreed',
	/** Decimal: every payment recorded. */
	'amount_paid',
	'plan_items',
	'plan_items_completed',
	'plan_items_due',
	'plan_items_due_completed',
	/** Empty while the case is open. */
	'closure',
	'offender_motivation',
	/** Means over the role's answered surveys in the case (1–5); empty when none. */
	'victim_satisfaction',
	'victim_fairness',
	/** yes / no / unsure: the first victim answer given. */
	'victim_less_fear',
	'offender_satisfaction',
	'offender_fairness'
	/** …then `reoffended_<months>m` for each of the program's points: yes / no / empty. */
] as const;

/** The stable pseudonymous key of a case: never the id itself, not reversible without the secret. */
export function caseKey(secret: string, caseId: string): string {
	return createHmac('sha256', secret)
		.update(`mend.outcomes.case:${caseId}`)
		.digest('hex')
		.slice(0, 16);
}

/** The de-identified CSV of the program's cases referred within the filter's dates, audited. */
export async function exportOutcomesCsv(
	deps: Pick<Deps, 'db' | 'clock' | 'config'>,
	actor: StaffActor,
	filter: OutcomeFilter
): Promise<{ csv: string; fileName: string; rows: number }> {
	const { program, dataset } = await loadOutcomeDataset(deps, actor);
	const points = [...new Set(dataset.reoffendingMonths)].sort((a, b) => a - b);
	const header = [...OUTCOME_CSV_COLUMNS, ...points.map((months) => `reoffended_${months}m`)];
	const average = (numbers: number[]) => {
		const { mean: value } = mean(numbers);
		return value === null ? null : Math.round(value * 100) / 100;
	};

	const inRange = casesInRange(dataset, filter);
	const disclosure = protectSmallGroups(
		inRange.map(({ case: c, outcome: o }) => ({
			referralSource: c.referralSource,
			referralStage: c.referralStage,
			offenseCategory: c.offenseCategory,
			juvenile: c.offenderIsJuvenile,
			referralMonth: o.referredOn.slice(0, 7)
		}))
	);
	const rows = inRange.map(({ case: c, outcome: o }, index) => {
		const released = disclosure.rows[index]!;
		const reoffendedAt = (months: number): CsvValue => {
			const found = o.reoffending.filter((r) => r.months === months);
			return found.length ? found.some((r) => r.reoffended) : null;
		};
		const key = caseKey(deps.config.authSecret, c.id);
		return [
			key,
			released.referralSource,
			released.referralStage,
			released.offenseCategory,
			released.juvenile,
			released.referralPeriod,
			o.reachedJointMeeting,
			o.agreementSigned,
			program.currency,
			minorToInput(o.agreedMinor),
			minorToInput(o.paidMinor),
			o.planItems,
			o.planItemsCompleted,
			o.planItemsDue,
			o.planItemsDueCompleted,
			o.closure,
			o.offenderMotivation,
			average(o.survey.victim.map((s) => s.satisfaction)),
			average(o.survey.victim.map((s) => s.fairness)),
			o.survey.victim.find((s) => s.lessFear !== null)?.lessFear ?? null,
			average(o.survey.offender.map((s) => s.satisfaction)),
			average(o.survey.offender.map((s) => s.fairness)),
			...points.map(reoffendedAt)
		] as [string, ...CsvValue[]];
	});
	rows.sort((a, b) => a[0].localeCompare(b[0]));

	await recordAudit(deps.db, {
		programId: program.id,
		actor: { kind: 'staff', userId: actor.userId, ip: actor.ip },
		action: AUDIT_ACTIONS.outcomesExported,
		detail: {
			from: filter.from ?? null,
			to: filter.to ?? null,
			rows: rows.length,
			period: disclosure.precision,
			withheld: disclosure.withheld
		}
	});
	return {
		csv: toCsv(header, rows),
		fileName: `outcomes-${program.slug}-${dataset.asOf}.csv`,
		rows: rows.length
	};
}
