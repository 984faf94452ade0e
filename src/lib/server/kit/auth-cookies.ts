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

/** Only a path on this site: never an open redirect to another one. */
export function safeNext(next: string | null, fallback = '/staff'): string {
	return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\')
		? next
		: fallback;
}
