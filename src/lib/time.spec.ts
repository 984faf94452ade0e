import { describe, expect, it } from 'vitest';
import { formatMeetingTime } from './format-time.ts';
import { instantToZoned, isTimeZone, yearIn, zonedToInstant } from './time.ts';

describe('meeting times in the program time zone', () => {
	it('reads a wall-clock time in the zone, across daylight saving', () => {
		expect(zonedToInstant('2026-07-01T17:00', 'America/Chicago').toISOString()).toBe(
			'2026-07-01T22:00:00.000Z'
		);
		expect(zonedToInstant('2026-12-01T17:00', 'America/Chicago').toISOString()).toBe(
			'2026-12-01T23:00:00.000Z'
		);
	});

	it('picks the later instant for a time skipped when clocks spring forward', () => {
		expect(zonedToInstant('2026-03-08T02:30', 'America/Chicago').toISOString()).toBe(
			'2026-03-08T08:30:00.000Z'
		);
	});

	it('gives back the wall-clock time an input shows', () => {
		const instant = zonedToInstant('2026-11-23T09:05', 'Europe/Paris');
		expect(instantToZoned(instant, 'Europe/Paris')).toBe('2026-11-23T09:05');
		expect(instantToZoned(instant, 'UTC')).toBe('2026-11-23T08:05');
	});

	it('names the zone when it formats, so nobody misreads the hour', () => {
		const text = formatMeetingTime(new Date('2026-12-01T23:00:00Z'), 'America/Chicago', 'en');
		expect(text).toContain('5:00');
		expect(text).toContain('CST');
		expect(text).toContain('December');
	});

	it('counts a late-evening referral in the local year', () => {
		expect(yearIn(new Date('2027-01-01T03:00:00Z'), 'America/Chicago')).toBe(2026);
	});

	it('recognises IANA zones and refuses others', () => {
		expect(isTimeZone('America/Chicago')).toBe(true);
		expect(isTimeZone('Mars/Olympus')).toBe(false);
	});
});
