import net from 'node:net';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { afterEach, describe, expect, it } from 'vitest';
import { createLimiter, limiterOf, type Limit, type Limiter } from './limiters.ts';
import type { Logger } from './log.ts';
import { connectRedis, type SharedRedis } from './redis.ts';

/*
 * The limiters without a Redis that answers. With one, and across processes:
 * tests/integration/shared-limits.test.ts.
 */

const SECRET = 'a-secret-that-is-long-enough-for-everything';

/** A logger that keeps what it is told. */
function keptLog(): Logger & { lines: string[] } {
	const lines: string[] = [];
	const keep = (level: string) => (message: string) => lines.push(`${level} ${message}`);
	return {
		lines,
		debug: keep('debug'),
		info: keep('info'),
		warn: keep('warn'),
		error: keep('error')
	};
}

/** How many of `tries` points the limiter gives, one at a time. */
async function allowed(limiter: Limiter, key: string, tries: number): Promise<number> {
	let given = 0;
	for (let i = 0; i < tries; i++)
		await limiter.consume(key).then(
			() => given++,
			(refusal: unknown) => {
				if (!(refusal instanceof RateLimiterRes)) throw refusal;
			}
		);
	return given;
}

const limit: Limit = { keyPrefix: 'spec', points: 5, durationS: 60 };

const closing: Array<() => unknown> = [];
afterEach(async () => {
	for (const close of closing.splice(0)) await close();
});

/** A TCP port of this machine where nothing listens. */
async function closedPort(): Promise<number> {
	const probe = net.createServer();
	await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
	const { port } = probe.address() as net.AddressInfo;
	await new Promise((resolve) => probe.close(resolve));
	return port;
}

async function redisAt(port: number, log: Logger): Promise<SharedRedis> {
	const redis = await connectRedis(
		{ url: `redis://127.0.0.1:${port}`, keyPrefix: 'mend-spec' },
		{ authSecret: SECRET, log }
	);
	closing.push(() => redis.close());
	return redis;
}

describe('createLimiter without Redis', () => {
	it('counts in this process: another process would count on its own', async () => {
		const one = createLimiter(null, limit);
		const other = createLimiter(null, limit);
		expect(await allowed(one, 'k', 8)).toBe(5);
		expect(await allowed(other, 'k', 8)).toBe(5);
	});

	it('gives back what was rewarded', async () => {
		const limiter = createLimiter(null, limit);
		expect(await allowed(limiter, 'k', 5)).toBe(5);
		await limiter.reward('k', 2);
		expect(await allowed(limiter, 'k', 5)).toBe(2);
	});
});

describe('limiterOf', () => {
	it('makes one limiter per process and limit, on first use', () => {
		const deps = { redis: null };
		expect(limiterOf(deps, limit)).toBe(limiterOf(deps, limit));
		expect(limiterOf({ redis: null }, limit)).not.toBe(limiterOf(deps, limit));
	});

	it('refuses a second limit under the same name: they would count on the same keys', () => {
		const deps = { redis: null };
		limiterOf(deps, limit);
		expect(() => limiterOf(deps, { ...limit, points: 50 })).toThrow(/two limits are named spec/);
	});
});

describe('createLimiter when Redis is down', () => {
	it('holds the limit in memory, answers at once and says so in the log once', async () => {
		const log = keptLog();
		const started = performance.now();
		const redis = await redisAt(await closedPort(), log);
		const limiter = createLimiter(redis, limit);
		expect(await allowed(limiter, 'k', 8)).toBe(5);
		expect(await allowed(limiter, 'other', 2)).toBe(2);
		// Start-up waited for the first refused connection only, not for its two seconds.
		expect(performance.now() - started).toBeLessThan(1_500);
		// node-redis keeps trying to connect meanwhile, and fails each time.
		await new Promise((resolve) => setTimeout(resolve, 500));
		const warnings = log.lines.filter((line) => line.startsWith('warn'));
		expect(warnings).toHaveLength(1);
		expect(warnings[0]).toMatch(
			/^warn Redis unavailable \(.*ECONNREFUSED.*\): each process counts/
		);
	});

	it('does not wait on a Redis that accepts connections but never answers', async () => {
		const silent = net.createServer(() => {});
		await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
		closing.push(() => {
			silent.close();
			silent.unref();
		});
		const log = keptLog();
		const started = performance.now();
		const redis = await redisAt((silent.address() as net.AddressInfo).port, log);
		// Start-up waits two seconds for the first connection, then goes on without it.
		expect(performance.now() - started).toBeLessThan(3_000);
		const limiter = createLimiter(redis, limit);
		const checked = performance.now();
		expect(await allowed(limiter, 'k', 8)).toBe(5);
		expect(performance.now() - checked).toBeLessThan(100);
		expect(log.lines).toEqual([
			expect.stringMatching(/^warn Redis unavailable \(.*no connection to Redis within 2000 ms/)
		]);
	});
});
