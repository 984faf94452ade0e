/**
 * A meeting as an iCalendar file (RFC 5545): one VEVENT, times in UTC, text escaped and long
 * lines folded at 75 octets. Written by hand rather than with a library: this is all of it.
 * The summary and description are the caller's: they must not carry case details (a calendar
 * is often shared or synced to places the program does not control).
 */
export interface IcsEvent {
	/** Stable per meeting, so that a reminder updates the event the invitation created. */
	uid: string;
	start: Date;
	durationMinutes: number;
	/** When the file was made (DTSTAMP). */
	stamp: Date;
	summary: string;
	description?: string;
	/** The join link, when the file goes with one. */
	url?: string;
}

/** 20260314T150000Z */
export function icsUtc(instant: Date): string {
	return instant
		.toISOString()
		.replace(/[-:]/g, '')
		.replace(/\.\d{3}/, '');
}

/** TEXT values: backslash, semicolon and comma escaped, line breaks as \n (RFC 5545 3.3.11). */
export function escapeText(value: string): string {
	return value
		.replace(/\\/g, '\\\\')
		.replace(/;/g, '\\;')
		.replace(/,/g, '\\,')
		.replace(/\r\n|\r|\n/g, '\\n');
}

/** Splits a content line into 75-octet pieces, never inside a UTF-8 sequence (RFC 5545 3.1). */
export function foldLine(line: string): string {
	const encoder = new TextEncoder();
	const pieces: string[] = [];
	let current = '';
	let octets = 0;
	for (const char of line) {
		const size = encoder.encode(char).length;
		// Continuation lines start with a space, which counts towards their 75 octets.
		const limit = pieces.length === 0 ? 75 : 74;
		if (octets + size > limit) {
			pieces.push(current);
			current = '';
			octets = 0;
		}
		current += char;
		octets += size;
	}
	pieces.push(current);
	return pieces.join('\r\n ');
}

export function meetingIcs(event: IcsEvent): string {
	const end = new Date(event.start.getTime() + event.durationMinutes * 60_000);
	// A URI value is not TEXT: it is not escaped, but it must not hold line breaks.
	const url = event.url?.replace(/[\r\n]/g, '');
	const lines = [
		'BEGIN:VCALENDAR',
		'VERSION:2.0',
		'PRODID:-//Mend//Mediation//EN',
		'CALSCALE:GREGORIAN',
		'METHOD:PUBLISH',
		'BEGIN:VEVENT',
		`UID:${escapeText(event.uid)}`,
		`DTSTAMP:${icsUtc(event.stamp)}`,
		`DTSTART:${icsUtc(event.start)}`,
		`DTEND:${icsUtc(end)}`,
		`SUMMARY:${escapeText(event.summary)}`,
		...(event.description ? [`DESCRIPTION:${escapeText(event.description)}`] : []),
		...(url ? [`URL:${url}`, `LOCATION:${escapeText(url)}`] : []),
		'END:VEVENT',
		'END:VCALENDAR'
	];
	return lines.map(foldLine).join('\r\n') + '\r\n';
}
