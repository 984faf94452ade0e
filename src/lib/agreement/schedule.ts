import { parseDate } from '@internationalized/date';
import type { Frequency, Instalment, IsoDate } from './model.ts';

/**
 * The instalments of a payment: `count` equal parts in whole cents, the remainder on the last
 * one (so the sum is always exactly the amount), on dates `frequency` apart from `startDate`.
 * Monthly dates keep the start's day of the month, or the month's last day when it is shorter
 * (31 January → 28 February → 31 March).
 */
export function generateInstalments(
	amountMinor: number,
	count: number,
	frequency: Frequency,
	startDate: IsoDate
): Instalment[] {
	if (!Number.isInteger(amountMinor) || amountMinor <= 0)
		throw new RangeError('amount must be positive cents');
	if (!Number.isInteger(count) || count < 1 || count > 120)
		throw new RangeError('count must be 1–120');
	const start = parseDate(startDate);
	const part = Math.floor(amountMinor / count);
	return Array.from({ length: count }, (_, i) => ({
		dueDate: (frequency === 'monthly'
			? start.add({ months: i })
			: start.add({ days: i * (frequency === 'weekly' ? 7 : 14) })
		).toString(),
		amountMinor: i === count - 1 ? amountMinor - part * (count - 1) : part
	}));
}

export const sumOf = (instalments: Instalment[]): number =>
	instalments.reduce((sum, instalment) => sum + instalment.amountMinor, 0);
