import { describe, expect, it } from 'vitest';
import { knownBrowserCookieName, knownBrowserId, newKnownBrowser } from './known-browsers.ts';

const SECRET = 'a-secret-that-is-long-enough-for-the-test';

describe('known-browser cookies', () => {
	it('are recognised for the account they were given for, and give the browser an id', () => {
		const value = newKnownBrowser(SECRET, 'mediator@program.example');
		const id = knownBrowserId(SECRET, 'mediator@program.example', value);
		expect(id).toMatch(/^[\w-]{22}$/);
		expect(value.startsWith(`${id}.`)).toBe(true);
	});

	it('are not recognised for another account, under another secret, or altered', () => {
		const value = newKnownBrowser(SECRET, 'mediator@program.example');
		expect(knownBrowserId(SECRET, 'admin@program.example', value)).toBeNull();
		expect(knownBrowserId(`${SECRET}!`, 'mediator@program.example', value)).toBeNull();
		const [id, signature] = value.split('.');
		const otherId = `${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}`;
		for (const forged of [
			`${otherId}.${signature}`,
			`${id}.${signature.slice(0, -1)}`,
			`${id}.${signature}.x`,
			`${id}.`,
			'',
			undefined
		])
			expect(knownBrowserId(SECRET, 'mediator@program.example', forged)).toBeNull();
	});

	it('are named per account without naming it, as a cookie name may be written', () => {
		const name = knownBrowserCookieName(SECRET, 'mediator@program.example');
		expect(name).toMatch(/^mend_known_[A-Za-z0-9]{16}$/);
		expect(name).not.toContain('mediator');
		expect(knownBrowserCookieName(SECRET, 'admin@program.example')).not.toBe(name);
	});
});
