import { isIPv4, isIPv6 } from 'node:net';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { limiterOf, type Limit, type Limiter } from './limiters.ts';
import type { SharedRedis } from './redis.ts';

/**
 * Limits on attempts that guess secrets. Counted in Redis when the deployment has one (every
 * process together), else in the process's memory; either way a restart of Redis or of Mend
 * forgives, which the longer per-link access-code lock (in the database) does not.
 *
 * Staff sign-in counts failed passwords, never per account alone: an account limited from
 * everywhere is one anybody can lock, and a mediator locked out of a meeting by a stranger is
 * the harm. So a failure counts against the address it came from, against that account from
 * that address, and against the account only from browsers that never signed in to it — a
 * browser that did (it holds the account's known-browser cookie, auth/known-browsers.ts) is
 * limited on its own, so no one elsewhere can keep the owner out. One address alone can never
 * reach the account-wide limit (10 per 15 minutes is 40 an hour, below its 100).
 */
const MINUTE_S = 60;

export const SIGN_IN_LIMITS = {
	/** Any accounts, from one address: an address that keeps failing is stopped. */
	byAddress: { keyPrefix: 'sign-in-ip', points: 30, durationS: 15 * MINUTE_S },
	/** One account, from one address. */
	byAccountAndAddress: { keyPrefix: 'sign-in-account-ip', points: 10, durationS: 15 * MINUTE_S },
	/** One account, from all the browsers that never signed in to it: guessing from many addresses. */
	byAccountFromNewBrowsers: {
		keyPrefix: 'sign-in-account-new',
		points: 100,
		durationS: 60 * MINUTE_S
	},
	/** One account, from one browser that signed in to it before (wherever it is now). */
	byKnownBrowser: { keyPrefix: 'sign-in-known', points: 10, durationS: 15 * MINUTE_S }
} as const satisfies Record<string, Limit>;

/** Limiters, each with the key an attempt is counted under. */
export type Limits = [Limiter, string][];

/**
 * The key an address is counted under. An IPv6 address counts by its /64, the network one
 * subscriber is given and may number as they like; an IPv4 address written as IPv6
 * (`::ffff:192.0.2.1`) counts as itself.
 */
export function addressKey(address: string): string {
	const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
	if (mapped && isIPv4(mapped[1])) return mapped[1];
	if (!isIPv6(address)) return address;
	const [head, tail = ''] = address.toLowerCase().split('::');
	const left = head ? head.split(':') : [];
	const right = tail ? tail.split(':') : [];
	// A trailing dotted quad is two groups; only the first four groups matter here anyway.
	const groups = address.includes('::')
		? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right]
		: left;
	return `${groups
		.slice(0, 4)
		.map((g) => g.replace(/^0+(?=.)/, ''))
		.join(':')}::/64`;
}

/** Which limits a sign-in attempt is counted against (see above), of this process's deps. */
export function signInLimits(
	deps: { redis: SharedRedis | null },
	attempt: {
		email: string;
		address: string;
		/** The id in the browser's known-browser cookie for this account, when it holds a valid one. */
		knownBrowser: string | null;
	}
): Limits {
	const of = (limit: Limit) => limiterOf(deps, limit);
	if (attempt.knownBrowser)
		return [[of(SIGN_IN_LIMITS.byKnownBrowser), `${attempt.email}|${attempt.knownBrowser}`]];
	const at = addressKey(attempt.address);
	return [
		[of(SIGN_IN_LIMITS.byAddress), at],
		[of(SIGN_IN_LIMITS.byAccountAndAddress), `${attempt.email}|${at}`],
		[of(SIGN_IN_LIMITS.byAccountFromNewBrowsers), attempt.email]
	];
}

type Refused = { allowed: false; retryAfterS: number };

const refusal = (rejection: unknown): Refused => {
	if (rejection instanceof RateLimiterRes)
		return { allowed: false, retryAfterS: Math.ceil(rejection.msBeforeNext / 1000) };
	throw rejection;
};

/** Takes one attempt from each key; resolves to the seconds to wait when any is exhausted. */
export async function takeAttempt(limits: Limits): Promise<{ allowed: true } | Refused> {
	for (const [limiter, key] of limits) {
		try {
			await limiter.consume(key);
		} catch (rejection) {
			return refusal(rejection);
		}
	}
	return { allowed: true };
}

/**
 * Holds one attempt on each key until the outcome is known: a failure keeps it, a success
 * gives it back (`succeeded`), so that only failures count. It is taken before the secret is
 * checked, so that guesses sent all at once cannot each pass a check made before any failed.
 */
export async function holdAttempt(
	limits: Limits
): Promise<{ allowed: true; succeeded: () => Promise<void> } | Refused> {
	const held: Limits = [];
	const giveBack = async () => {
		await Promise.all(held.map(([limiter, key]) => limiter.reward(key)));
	};
	for (const [limiter, key] of limits) {
		try {
			await limiter.consume(key);
			held.push([limiter, key]);
		} catch (rejection) {
			// Refused here: what the other keys held is given back, nothing was tried.
			await giveBack();
			return refusal(rejection);
		}
	}
	return { allowed: true, succeeded: giveBack };
}
