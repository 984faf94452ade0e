import { getLocale } from '#lib/paraglide/runtime.js';

/** Amounts are kept in minor units (cents); currencies here have two decimals. */
export function formatMoney(amountMinor: number, currency: string): string {
	try {
		return new Intl.NumberFormat(getLocale(), { style: 'currency', currency }).format(
			amountMinor / 100
		);
	} catch {
		return `${(amountMinor / 100).toFixed(2)} ${currency}`;
	}
}

/** A calendar date (`YYYY-MM-DD`) as words, without any time zone shift. */
export function formatDate(date: string | null): string {
	if (!date || !/^\d{4}-\d{2}-\d{2}$/.test(date)) return '—';
	const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
	return new Intl.DateTimeFormat(getLocale(), { dateStyle: 'long', timeZone: 'UTC' }).format(
		new Date(Date.UTC(y, mo - 1, d))
	);
}

/** "12.50" → 1250; null when it is not an amount. */
export function parseMoney(text: string): number | null {
	const cleaned = text.trim().replace(/[\s,]/g, '');
	if (!/^\d+(\.\d{1,2})?$/.test(cleaned)) return null;
	return Math.round(Number(cleaned) * 100);
}
