import { RateLimiterMemory } from 'rate-limiter-flexible';
import { describe, expect, it } from 'vitest';
import {
	addressKey,
	holdAttempt,
	signInFailuresByAccountAndAddress,
	signInFailuresByAccountFromNewBrowsers,
	signInFailuresByAddress,
	signInFailuresByKnownBrowser,
	signInLimits
} from './rate-limits.ts';

describe('addressKey', () => {
	it('counts an IPv4 address as itself, also when written as IPv6', () => {
		expect(addressKey('192.0.2.7')).toBe('192.0.2.7');
		expect(addressKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
		expect(addressKey('::FFFF:192.0.2.7')).toBe('192.0.2.7');
	});

	it('counts an IPv6 address by its /64, however it is written', () => {
		const key = '2001:db8:0:12::/64';
		expect(addressKey('2001:db8:0:12::1')).toBe(key);
		expect(addressKey('2001:0db8:0000:0012:ffff:1:2:3')).toBe(key);
		expect(addressKey('2001:DB8:0:12:abcd::9')).toBe(key);
		expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
		expect(addressKey('::1')).toBe('0:0:0:0::/64');
		expect(addressKey('2001:db8:0:13::1')).not.toBe(key);
	});
});

describe('signInLimits', () => {
	it('counts a new browser against its address, the account from that address and the account', () => {
		expect(
			signInLimits({ email: 'a@x.example', address: '2001:db8:0:12::5', knownBrowser: null })
		).toEqual([
			[signInFailuresByAddress, '2001:db8:0:12::/64'],
			[signInFailuresByAccountAndAddress, 'a@x.example|2001:db8:0:12::/64'],
			[signInFailuresByAccountFromNewBrowsers, 'a@x.example']
		]);
	});

	it('counts a browser that signed in to the account before on its own, wherever it is', () => {
		expect(
			signInLimits({ email: 'a@x.example', address: '192.0.2.7', knownBrowser: 'id-1' })
		).toEqual([[signInFailuresByKnownBrowser, 'a@x.example|id-1']]);
	});

	it('cannot be run to the account-wide limit from one address', () => {
		const perAddress = signInFailuresByAccountAndAddress;
		const attemptsPerHour = (perAddress.points * 60 * 60) / perAddress.duration;
		expect(attemptsPerHour).toBeLessThan(signInFailuresByAccountFromNewBrowsers.points);
		expect(signInFailuresByAccountFromNewBrowsers.duration).toBe(60 * 60);
	});
});

describe('holdAttempt', () => {
	it('counts failures only: a success gives its attempt back on every key', async () => {
		const a = new RateLimiterMemory({ keyPrefix: 'spec-a', points: 2, duration: 60 });
		const b = new RateLimiterMemory({ keyPrefix: 'spec-b', points: 5, duration: 60 });
		for (let i = 0; i < 5; i++) {
			const held = await holdAttempt([
				[a, 'k'],
				[b, 'k']
			]);
			if (!held.allowed) throw new Error('refused a success');
			await held.succeeded();
		}
		expect(await holdAttempt([[a, 'k']])).toMatchObject({ allowed: true });
		expect(await holdAttempt([[a, 'k']])).toMatchObject({ allowed: true });
		expect(await holdAttempt([[a, 'k']])).toMatchObject({ allowed: false });
	});

	it('takes the attempt before the outcome is known, so that guesses sent at once are limited too', async () => {
		const limiter = new RateLimiterMemory({ keyPrefix: 'spec-burst', points: 3, duration: 60 });
		const answers = await Promise.all(
			Array.from({ length: 10 }, () => holdAttempt([[limiter, 'k']]))
		);
		expect(answers.filter((a) => a.allowed)).toHaveLength(3);
	});

	it('gives back what other keys held when one key refuses: nothing was tried', async () => {
		const open = new RateLimiterMemory({ keyPrefix: 'spec-open', points: 1, duration: 60 });
		const shut = new RateLimiterMemory({ keyPrefix: 'spec-shut', points: 1, duration: 60 });
		await shut.consume('k');
		expect(
			await holdAttempt([
				[open, 'k'],
				[shut, 'k']
			])
		).toMatchObject({ allowed: false });
		expect(await holdAttempt([[open, 'k']])).toMatchObject({ allowed: true });
	});
});
