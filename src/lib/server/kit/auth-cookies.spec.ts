import { describe, expect, it } from 'vitest';
import { safeNext } from './auth-cookies.ts';

/** No control character, DEL or backslash: what a Location header can carry and mean as sent. */
const plain = (location: string) =>
	[...location].every((c) => c.charCodeAt(0) > 0x1f && c.charCodeAt(0) !== 0x7f && c !== '\\');

/** What a browser does with a Location header: resolve it against the page it is on. */
const whereBrowserGoes = (location: string) => new URL(location, 'https://mend.example.org/login');

/**
 * Targets as the login page receives them: `url.searchParams.get('next')` has already decoded
 * the query string once (`next=/%09/evil.example` arrives as `/\t/evil.example`).
 */
const hostile: [string, string][] = [
	['protocol-relative', '//evil.example'],
	['protocol-relative with a path', '//evil.example/staff'],
	['backslash for slash', '/\\evil.example'],
	['two backslashes', '\\\\evil.example'],
	['slash backslash slash', '/\\/evil.example'],
	['tab between the slashes (next=/%09/evil.example)', '/\t/evil.example'],
	['newline between the slashes', '/\n/evil.example'],
	['CR LF between the slashes', '/\r\n/evil.example'],
	['carriage return between the slashes', '/\r/evil.example'],
	['tab before the slashes', '\t//evil.example'],
	['space before the slashes', ' //evil.example'],
	['NUL before the slashes', '\u0000//evil.example'],
	['three slashes (next=/%2F%2Fevil.example)', '///evil.example'],
	['slash and encoded-then-decoded backslash', '/\\\\evil.example'],
	['dot segment that leaves //evil as the path', '/.//evil.example'],
	['dot-dot segment that leaves //evil as the path', '/a/..//evil.example'],
	['encoded dot-dot segment', '/%2e%2e//evil.example'],
	['absolute https URL', 'https://evil.example/staff'],
	['absolute http URL', 'http://evil.example'],
	['scheme without slashes', 'https:evil.example'],
	['javascript: URL', 'javascript:alert(1)'],
	['javascript: URL with a tab in the scheme', 'java\tscript:alert(1)'],
	['data: URL', 'data:text/html,<script>alert(1)</script>'],
	['user info that names another host', '//mend.example.org@evil.example'],
	['relative path (not a path on this site)', 'evil.example'],
	['empty', ''],
	['overlong', `/${'a'.repeat(5000)}`]
];

describe('safeNext', () => {
	it.each(hostile)('sends %s to the default page', (_name, next) => {
		expect(safeNext(next)).toBe('/staff');
	});

	it('sends nothing at all to the default page', () => {
		expect(safeNext(null)).toBe('/staff');
		expect(safeNext(null, '/staff/account')).toBe('/staff/account');
	});

	it('keeps a path on this site, with its query and fragment', () => {
		expect(safeNext('/staff/p-1/cases/42')).toBe('/staff/p-1/cases/42');
		expect(safeNext('/staff/p-1?tab=open#top')).toBe('/staff/p-1?tab=open#top');
		expect(safeNext('/staff/p-1?next=//evil.example')).toBe('/staff/p-1?next=//evil.example');
	});

	it('sends the path as checked: control characters and spaces percent-encoded, dot segments resolved', () => {
		expect(safeNext('/staff/\u0000x')).toBe('/staff/%00x');
		expect(safeNext('/staff/a b')).toBe('/staff/a%20b');
		expect(safeNext('/staff/./p-1/../p-2')).toBe('/staff/p-2');
		// Percent-encoded slashes stay encoded: to a browser they are part of one path segment.
		expect(safeNext('/%2F%2Fevil.example')).toBe('/%2F%2Fevil.example');
	});

	it('never answers anything a browser would take to another origin, or a header could not carry', () => {
		for (const [, next] of hostile) {
			const location = safeNext(next);
			expect(whereBrowserGoes(location).origin).toBe('https://mend.example.org');
			expect(plain(location), location).toBe(true);
		}
		for (const next of ['/staff/\u0000x', '/staff/a b', '/%2F%2Fevil.example', '/x?y=\t#\n']) {
			const location = safeNext(next);
			expect(whereBrowserGoes(location).origin).toBe('https://mend.example.org');
			expect(plain(location), location).toBe(true);
		}
	});
});
