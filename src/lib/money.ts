/** Minor units (cents) as a person reads them in `currency`, e.g. $1,250.00. */
export function formatMoney(minor: number, currency: string, locale: string): string {
	return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(minor / 100);
}

/** Minor units back to the plain decimal a form field holds, e.g. 125000 → "1250.00". */
export function minorToInput(minor: number): string {
	return (minor / 100).toFixed(2);
}

/** What a person typed ("12.50", "1 250") as minor units; null when it is not an amount. */
export function inputToMinor(text: string): number | null {
	const cleaned = text.trim().replace(/[\s,]/g, '');
	if (!/^\d{1,9}(\.\d{1,2})?$/.test(cleaned)) return null;
	return Math.round(Number(cleaned) * 100);
}
