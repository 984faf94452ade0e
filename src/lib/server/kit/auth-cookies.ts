import type { Cookies } from '@sveltejs/kit';
import { parseSetCookieHeader, toCookieOptions } from 'better-auth/cookies';

/** Copies the cookies a better-auth call set onto the page response. */
export function forwardAuthCookies(headers: Headers, cookies: Cookies): void {
	const setCookie = headers.get('set-cookie');
	if (!setCookie) return;
	for (const [name, attributes] of parseSetCookieHeader(setCookie))
		cookies.set(name, attributes.value, {
			...toCookieOptions(attributes),
			path: attributes.path || '/'
		});
}

/** Any origin will do: only whether the target stays on it matters. */
const HERE = 'http://mend.invalid';
const MAX_NEXT_LENGTH = 2048;

/**
 * Where to go after signing in: a path on this site, never another one. The target is read as
 * a browser reads the Location header (the WHATWG URL parser): browsers drop tabs and newlines
 * anywhere, trim control characters and spaces at the ends and read `\` as `/`, so that
 * `/\t/evil.example` (`next=/%09/evil.example`, decoded once by the query string) means
 * `//evil.example` to them. Only a target that stays on this origin is kept, and what is sent
 * is its re-serialised path (percent-encoded, no control characters): what was checked is what
 * the browser gets. Anything else, or a path that would read as `//host`, gives the fallback.
 */
export function safeNext(next: string | null, fallback = '/staff'): string {
	if (!next || next.length > MAX_NEXT_LENGTH || !next.startsWith('/')) return fallback;
	let target: URL;
	try {
		target = new URL(next, `${HERE}/`);
	} catch {
		return fallback;
	}
	if (target.origin !== HERE) return fallback;
	const path = `${target.pathname}${target.search}${target.hash}`;
	// `/.//evil` is the path `//evil`, which a browser would read as another host.
	if (!path.startsWith('/') || path.startsWith('//')) return fallback;
	return path;
}
