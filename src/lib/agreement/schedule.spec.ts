import { describe, expect, it } from 'vitest';
import { generateInstalments, sumOf } from './schedule.ts';

describe('a payment schedule', () => {
	it('splits the amount into equal whole-cent parts, the remainder on the last', () => {
		const parts = generateInstalments(100_00, 3, 'monthly', '2027-01-15');
		expect(parts.map((p) => p.amountMinor)).toEqual([33_33, 33_33, 33_34]);
		expect(sumOf(parts)).toBe(100_00);
	});

	it('puts the whole remainder on the last instalment, the others all equal', () => {
		const parts = generateInstalments(10_00, 6, 'weekly', '2027-01-01');
		expect(parts.map((p) => p.amountMinor)).toEqual([166, 166, 166, 166, 166, 170]);
		expect(generateInstalments(90_00, 3, 'weekly', '2027-01-01').map((p) => p.amountMinor)).toEqual(
			[30_00, 30_00, 30_00]
		);
	});

	it('makes one instalment of the whole amount, due on the start date, when asked for one', () => {
		expect(generateInstalments(123_45, 1, 'monthly', '2027-03-31')).toEqual([
			{ dueDate: '2027-03-31', amountMinor: 123_45 }
		]);
	});

	it('dates the last instalment count − 1 periods after the start', () => {
		const last = (frequency: 'weekly' | 'fortnightly' | 'monthly') =>
			generateInstalments(12_00, 12, frequency, '2027-01-15').at(-1)?.dueDate;
		expect(last('weekly')).toBe('2027-04-02');
		expect(last('fortnightly')).toBe('2027-06-18');
		expect(last('monthly')).toBe('2027-12-15');
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

	it('keeps month ends through 30-day months and across the year end', () => {
		expect(generateInstalments(600, 6, 'monthly', '2027-08-31').map((p) => p.dueDate)).toEqual([
			'2027-08-31',
			'2027-09-30',
			'2027-10-31',
			'2027-11-30',
			'2027-12-31',
			'2028-01-31'
		]);
		expect(generateInstalments(300, 3, 'monthly', '2027-12-30').map((p) => p.dueDate)).toEqual([
			'2027-12-30',
			'2028-01-30',
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
