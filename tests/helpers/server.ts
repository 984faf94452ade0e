import { startMend, type RunningMend } from '#server/app.ts';
import { boot } from '#server/boot.ts';
import { loadConfig, type Config } from '#server/config.ts';
import type { Clock } from '#lib/server/clock.ts';
import type { Deps } from '#lib/server/deps.ts';
import type { Logger } from '#lib/server/log.ts';
import { createTestDatabase } from './database.ts';
import { testEnv } from './env.ts';
import { forgetRedisKeys, testRedisPrefix } from './redis.ts';

export const TEST_AUTH_SECRET = 'test-secret-that-is-long-enough-for-better-auth';

/** A clock a test can move; starts at the real time. */
export class TestClock implements Clock {
	#offsetMs = 0;
	now(): Date {
		return new Date(Date.now() + this.#offsetMs);
	}
	advance(ms: number): void {
		this.#offsetMs += ms;
	}
}

export interface TestServer {
	url: string;
	config: Config;
	deps: Deps;
	clock: TestClock;
	mend: RunningMend;
	close(): Promise<void>;
}

/**
 * The real Mend — built pages, realtime, real database — on 127.0.0.1, port 0, over a fresh
 * database; with the run's REDIS_URL, its limits in Redis under a key prefix of its own.
 * Requires `npm run build` (which `npm test` runs first).
 */
export async function startTestServer(
	env: Record<string, string> = {},
	options: { reconcileIntervalMs?: number; log?: Logger; collabHeartbeatMs?: number } = {}
): Promise<TestServer> {
	const database = await createTestDatabase();
	const clock = new TestClock();
	const redis = testEnv.redisUrl
		? { REDIS_URL: testEnv.redisUrl, REDIS_KEY_PREFIX: testRedisPrefix() }
		: {};
	const config: Config = {
		...loadConfig({
			NODE_ENV: 'test',
			HOST: '127.0.0.1',
			PORT: '0',
			AUTH_SECRET: TEST_AUTH_SECRET,
			SEED_DEMO: 'false',
			LOG_LEVEL: 'error',
			...redis,
			...env
		}),
		database: database.config
	};
	const { collabHeartbeatMs, ...bootOptions } = options;
	const booted = await boot(config, { clock, ...bootOptions });
	const mend = await startMend(config, booted.deps, { collabHeartbeatMs });
	return {
		url: mend.url,
		config,
		deps: booted.deps,
		clock,
		mend,
		close: async () => {
			await mend.close();
			await booted.close();
			await database.drop();
			if (config.redis) await forgetRedisKeys(config.redis.keyPrefix, config.redis.url);
		}
	};
}
