import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { createClient } from 'redis';
import { testEnv } from './env.ts';

/*
 * Redis for the tests of limits shared by several processes: they need a real one whichever
 * database and Redis the run uses (testEnv.redisServerUrl).
 */

/** A client of its own, for a test to look into Redis; `close` it. */
export async function testRedisClient(url = testEnv.redisServerUrl) {
	const client = createClient({ url, socket: { connectTimeout: 3_000, reconnectStrategy: false } });
	client.on('error', () => {});
	await client.connect();
	return client;
}

/**
 * Whether a test that needs Redis can run. Without it the test is skipped, and says so loudly —
 * except in CI, where a missing Redis fails the run instead of hiding a test that did not run.
 */
export async function redisFor(): Promise<boolean> {
	let missing: string | null = null;
	try {
		const client = await testRedisClient();
		await client.ping();
		client.destroy();
	} catch {
		missing = `no Redis answers at ${testEnv.redisServerUrl}: start one or set REDIS_URL`;
	}
	if (!missing) return true;
	if (testEnv.inCi) throw new Error(`This test needs Redis: ${missing}`);
	console.warn(`\n  ⚠ SKIPPED: this test needs Redis — ${missing}\n`);
	return false;
}

/** A key prefix (REDIS_KEY_PREFIX) for one test server: the run's, and a part of its own. */
export const testRedisPrefix = (): string =>
	`${testEnv.redisKeyPrefix}-${randomBytes(5).toString('hex')}`;

/** Deletes every key under `prefix` (they would expire within the hour anyway). */
export async function forgetRedisKeys(prefix: string, url = testEnv.redisServerUrl): Promise<void> {
	const client = await testRedisClient(url);
	try {
		for await (const keys of client.scanIterator({ MATCH: `${prefix}:*`, COUNT: 500 }))
			if (keys.length) await client.unlink(keys);
	} finally {
		client.destroy();
	}
}

/**
 * A TCP proxy to Redis on a port of its own, to make Redis, as a client sees it, stop answering
 * (`freeze`: what is sent waits in the proxy) or go away (`cut`: connections closed, new ones
 * refused) — and come back.
 */
export class RedisProxy {
	readonly #target: URL;
	readonly #server = net.createServer((socket) => this.#accept(socket));
	#port = 0;
	readonly #sockets = new Set<net.Socket>();
	#frozen = false;
	readonly #held: Array<() => void> = [];

	private constructor(target: URL) {
		this.#target = target;
	}

	/** Where clients reach Redis through the proxy (with the same credentials and database). */
	get url(): string {
		const url = new URL(this.#target);
		url.hostname = '127.0.0.1';
		url.port = String(this.#port);
		return url.href;
	}

	static async start(url = testEnv.redisServerUrl): Promise<RedisProxy> {
		const proxy = new RedisProxy(new URL(url));
		await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
		proxy.#port = (proxy.#server.address() as net.AddressInfo).port;
		return proxy;
	}

	#accept(client: net.Socket): void {
		const upstream = net.connect({
			host: this.#target.hostname,
			port: Number(this.#target.port || 6379)
		});
		for (const socket of [client, upstream]) {
			this.#sockets.add(socket);
			socket.on('error', () => {});
			socket.on('close', () => {
				this.#sockets.delete(socket);
				client.destroy();
				upstream.destroy();
			});
		}
		const forward = (from: net.Socket, to: net.Socket) =>
			from.on('data', (chunk) => {
				if (this.#frozen) this.#held.push(() => to.write(chunk));
				else to.write(chunk);
			});
		forward(client, upstream);
		forward(upstream, client);
	}

	/** Redis stops answering: connections stay open, what is sent is held. */
	freeze(): void {
		this.#frozen = true;
	}

	/** Redis answers again, what was held first. */
	thaw(): void {
		this.#frozen = false;
		for (const send of this.#held.splice(0)) send();
	}

	/** Redis goes away: every connection is closed, and new ones are refused. */
	async cut(): Promise<void> {
		const closed = new Promise((resolve) => this.#server.close(resolve));
		for (const socket of this.#sockets) socket.destroy();
		await closed;
	}

	/** Redis is back on the same port. */
	async restore(): Promise<void> {
		await new Promise<void>((resolve) => this.#server.listen(this.#port, '127.0.0.1', resolve));
	}

	async close(): Promise<void> {
		this.#held.splice(0);
		const closed = new Promise((resolve) => this.#server.close(resolve));
		for (const socket of this.#sockets) socket.destroy();
		await closed;
	}
}
