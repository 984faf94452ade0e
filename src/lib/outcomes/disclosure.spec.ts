import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { protectSmallGroups, WITHHELD, type QuasiIdentifiers } from './disclosure.ts';

const burglary = (month: string, more: Partial<QuasiIdentifiers> = {}): QuasiIdentifiers => ({
	referralSource: 'police',
	referralStage: 'pre_charge',
	offenseCategory: 'burglary',
	juvenile: true,
	referralMonth: month,
	...more
});
const times = (n: number, q: QuasiIdentifiers) => Array.from({ length: n }, () => q);
const withheldRow = {
	referralSource: WITHHELD,
	referralStage: WITHHELD,
	offenseCategory: WITHHELD,
	juvenile: WITHHELD,
	referralPeriod: WITHHELD
};

describe('protectSmallGroups', () => {
	it('keeps every value, to the month, when each combination is shared by five cases', () => {
		const cases = [...times(5, burglary('2026-03')), ...times(6, burglary('2026-04'))];
		const { rows, precision, withheld } = protectSmallGroups(cases);
		expect(precision).toBe('month');
		expect(withheld).toBe(0);
		expect(rows[0]).toEqual({
			referralSource: 'police',
			referralStage: 'pre_charge',
			offenseCategory: 'burglary',
			juvenile: true,
			referralPeriod: '2026-03'
		});
		expect(rows.at(-1)?.referralPeriod).toBe('2026-04');
	});

	it('gives every row the quarter, or the year, when months would single cases out', () => {
		const quarter = [
			...times(2, burglary('2026-01')),
			...times(2, burglary('2026-02')),
			burglary('2026-03'),
			...times(3, burglary('2026-04')),
			...times(2, burglary('2026-06'))
		];
		const byQuarter = protectSmallGroups(quarter);
		expect(byQuarter).toMatchObject({ precision: 'quarter', withheld: 0 });
		expect(byQuarter.rows.map((r) => r.referralPeriod)).toEqual([
			...times(5, '2026-Q1' as never),
			...times(5, '2026-Q2' as never)
		]);

		const byYear = protectSmallGroups([
			...times(3, burglary('2026-01')),
			...times(2, burglary('2026-11'))
		]);
		expect(byYear).toMatchObject({ precision: 'year', withheld: 0 });
		expect(new Set(byYear.rows.map((r) => r.referralPeriod))).toEqual(new Set(['2026']));
	});

	it('withholds the case nobody shares, and enough others that it hides among five', () => {
		const cases = [
			...times(5, burglary('2026-03')),
			...times(7, burglary('2026-03', { offenseCategory: 'vandalism' })),
			burglary('2026-03', { offenseCategory: 'arson', juvenile: false })
		];
		const { rows, precision, withheld } = protectSmallGroups(cases);
		expect(precision).toBe('month');
		// The arson case alone would be one of one: the smallest whole group (5 burglaries) joins it.
		expect(withheld).toBe(6);
		expect(rows.at(-1)).toEqual(withheldRow);
		expect(rows.slice(0, 5)).toEqual(times(5, withheldRow as never));
		expect(rows.slice(5, 12).every((r) => r.offenseCategory === 'vandalism')).toBe(true);
	});

	it('withholds everything a reader could know when the export has fewer than five cases', () => {
		const { rows, withheld } = protectSmallGroups(times(4, burglary('2026-03')));
		expect(withheld).toBe(4);
		expect(rows).toEqual(times(4, withheldRow as never));
		expect(protectSmallGroups([])).toEqual({ rows: [], precision: 'month', withheld: 0 });
	});

	it('never releases a combination shared by fewer than five, nor fewer than five withheld', () => {
		const caseArb = fc.record({
			referralSource: fc.constantFrom('police', 'judge', 'probation'),
			referralStage: fc.constantFrom('pre_charge', 'post_adjudication'),
			offenseCategory: fc.constantFrom('burglary', 'theft', 'vandalism', 'assault'),
			juvenile: fc.boolean(),
			referralMonth: fc.constantFrom('2025-12', '2026-01', '2026-02', '2026-05', '2026-09')
		});
		fc.assert(
			fc.property(fc.array(caseArb, { maxLength: 120 }), (cases) => {
				const { rows, withheld } = protectSmallGroups(cases);
				expect(rows).toHaveLength(cases.length);
				const counts = new Map<string, number>();
				for (const row of rows) {
					const key = JSON.stringify(row);
					counts.set(key, (counts.get(key) ?? 0) + 1);
				}
				for (const count of counts.values())
					expect(count).toBeGreaterThanOrEqual(Math.min(5, cases.length));
				expect(rows.filter((r) => r.referralSource === WITHHELD)).toHaveLength(withheld);
				// What is released is true: each released row says what its case is.
				rows.forEach((row, i) => {
					if (row.referralSource === WITHHELD) return;
					expect(row.offenseCategory).toBe(cases[i]!.offenseCategory);
					expect(cases[i]!.referralMonth.startsWith(row.referralPeriod.slice(0, 4))).toBe(true);
				});
			}),
			{ numRuns: 300 }
		);
	});
});
