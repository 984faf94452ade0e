import { formatMoney as moneyIn } from '#lib/money.ts';
import { getLocale } from '#lib/paraglide/runtime.js';

/** Amounts are kept in minor units (cents), shown in the page's language. */
export const formatMoney = (amountMinor: number, currency: string): string =>
	moneyIn(amountMinor, currency, getLocale());

/** A calendar date (`YYYY-MM-DD`) as words, without any time zone shift. */
export function formatDate(date: string | null): string {
	if (!date || !/^\d{4}-\d{2}-\d{2}$/.test(date)) return '—';
	const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
	return new Intl.DateTimeFormat(getLocale(), { dateStyle: 'long', timeZone: 'UTC' }).format(
		new Date(Date.UTC(y, mo - 1, d))
	);
}
