/**
 * CSV as RFC 4180 has it: fields separated by commas, records by CRLF; a field holding a comma,
 * a double quote, CR or LF is wrapped in double quotes, its quotes doubled.
 */

export type CsvValue = string | number | boolean | null | undefined;

/** One field. Empty for null/undefined; booleans as yes/no. */
export function csvField(value: CsvValue): string {
	if (value === null || value === undefined) return '';
	let text = typeof value === 'boolean' ? (value ? 'yes' : 'no') : String(value);
	// A text cell a spreadsheet would run as a formula is defused (numbers are left alone).
	if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
	return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A whole file: the header, then one record per row, each line ending in CRLF. */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
	return [header, ...rows].map((row) => row.map(csvField).join(',') + '\r\n').join('');
}
