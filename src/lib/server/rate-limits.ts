import { isIPv4, isIPv6 } from 'node:net';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

/**
 * Limits on attempts that guess secrets. Kept in memory: a restart forgives, which the longer
 * per-link access-code lock (in the database) does not.
 *
 * Staff sign-in counts failed passwords, never per account alone: an account limited from
 * everywhere is one anybody can lock, and a mediator locked out of a meeting by a stranger is
 * the harm. So a failure counts against the address it came from, against that account from
 * that address, and against the account only from browsers that never signed in to it — a
 * browser that did (it holds the account's known-browser cookie, auth/known-browsers.ts) is
 * limited on its own, so no one elsewhere can keep the owner out. One address alone can never
 * reach the account-wide limit (10 per 15 minutes is 40 an hour, below its 100).
 */
const MINUTES = 60;

/** Any accounts, from one address: an address that keeps failing is stopped. */
export const signInFailuresByAddress = new RateLimiterMemory({
	keyPrefix: 'sign-in-ip',
	points: 30,
	duration: 15 * MINUTES
});
/** One account, from one address. */
export const signInFailuresByAccountAndAddress = new RateLimiterMemory({
	keyPrefix: 'sign-in-account-ip',
	points: 10,
	duration: 15 * MINUTES
});
/** One account, from all the browsers that never signed in to it: guessing from many addresses. */
export const signInFailuresByAccountFromNewBrowsers = new RateLimiterMemory({
	keyPrefix: 'sign-in-account-new',
	points: 100,
	duration: 60 * MINUTES
});
/** One account, from one browser that signed in to it before (wherever it is now). */
export const signInFailuresByKnownBrowser = new RateLimiterMemory({
	keyPrefix: 'sign-in-known',
	points: 10,
	duration: 15 * MINUTES
});

export type Limits = [RateLimiterMemory, string][];

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

/** Which limits a sign-in attempt is counted against (see above). */
export function signInLimits(attempt: {
	email: string;
	address: string;
	/** The id in the browser's known-browser cookie for this account, when it holds a valid one. */
	knownBrowser: string | null;
}): Limits {
	if (attempt.knownBrowser)
		return [[signInFailuresByKnownBrowser, `${attempt.email}|${attempt.knownBrowser}`]];
	const at = addressKey(attempt.address);
	return [
		[signInFailuresByAddress, at],
		[signInFailuresByAccountAndAddress, `${attempt.email}|${at}`],
		[signInFailuresByAccountFromNewBrowsers, attempt.email]
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
