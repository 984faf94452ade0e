import { describe, expect, it } from 'vitest';
import { createLimiter } from './limiters.ts';
import { addressKey, holdAttempt, SIGN_IN_LIMITS, signInLimits } from './rate-limits.ts';

/** A limiter of this process alone, as without Redis. */
const inMemory = (keyPrefix: string, points: number) =>
	createLimiter(null, { keyPrefix, points, durationS: 60 });

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
	const deps = { redis: null };
	/** Which limits, under which keys. */
	const counted = (attempt: Parameters<typeof signInLimits>[1]) =>
		signInLimits(deps, attempt).map(([limiter, key]) => [limiter.limit, key]);

	it('counts a new browser against its address, the account from that address and the account', () => {
		expect(
			counted({ email: 'a@x.example', address: '2001:db8:0:12::5', knownBrowser: null })
		).toEqual([
			[SIGN_IN_LIMITS.byAddress, '2001:db8:0:12::/64'],
			[SIGN_IN_LIMITS.byAccountAndAddress, 'a@x.example|2001:db8:0:12::/64'],
			[SIGN_IN_LIMITS.byAccountFromNewBrowsers, 'a@x.example']
		]);
	});

	it('counts a browser that signed in to the account before on its own, wherever it is', () => {
		expect(counted({ email: 'a@x.example', address: '192.0.2.7', knownBrowser: 'id-1' })).toEqual([
			[SIGN_IN_LIMITS.byKnownBrowser, 'a@x.example|id-1']
		]);
	});

	it('counts every attempt of one process on the same limiters', () => {
		const attempt = { email: 'a@x.example', address: '192.0.2.7', knownBrowser: null };
		expect(signInLimits(deps, attempt)).toEqual(signInLimits(deps, attempt));
		expect(signInLimits(deps, attempt)[0][0]).toBe(signInLimits(deps, attempt)[0][0]);
	});

	it('cannot be run to the account-wide limit from one address', () => {
		const perAddress = SIGN_IN_LIMITS.byAccountAndAddress;
		const attemptsPerHour = (perAddress.points * 60 * 60) / perAddress.durationS;
		expect(attemptsPerHour).toBeLessThan(SIGN_IN_LIMITS.byAccountFromNewBrowsers.points);
		expect(SIGN_IN_LIMITS.byAccountFromNewBrowsers.durationS).toBe(60 * 60);
	});
});

describe('holdAttempt', () => {
	it('counts failures only: a success gives its attempt back on every key', async () => {
		const a = inMemory('spec-a', 2);
		const b = inMemory('spec-b', 5);
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
		const limiter = inMemory('spec-burst', 3);
		const answers = await Promise.all(
			Array.from({ length: 10 }, () => holdAttempt([[limiter, 'k']]))
		);
		expect(answers.filter((a) => a.allowed)).toHaveLength(3);
	});

	it('gives back what other keys held when one key refuses: nothing was tried', async () => {
		const open = inMemory('spec-open', 1);
		const shut = inMemory('spec-shut', 1);
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
