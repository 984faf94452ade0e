import { describe, expect, it } from 'vitest';
import { escapeText, foldLine, icsUtc, meetingIcs } from './ics.ts';

const event = {
	uid: '4b0f2c1e-0000-4000-8000-000000000001@mend',
	start: new Date('2026-03-14T15:00:00.000Z'),
	durationMinutes: 90,
	stamp: new Date('2026-03-01T08:30:05.123Z'),
	summary: 'Mediation meeting',
	url: 'https://mend.example.org/join/abc_DEF-123'
};

/** Unfolds as a calendar reader does: a CRLF followed by a space is removed. */
const unfold = (ics: string) => ics.replace(/\r\n /g, '');

describe('meetingIcs', () => {
	it('is one VEVENT with UID, UTC start and end, summary and the join link', () => {
		const ics = meetingIcs(event);
		const lines = unfold(ics).split('\r\n');
		expect(lines[0]).toBe('BEGIN:VCALENDAR');
		expect(lines).toContain('VERSION:2.0');
		expect(lines).toContain('BEGIN:VEVENT');
		expect(lines).toContain(`UID:${event.uid}`);
		expect(lines).toContain('DTSTAMP:20260301T083005Z');
		expect(lines).toContain('DTSTART:20260314T150000Z');
		expect(lines).toContain('DTEND:20260314T163000Z');
		expect(lines).toContain('SUMMARY:Mediation meeting');
		expect(lines).toContain(`URL:${event.url}`);
		expect(ics.endsWith('END:VEVENT\r\nEND:VCALENDAR\r\n')).toBe(true);
		// Every line ends in CRLF: no bare LF anywhere.
		expect(ics.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
	});

	it('leaves the URL out when there is no link', () => {
		const ics = meetingIcs({ ...event, url: undefined });
		expect(ics).not.toContain('URL:');
	});

	it('escapes text values', () => {
		expect(escapeText('a\\b;c,d\ne')).toBe('a\\\\b\\;c\\,d\\ne');
		const ics = meetingIcs({ ...event, summary: 'Meeting; with, commas', description: 'x\ny' });
		expect(unfold(ics)).toContain('SUMMARY:Meeting\\; with\\, commas');
		expect(unfold(ics)).toContain('DESCRIPTION:x\\ny');
	});

	it('folds lines longer than 75 octets without splitting a character', () => {
		const long = 'Médiation – réunion préparatoire ✓ '.repeat(6);
		const ics = meetingIcs({ ...event, description: long });
		const encoder = new TextEncoder();
		for (const line of ics.split('\r\n'))
			expect(encoder.encode(line).length).toBeLessThanOrEqual(75);
		expect(unfold(ics)).toContain(`DESCRIPTION:${escapeText(long)}`);
		expect(foldLine('x'.repeat(75))).toBe('x'.repeat(75));
		expect(foldLine('x'.repeat(76))).toBe(`${'x'.repeat(75)}\r\n x`);
	});

	it('writes instants in UTC whatever the zone they were made in', () => {
		expect(icsUtc(new Date('2026-07-01T00:30:00-05:00'))).toBe('20260701T053000Z');
	});
});
