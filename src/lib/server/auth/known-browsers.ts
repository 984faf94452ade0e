import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * A browser that signed in to an account keeps a cookie saying so, signed with AUTH_SECRET and
 * bound to that account's e-mail: attempts from it are limited on their own rather than with
 * every stranger's (rate-limits.ts), so guessing from elsewhere never keeps the owner out of
 * the browsers they use. One cookie per account, named by a keyed hash of the e-mail (the name
 * does not say whose it is), sent only to /login. It opens nothing by itself: the password
 * (and the second step) are still asked.
 */
export const KNOWN_BROWSER_TTL_S = 180 * 24 * 60 * 60;
export const KNOWN_BROWSER_PATH = '/login';

const mac = (secret: string, ...parts: string[]) =>
	createHmac('sha256', secret).update(parts.join('\u0000')).digest('base64url');

export const knownBrowserCookieName = (secret: string, email: string): string =>
	`mend_known_${mac(secret, 'known-browser-name', email).slice(0, 16).replace(/[-_]/g, 'x')}`;

/** A fresh cookie value for this browser and account: `<id>.<signature>`. */
export function newKnownBrowser(secret: string, email: string): string {
	const id = randomBytes(16).toString('base64url');
	return `${id}.${mac(secret, 'known-browser', email, id)}`;
}

/** The browser's id when `value` is a cookie this server gave for this account, else null. */
export function knownBrowserId(
	secret: string,
	email: string,
	value: string | undefined
): string | null {
	const [id, signature, ...rest] = (value ?? '').split('.');
	if (!id || !signature || rest.length > 0 || !/^[\w-]{22}$/.test(id)) return null;
	const expected = Buffer.from(mac(secret, 'known-browser', email, id));
	const given = Buffer.from(signature);
	return expected.length === given.length && timingSafeEqual(expected, given) ? id : null;
}
