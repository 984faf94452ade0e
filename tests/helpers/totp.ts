import { createHmac } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32Decode(input: string): Buffer {
	let bits = '';
	for (const char of input.replace(/=+$/, '').toUpperCase())
		bits += BASE32.indexOf(char).toString(2).padStart(5, '0');
	const bytes = bits.match(/.{8}/g) ?? [];
	return Buffer.from(bytes.map((b) => parseInt(b, 2)));
}

/**
 * The code an authenticator app shows for an `otpauth://` URI (RFC 6238, SHA-1, 6 digits,
 * 30 s): computed independently of better-auth, as a phone would.
 */
export function totpFromUri(uri: string, at = Date.now()): string {
	const secret = new URL(uri).searchParams.get('secret') ?? '';
	const counter = Buffer.alloc(8);
	counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
	const hmac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
	const offset = hmac[hmac.length - 1] & 0x0f;
	const code = (hmac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
	return String(code).padStart(6, '0');
}
