/**
 * Small-group protection for the de-identified export. A row without names can still point at
 * one person: the only juvenile burglary referred by the police in March is someone a reader
 * may know. So the columns a reader could know from outside (where the referral came from, at
 * which stage, the offense category, whether the offender is a juvenile, when) are coarsened
 * until every combination of them is shared by at least `MIN_GROUP_CASES` cases of the export.
 */

/** The fewest cases that may share what a reader could know of them (a common threshold). */
export const MIN_GROUP_CASES = 5;

/** What a reader of the export could know about a case from outside it. */
export interface QuasiIdentifiers {
	referralSource: string;
	referralStage: string;
	offenseCategory: string;
	juvenile: boolean;
	/** YYYY-MM of the referral. */
	referralMonth: string;
}

/** The same, as the export shows it: coarsened or withheld. */
export interface Released {
	referralSource: string;
	referralStage: string;
	offenseCategory: string;
	juvenile: boolean | typeof WITHHELD;
	/** YYYY-MM, YYYY-Qn or YYYY, the same precision in every row; or withheld. */
	referralPeriod: string;
}

/** What a withheld value reads in the export. */
export const WITHHELD = 'withheld';

export const PERIOD_PRECISIONS = ['month', 'quarter', 'year'] as const;
export type PeriodPrecision = (typeof PERIOD_PRECISIONS)[number];

export interface Disclosure {
	rows: Released[];
	/** The precision of every row's period. */
	precision: PeriodPrecision;
	/** How many rows have everything a reader could know of them withheld. */
	withheld: number;
}

function periodOf(month: string, precision: PeriodPrecision): string {
	if (precision === 'month') return month;
	const [year, mm] = month.split('-');
	return precision === 'year' ? year! : `${year}-Q${Math.ceil(Number(mm) / 3)}`;
}

const keyOf = (q: QuasiIdentifiers, precision: PeriodPrecision) =>
	JSON.stringify([
		q.referralSource,
		q.referralStage,
		q.offenseCategory,
		q.juvenile,
		periodOf(q.referralMonth, precision)
	]);

/**
 * Coarsens the rows, in their order:
 * 1. the referral period, for every row alike, to the finest of month, quarter and year that
 *    leaves the fewest rows in a combination shared by fewer than `min` cases;
 * 2. those rows have all five withheld. Withheld rows are alike to a reader, so they are a
 *    group too: if fewer than `min`, the smallest remaining groups join them (whole groups,
 *    so no other group falls below `min`), until there are `min` or every row is withheld.
 */
export function protectSmallGroups(
	cases: readonly QuasiIdentifiers[],
	min = MIN_GROUP_CASES
): Disclosure {
	const groupsAt = (precision: PeriodPrecision) => {
		const groups = new Map<string, number[]>();
		cases.forEach((q, index) => {
			const key = keyOf(q, precision);
			const members = groups.get(key);
			if (members) members.push(index);
			else groups.set(key, [index]);
		});
		return [...groups.values()];
	};
	const smallRows = (groups: number[][]) =>
		groups.filter((g) => g.length < min).reduce((sum, g) => sum + g.length, 0);

	let precision: PeriodPrecision = 'month';
	let groups = groupsAt(precision);
	for (const coarser of PERIOD_PRECISIONS.slice(1)) {
		const candidate = groupsAt(coarser);
		if (smallRows(candidate) < smallRows(groups)) {
			precision = coarser;
			groups = candidate;
		}
	}

	const withheld = new Set(groups.filter((g) => g.length < min).flat());
	if (withheld.size > 0 && withheld.size < min) {
		const remaining = groups.filter((g) => g.length >= min).sort((a, b) => a.length - b.length);
		for (const group of remaining) {
			if (withheld.size >= min) break;
			for (const index of group) withheld.add(index);
		}
	}

	const rows = cases.map((q, index): Released => {
		if (withheld.has(index))
			return {
				referralSource: WITHHELD,
				referralStage: WITHHELD,
				offenseCategory: WITHHELD,
				juvenile: WITHHELD,
				referralPeriod: WITHHELD
			};
		return {
			referralSource: q.referralSource,
			referralStage: q.referralStage,
			offenseCategory: q.offenseCategory,
			juvenile: q.juvenile,
			referralPeriod: periodOf(q.referralMonth, precision)
		};
	});
	return { rows, precision, withheld: withheld.size };
}
