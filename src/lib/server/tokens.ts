import { createHash, randomBytes, randomInt, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (
	password: string,
	salt: Buffer,
	keylen: number
) => Promise<Buffer>;

/** 256 bits from the CSPRNG, URL-safe: invitation links and party session cookies. */
export function newToken(): string {
	return randomBytes(32).toString('base64url');
}

/** What the database keeps of a token: enough to recognise it, useless to reuse it. */
export function hashToken(token: string): string {
	return createHash('sha256').update(token).digest('hex');
}

/** Six digits, sent to the party separately from the link. */
export function newAccessCode(): string {
	return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

const CODE_KEY_BYTES = 32;

/** `salt:hash`, both hex. scrypt keeps an offline guess slow; attempts online are rate-limited. */
export async function hashAccessCode(code: string): Promise<string> {
	const salt = randomBytes(16);
	const hash = await scryptAsync(code, salt, CODE_KEY_BYTES);
	return `${salt.toString('hex')}:${hash.toString('hex')}`;
}

export async function accessCodeMatches(code: string, stored: string): Promise<boolean> {
	const [saltHex, hashHex] = stored.split(':');
	if (!saltHex || !hashHex) return false;
	const expected = Buffer.from(hashHex, 'hex');
	const actual = await scryptAsync(code, Buffer.from(saltHex, 'hex'), expected.length);
	return timingSafeEqual(actual, expected);
}
