import { fromDate, parseDateTime, toZoned } from '@internationalized/date';

/** Whether `zone` is an IANA time zone this runtime knows (e.g. America/Chicago). */
export function isTimeZone(zone: string): boolean {
	try {
		new Intl.DateTimeFormat('en', { timeZone: zone });
		return true;
	} catch {
		return false;
	}
}

/**
 * The instant at which the wall-clock time `local` (`YYYY-MM-DDTHH:mm`) occurs in `zone`.
 * In a gap (spring forward) the later instant is chosen; in an overlap, the earlier.
 */
export function zonedToInstant(local: string, zone: string): Date {
	return toZoned(parseDateTime(local), zone, 'later').toDate();
}

/** The wall-clock `YYYY-MM-DDTHH:mm` of `instant` in `zone`, as a datetime-local input shows it. */
export function instantToZoned(instant: Date, zone: string): string {
	const zoned = fromDate(instant, zone);
	const pad = (n: number, width = 2) => String(n).padStart(width, '0');
	return `${pad(zoned.year, 4)}-${pad(zoned.month)}-${pad(zoned.day)}T${pad(zoned.hour)}:${pad(zoned.minute)}`;
}

/** The calendar year of `instant` in `zone` (a referral on 31 Dec, 23:30 local, is that year's). */
export function yearIn(instant: Date, zone: string): number {
	return fromDate(instant, zone).year;
}

/** The calendar date (`YYYY-MM-DD`) of `instant` in `zone`: "today" for a program. */
export function dateIn(instant: Date, zone: string): string {
	return instantToZoned(instant, zone).slice(0, 10);
}
