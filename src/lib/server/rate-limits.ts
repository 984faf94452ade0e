import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

/**
 * Limits on attempts that guess secrets. Kept in memory: a restart forgives, which the longer
 * per-link access-code lock (in the database) does not.
 */
export const signInByEmail = new RateLimiterMemory({
	keyPrefix: 'sign-in-email',
	points: 10,
	duration: 15 * 60
});
export const signInByAddress = new RateLimiterMemory({
	keyPrefix: 'sign-in-ip',
	points: 30,
	duration: 15 * 60
});

/** Takes one attempt from each key; resolves to the seconds to wait when any is exhausted. */
export async function takeAttempt(
	limits: [RateLimiterMemory, string][]
): Promise<{ allowed: true } | { allowed: false; retryAfterS: number }> {
	for (const [limiter, key] of limits) {
		try {
			await limiter.consume(key);
		} catch (rejection) {
			if (rejection instanceof RateLimiterRes)
				return { allowed: false, retryAfterS: Math.ceil(rejection.msBeforeNext / 1000) };
			throw rejection;
		}
	}
	return { allowed: true };
}
