/**
 * Times as people read them, with the runtime's Intl only: pages that show a time (a party's
 * join page among them) need no calendar library. Conversions between a program's wall clock
 * and instants are in time.ts.
 */

/** A meeting time as a person reads it, with the zone named so nobody misreads it. */
export function formatMeetingTime(instant: Date, zone: string, locale: string): string {
	return new Intl.DateTimeFormat(locale, {
		timeZone: zone,
		// dateStyle/timeStyle cannot be combined with timeZoneName: spelled out instead.
		weekday: 'long',
		year: 'numeric',
		month: 'long',
		day: 'numeric',
		hour: 'numeric',
		minute: '2-digit',
		timeZoneName: 'short'
	}).format(instant);
}

/**
 * A calendar day (`YYYY-MM-DD`) as a person reads it: "Mar 14, 2026" (medium) or "March 14,
 * 2026" (long). A date, not an instant: no time zone to shift it.
 */
export function formatDay(
	day: string,
	locale: string,
	style: 'medium' | 'long' = 'medium'
): string {
	return new Intl.DateTimeFormat(locale, { dateStyle: style, timeZone: 'UTC' }).format(
		new Date(`${day}T12:00:00Z`)
	);
}
