import { describe, expect, it } from 'vitest';
import { accessCodeMatches, hashAccessCode, hashToken, newAccessCode, newToken } from './tokens.ts';

describe('invitation tokens', () => {
	it('carry at least 128 bits of randomness and never repeat', () => {
		const tokens = new Set(Array.from({ length: 1000 }, newToken));
		expect(tokens.size).toBe(1000);
		for (const token of tokens) expect(Buffer.from(token, 'base64url').length).toBe(32);
	});

	it('are stored as a hash that does not contain the token', () => {
		const token = newToken();
		const hash = hashToken(token);
		expect(hash).toMatch(/^[0-9a-f]{64}$/);
		expect(hash).not.toContain(token);
		expect(hashToken(token)).toBe(hash);
	});
});

describe('access codes', () => {
	it('are six digits', () => {
		for (let i = 0; i < 200; i++) expect(newAccessCode()).toMatch(/^\d{6}$/);
	});

	it('match only the code they were made from, with a fresh salt each time', async () => {
		const stored = await hashAccessCode('123456');
		expect(await accessCodeMatches('123456', stored)).toBe(true);
		expect(await accessCodeMatches('123457', stored)).toBe(false);
		expect(await hashAccessCode('123456')).not.toBe(stored);
		expect(await accessCodeMatches('123456', 'garbage')).toBe(false);
	});
});
