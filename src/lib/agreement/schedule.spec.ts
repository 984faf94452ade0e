import { describe, expect, it } from 'vitest';
import { generateInstalments, sumOf } from './schedule.ts';

describe('a payment schedule', () => {
	it('splits the amount into equal whole-cent parts, the remainder on the last', () => {
		const parts = generateInstalments(100_00, 3, 'monthly', '2027-01-15');
		expect(parts.map((p) => p.amountMinor)).toEqual([33_33, 33_33, 33_34]);
		expect(sumOf(parts)).toBe(100_00);
	});

	it('always adds up exactly, whatever the amount and count', () => {
		for (const amount of [1, 7, 99, 100, 12_345, 1_000_001])
			for (const count of [1, 2, 3, 7, 12, 13])
				if (amount >= count)
					expect(sumOf(generateInstalments(amount, count, 'weekly', '2027-01-01'))).toBe(amount);
	});

	it('keeps the day of the month, or the month’s last day when shorter', () => {
		expect(generateInstalments(400, 4, 'monthly', '2027-01-31').map((p) => p.dueDate)).toEqual([
			'2027-01-31',
			'2027-02-28',
			'2027-03-31',
			'2027-04-30'
		]);
		expect(generateInstalments(200, 2, 'monthly', '2028-01-31').map((p) => p.dueDate)).toEqual([
			'2028-01-31',
			'2028-02-29'
		]);
	});

	it('counts weeks and fortnights in days, across month and year ends', () => {
		expect(generateInstalments(300, 3, 'weekly', '2027-12-20').map((p) => p.dueDate)).toEqual([
			'2027-12-20',
			'2027-12-27',
			'2028-01-03'
		]);
		expect(generateInstalments(200, 2, 'fortnightly', '2027-02-20').map((p) => p.dueDate)).toEqual([
			'2027-02-20',
			'2027-03-06'
		]);
	});

	it('refuses a non-positive or fractional amount and an absurd count', () => {
		expect(() => generateInstalments(0, 2, 'weekly', '2027-01-01')).toThrow(RangeError);
		expect(() => generateInstalments(10.5, 2, 'weekly', '2027-01-01')).toThrow(RangeError);
		expect(() => generateInstalments(100, 0, 'weekly', '2027-01-01')).toThrow(RangeError);
		expect(() => generateInstalments(100, 500, 'weekly', '2027-01-01')).toThrow(RangeError);
	});
});
