import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { createClient } from 'redis';
import type { RedisConfig } from '#server/config.ts';
import { describeError, type Logger } from './log.ts';

/**
 * Redis, where the processes of one deployment count their limits together (limiters.ts). It
 * holds nothing durable: every key expires within the longest limit's window (an hour), and
 * losing them all forgives what was counted, as a restart of a single process did.
 *
 * Redis being down or slow must neither lift the limits nor hold up a meeting: a limiter that
 * cannot ask Redis within REDIS_ANSWER_TIMEOUT_MS counts in its own process's memory instead,
 * which the log says once per outage, and again when Redis answers.
 */

/**
 * How long a limiter waits for Redis before counting in memory. Redis answers within a
 * millisecond or two on the same network; a command of the live session waits for this.
 */
export const REDIS_ANSWER_TIMEOUT_MS = 250;
/** After Redis did not answer, limiters count in memory this long before one asks it again. */
export const REDIS_RETRY_AFTER_MS = 1_000;
/** How long start-up waits for a first connection: Mend starts without Redis, not without limits. */
const FIRST_CONNECTION_WAIT_MS = 2_000;

/** node-redis, set up for limits that must never wait on it. */
function newClient(url: string) {
	return createClient({
		url,
		// A command never waits for a connection: the limiter counts in memory meanwhile.
		disableOfflineQueue: true,
		socket: {
			connectTimeout: FIRST_CONNECTION_WAIT_MS,
			// Never gives up: Redis may be back in a minute or in an hour.
			reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2_000)
		}
	});
}

export type RedisClient = ReturnType<typeof newClient>;

/** What `ask` returns when Redis was not asked, or did not answer: count in memory instead. */
export const NOT_ASKED: unique symbol = Symbol('not asked');

const firstLine = (error: unknown) => describeError(error).split('\n')[0];

export class SharedRedis {
	/** One connection per process; socket.io's Redis adapter will `duplicate()` it. */
	readonly client: RedisClient;
	/** Starts every key of this deployment: `<REDIS_KEY_PREFIX>:`. */
	readonly namespace: string;
	readonly #keySecret: KeyObject;
	readonly #log: Logger;
	/** Since when limiters count in memory (performance.now()); null while Redis answers. */
	#outageSince: number | null = null;
	#retryAt = 0;
	/** During an outage on an open connection, one limiter at a time asks whether it is over. */
	#probing = false;
	#closed = false;

	constructor(
		client: RedisClient,
		settings: { keyPrefix: string; authSecret: string; log: Logger }
	) {
		this.client = client;
		this.namespace = `${settings.keyPrefix}:`;
		// A key object made once: from raw bytes, every HMAC would make its own.
		this.#keySecret = createSecretKey(
			createHmac('sha256', settings.authSecret).update('mend redis keys').digest()
		);
		this.#log = settings.log;
		// node-redis reconnects by itself; each failed attempt is an 'error' event.
		client.on('error', (error: unknown) => this.report(error));
		client.on('ready', () => this.#answered());
	}

	/** False from the first failure of an outage until Redis answers again. */
	get answering(): boolean {
		return this.#outageSince === null && this.client.isReady;
	}

	/**
	 * A key as stored in Redis: keyed by AUTH_SECRET, so that Redis holds no address or e-mail
	 * address in the clear, and the same in every process of the deployment.
	 */
	hashed(key: string): string {
		return createHmac('sha256', this.#keySecret).update(key).digest('base64url').slice(0, 32);
	}

	/**
	 * Runs `command` on Redis, or not: NOT_ASKED when the connection is down, when Redis did not
	 * answer lately (another limiter may be finding out), or when it does not answer within
	 * REDIS_ANSWER_TIMEOUT_MS. A rejection counts as no answer: `command` resolves with Redis's
	 * answers, refusals included.
	 */
	async ask<T>(command: () => Promise<T>): Promise<T | typeof NOT_ASKED> {
		if (this.#closed) return NOT_ASKED;
		if (!this.client.isReady) {
			this.report(new Error('not connected to Redis'));
			return NOT_ASKED;
		}
		const probe = this.#outageSince !== null;
		if (probe && (this.#probing || performance.now() < this.#retryAt)) return NOT_ASKED;
		if (probe) this.#probing = true;
		let timer: ReturnType<typeof setTimeout> | undefined;
		try {
			const answer = await Promise.race([
				command(),
				new Promise<never>((_, reject) => {
					timer = setTimeout(
						() => reject(new Error(`Redis did not answer within ${REDIS_ANSWER_TIMEOUT_MS} ms`)),
						REDIS_ANSWER_TIMEOUT_MS
					);
				})
			]);
			this.#answered();
			return answer;
		} catch (error) {
			this.report(error);
			return NOT_ASKED;
		} finally {
			clearTimeout(timer);
			if (probe) this.#probing = false;
		}
	}

	/** Closes the connection at once: nothing waits to be written (a pending count is moot). */
	close(): void {
		if (this.#closed) return;
		this.#closed = true;
		if (this.client.isOpen) this.client.destroy();
	}

	/** A failure met while using Redis: starts an outage, said once in the log. */
	report(error: unknown): void {
		if (this.#closed) return;
		this.#retryAt = performance.now() + REDIS_RETRY_AFTER_MS;
		if (this.#outageSince !== null) return;
		this.#outageSince = performance.now();
		this.#log.warn(
			`Redis unavailable (${firstLine(error)}): each process counts the rate limits on its own, in memory, until Redis answers`
		);
	}

	#answered(): void {
		if (this.#outageSince === null || this.#closed) return;
		const seconds = ((performance.now() - this.#outageSince) / 1000).toFixed(1);
		this.#outageSince = null;
		this.#log.warn(`Redis answers again after ${seconds} s: the rate limits are shared again`);
	}
}

/**
 * Connects to Redis for the limits. Waits for the first connection for two seconds at most:
 * without Redis, Mend starts all the same, counting in memory (said in the log), and connects
 * once Redis answers.
 */
export async function connectRedis(
	config: RedisConfig,
	settings: { authSecret: string; log: Logger }
): Promise<SharedRedis> {
	const client = newClient(config.url);
	const redis = new SharedRedis(client, { keyPrefix: config.keyPrefix, ...settings });
	const connected = client.connect().then(
		() => true,
		() => false
	);
	const failedOnce = new Promise<false>((resolve) => client.once('error', () => resolve(false)));
	let timer: ReturnType<typeof setTimeout> | undefined;
	const waited = new Promise<false>((resolve) => {
		timer = setTimeout(() => resolve(false), FIRST_CONNECTION_WAIT_MS);
	});
	const up = await Promise.race([connected, failedOnce, waited]);
	clearTimeout(timer);
	if (up) settings.log.info('rate limits are counted in Redis, shared by every process');
	else redis.report(new Error(`no connection to Redis within ${FIRST_CONNECTION_WAIT_MS} ms`));
	return redis;
}
