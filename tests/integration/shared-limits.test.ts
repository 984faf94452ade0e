import { RateLimiterRes } from 'rate-limiter-flexible';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limiterOf, type Limiter } from '#lib/server/limiters.ts';
import type { Logger } from '#lib/server/log.ts';
import {
	connectRedis,
	REDIS_ANSWER_TIMEOUT_MS,
	REDIS_RETRY_AFTER_MS,
	type SharedRedis
} from '#lib/server/redis.ts';
import { SIGN_IN_LIMITS } from '#lib/server/rate-limits.ts';
import { createPostgresDatabase, type TestDatabase } from '../helpers/database.ts';
import { freePort } from '../helpers/demo-mend.ts';
import { testEnv } from '../helpers/env.ts';
import { HttpClient } from '../helpers/http.ts';
import { postgresFor } from '../helpers/postgres.ts';
import { spawnMend, type SpawnedMend } from '../helpers/process.ts';
import { forgetRedisKeys, RedisProxy, redisFor, testRedisPrefix } from '../helpers/redis.ts';
import { TEST_AUTH_SECRET } from '../helpers/server.ts';

/**
 * Issue 18: several Mend processes on one database must give an attacker one budget, not one
 * per process. Two real Mend processes share a fresh PostgreSQL database and one Redis (under a
 * key prefix of this run's own), both serving, and what reached either from one address is
 * counted once. (The live session's limits are counted by the process holding the meeting,
 * where all of its connections end: tests/integration/cluster.test.ts.)
 */

const withRedis = await redisFor();
// The processes' test runs in CI's PostgreSQL pass only (a minute of a busy machine each time).
const withPostgres =
	withRedis && (!testEnv.inCi || Boolean(testEnv.databaseUrl)) && (await postgresFor('server'));

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** A logger that keeps its warnings. */
function keptWarnings(): Logger & { warnings: string[] } {
	const warnings: string[] = [];
	return { ...silent, warnings, warn: (message) => warnings.push(message) };
}

/** The services of one process, as far as limits go: its own connection to Redis. */
async function processServices(prefix: string, url = testEnv.redisServerUrl, log = silent) {
	const redis = await connectRedis(
		{ url, keyPrefix: prefix },
		{ authSecret: TEST_AUTH_SECRET, log }
	);
	return { redis };
}

/** Whether the limiter gives a point (false: refused), and how long it took. */
async function take(limiter: Limiter, key: string, points = 1) {
	const started = performance.now();
	const given = await limiter.consume(key, points).then(
		() => true,
		(refusal: unknown) => {
			if (refusal instanceof RateLimiterRes) return false;
			throw refusal;
		}
	);
	return { given, ms: performance.now() - started };
}

describe.skipIf(!withPostgres)('two Mend processes on one database and one Redis', () => {
	const prefix = testRedisPrefix();
	let database: TestDatabase | undefined;
	const processes: SpawnedMend[] = [];

	afterAll(async () => {
		await Promise.all(processes.map((mend) => mend.stop('SIGKILL')));
		await database?.drop();
		await forgetRedisKeys(prefix);
	});

	it('refuse sign-ins, /verify checks and survey answers once the budget of both together is spent, whichever of them serves each attempt, and after one is lost', async () => {
		database = await createPostgresDatabase(testEnv.postgresUrl);
		const url = database.config.kind === 'postgres' ? database.config.url : '';
		const settings = {
			AUTH_SECRET: TEST_AUTH_SECRET,
			DATABASE_URL: url,
			REDIS_URL: testEnv.redisServerUrl,
			REDIS_KEY_PREFIX: prefix,
			SEED_DEMO: 'false',
			LOG_LEVEL: 'warn'
		};
		// Both serve, each on its port (a cluster: docs/DEPLOYING.md); a person's attempts land
		// on one and the other in turn. Counted in memory, each would allow the whole budget.
		const start = async () => {
			const mend = spawnMend({ ...settings, PORT: String(await freePort()) });
			processes.push(mend);
			return { mend, base: (await mend.waitFor(/Mend is running at (\S+)/, 120_000))[1]! };
		};
		const [first, second] = await Promise.all([start(), start()]);

		const signIn = (client: HttpClient, i: number) =>
			client
				.action('/login?/signIn', {
					email: 'mediator@shared-limits.example',
					password: `guess-${i}`
				})
				.then((answer) => answer.status);
		const verify = (client: HttpClient) => client.action('/verify', {}).then((a) => a.status);
		const survey = (client: HttpClient) =>
			client.action('/survey/no-such-survey', {}).then((a) => a.status);
		const statuses = { signIn: [] as number[], verify: [] as number[], survey: [] as number[] };
		const attempts = async (bases: string[], signIns: number, checks: number, answers: number) => {
			const clients = bases.map((base) => new HttpClient(base));
			const client = (i: number) => clients[i % clients.length]!;
			for (let i = 0; i < signIns; i++) statuses.signIn.push(await signIn(client(i), i));
			for (let i = 0; i < checks; i++) statuses.verify.push(await verify(client(i)));
			for (let i = 0; i < answers; i++) statuses.survey.push(await survey(client(i)));
		};
		const budget = SIGN_IN_LIMITS.byAccountAndAddress.points;
		await attempts([first.base, second.base], budget / 2, 15, 10);

		// One of them is lost: the other goes on counting from where both were.
		expect(await first.mend.stop('SIGKILL')).toBeNull();
		await attempts([second.base], budget / 2 + 2, 17, 12);

		// Each process alone would have allowed half of each budget again.
		expect(statuses.signIn).toEqual([...Array(budget).fill(400), 429, 429]);
		expect(statuses.verify).toEqual([...Array(30).fill(400), 429, 429]);
		expect(statuses.survey.slice(0, 20)).not.toContain(429);
		expect(statuses.survey.slice(20)).toEqual([429, 429]);
		expect(second.mend.output()).not.toMatch(/Redis unavailable/);
	}, 300_000);
});

describe.skipIf(!withRedis)(
	'a limiter when Redis stops answering, goes away and comes back',
	() => {
		const prefix = testRedisPrefix();
		const limit = { keyPrefix: 'spec-outage', points: 5, durationS: 60 };
		let proxy: RedisProxy;
		let log: ReturnType<typeof keptWarnings>;
		let throughProxy: { redis: SharedRedis };
		let direct: { redis: SharedRedis };

		beforeAll(async () => {
			proxy = await RedisProxy.start();
			log = keptWarnings();
			throughProxy = await processServices(prefix, proxy.url, log);
			direct = await processServices(prefix);
		});
		afterAll(async () => {
			throughProxy?.redis.close();
			direct?.redis.close();
			await proxy?.close();
			await forgetRedisKeys(prefix);
		});

		it('counts in memory meanwhile, without keeping anyone waiting, and shares again once Redis is back', async () => {
			const limiter = limiterOf(throughProxy, limit);
			// Redis answers: the other process sees what this one counted.
			for (let i = 0; i < 3; i++) expect((await take(limiter, 'a')).given).toBe(true);
			const otherProcess = limiterOf(direct, limit);
			expect((await take(otherProcess, 'a')).given).toBe(true);
			expect((await take(otherProcess, 'a')).given).toBe(true);
			expect((await take(otherProcess, 'a')).given).toBe(false);

			// Redis stops answering: one check waits for it at most REDIS_ANSWER_TIMEOUT_MS, the
			// next ones not at all; the limit holds in this process's memory.
			proxy.freeze();
			const first = await take(limiter, 'b');
			expect(first.given).toBe(true);
			expect(first.ms).toBeLessThan(REDIS_ANSWER_TIMEOUT_MS + 200);
			const rest = [];
			for (let i = 0; i < 6; i++) rest.push(await take(limiter, 'b'));
			expect(rest.map((r) => r.given)).toEqual([true, true, true, true, false, false]);
			expect(Math.max(...rest.map((r) => r.ms))).toBeLessThan(50);
			expect(log.warnings).toEqual([
				expect.stringMatching(/^Redis unavailable \(.*did not answer within 250 ms\): each process/)
			]);

			// It answers again: after REDIS_RETRY_AFTER_MS one check asks it, and finds it back.
			proxy.thaw();
			await new Promise((resolve) => setTimeout(resolve, REDIS_RETRY_AFTER_MS + 100));
			expect((await take(limiter, 'c')).given).toBe(true);
			expect(log.warnings[1]).toMatch(
				/^Redis answers again after \d+\.\d s: the rate limits are shared/
			);
			expect(throughProxy.redis.answering).toBe(true);
			for (let i = 0; i < 4; i++) expect((await take(otherProcess, 'c')).given).toBe(true);
			expect((await take(limiter, 'c')).given).toBe(false);

			// Redis goes away: nothing waits for it, the limit holds in memory, the log says it once.
			await proxy.cut();
			const meanwhile = [];
			for (let i = 0; i < 7; i++) meanwhile.push(await take(limiter, 'd'));
			expect(meanwhile.map((r) => r.given)).toEqual([true, true, true, true, true, false, false]);
			expect(Math.max(...meanwhile.map((r) => r.ms))).toBeLessThan(50);
			expect(log.warnings).toHaveLength(3);
			expect(log.warnings[2]).toMatch(/^Redis unavailable/);

			// It comes back: node-redis reconnects by itself, and the limits are shared again.
			await proxy.restore();
			await expect.poll(() => throughProxy.redis.answering, { timeout: 10_000 }).toBe(true);
			expect(log.warnings[3]).toMatch(/^Redis answers again/);
			for (let i = 0; i < 5; i++) expect((await take(otherProcess, 'e')).given).toBe(true);
			expect((await take(limiter, 'e')).given).toBe(false);
		});
	}
);
