import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { NOT_ASKED, type SharedRedis } from './redis.ts';

/**
 * A rate limit: `points` per key in a fixed window of `durationS` seconds (rate-limiter-flexible's
 * fixed window: the first point taken starts it). `keyPrefix` names the limit, and no two
 * limits share one.
 */
export interface Limit {
	keyPrefix: string;
	points: number;
	durationS: number;
	/**
	 * Counted by the process holding the meeting's case: every connection to a live session
	 * ends there (in a cluster, forwarded there: server/cluster/), so its memory sees all of a
	 * person's commands and signals, whichever process each tab reached — and nothing waits on
	 * Redis in the middle of a meeting. After a failover, the new holder starts the count anew.
	 */
	perMeeting?: true;
}

/** Takes and gives back points; a refusal rejects with a RateLimiterRes (its msBeforeNext). */
export interface Limiter {
	readonly limit: Limit;
	consume(key: string, points?: number): Promise<RateLimiterRes>;
	reward(key: string, points?: number): Promise<RateLimiterRes>;
}

type Operation = (limiter: RateLimiterMemory | RateLimiterRedis) => Promise<RateLimiterRes>;

/**
 * A limiter counted in Redis when the deployment has one — every process takes from the same
 * budget — else in this process's memory. When Redis cannot be asked or does not answer in
 * time, the limiter counts in memory instead (redis.ts), so a limit holds per process while
 * Redis is down: never unlimited, and nobody waits on Redis. What was counted in memory is not
 * copied back to Redis when it answers again: each process may have allowed its own budget.
 */
export function createLimiter(redis: SharedRedis | null, limit: Limit): Limiter {
	const options = { keyPrefix: limit.keyPrefix, points: limit.points, duration: limit.durationS };
	const inMemory = new RateLimiterMemory(options);
	if (!redis || limit.perMeeting) {
		return {
			limit,
			consume: (key, points = 1) => inMemory.consume(key, points),
			reward: (key, points = 1) => inMemory.reward(key, points)
		};
	}
	const shared = new RateLimiterRedis({
		...options,
		keyPrefix: `${redis.namespace}rl:${limit.keyPrefix}`,
		storeClient: redis.client,
		// node-redis (v4 and later): its commands and replies differ from ioredis'.
		useRedisPackage: true,
		// Throw at once rather than send while the connection is down (redis.ts asks only when
		// it is up; this holds if a reconnection starts in between).
		rejectIfRedisNotReady: true
		// No insuranceLimiter: redis.ts decides when memory counts instead — also when Redis does
		// not answer in time, which rate-limiter-flexible would leave waiting — so that an attempt
		// is counted in memory once, never by both.
	});
	const run = async (operation: Operation): Promise<RateLimiterRes> => {
		// A refusal is an answer: it resolves here and is thrown again below.
		const answer = await redis.ask(() =>
			operation(shared).then(
				(allowed) => ({ allowed }),
				(refusal: unknown) => {
					if (refusal instanceof RateLimiterRes) return { refusal };
					throw refusal;
				}
			)
		);
		if (answer === NOT_ASKED) return operation(inMemory);
		if ('refusal' in answer) throw answer.refusal;
		return answer.allowed;
	};
	return {
		limit,
		consume: (key, points = 1) => {
			const stored = redis.hashed(key);
			return run((limiter) => limiter.consume(stored, points));
		},
		reward: (key, points = 1) => {
			const stored = redis.hashed(key);
			return run((limiter) => limiter.reward(stored, points));
		}
	};
}

/** The limiters made for each set of deps, by their limit's name. */
const made = new WeakMap<object, Map<string, Limiter>>();

/**
 * The one limiter of `limit` for these deps (one process's services), made on first use: pages
 * and the realtime planes call it when they need it, so that nothing is counted before the
 * services, and Redis with them, exist.
 */
export function limiterOf(deps: { redis: SharedRedis | null }, limit: Limit): Limiter {
	let limiters = made.get(deps);
	if (!limiters) made.set(deps, (limiters = new Map()));
	const existing = limiters.get(limit.keyPrefix);
	if (existing && existing.limit !== limit)
		throw new Error(`two limits are named ${limit.keyPrefix}: they would count on the same keys`);
	if (existing) return existing;
	const limiter = createLimiter(deps.redis, limit);
	limiters.set(limit.keyPrefix, limiter);
	return limiter;
}
