import type pg from 'pg';
import type { Logger } from '../log.ts';
import { DatabaseAvailability } from './availability.ts';
import { describeDatabaseError, isConnectionError } from './connection-errors.ts';

/**
 * How long the pool waits, at most: for a connection (to be made, or to be free) and for an
 * answer. A request meets an unreachable database as an error within seconds, not a hang; a
 * statement that hangs on a half-dead connection (no RST, a network that went away) is given
 * up, and its connection with it. Keepalive finds such a connection while it is idle.
 */
export const POOL_TIMINGS = {
	connectMs: 5_000,
	queryMs: 30_000,
	keepAliveAfterMs: 10_000
} as const;

/** A read is a statement that changes nothing: one that starts with SELECT (no CTE, no lock). */
const READ = /^\s*select\b(?![\s\S]*\bfor\s+(update|share|no\s+key|key)\b)/i;

type QueryArgs = [text: string | pg.QueryConfig, values?: unknown[]];

/**
 * The PostgreSQL pool, made to ride through lost connections:
 * - a connection lost while idle in the pool, or while someone holds it (a transaction), is an
 *   `error` event that would otherwise end the process: each is reported, the pool drops it and
 *   makes a new one when needed;
 * - a read whose connection was lost under it is made once more, once a fresh connection has
 *   worked (it changed nothing, so nothing is done twice); when none does, it fails at once
 *   (the page answers 503). Writes are not: the caller learns it failed and
 *   the person tries again (the append-only logs make their own writes again, log-writer.ts);
 * - every such failure is reported to `availability`, which says so in the log and watches for
 *   the database to come back.
 */
export function createResilientPool(
	Pool: typeof pg.Pool,
	Client: typeof pg.Client,
	url: string,
	log: Logger
): { pool: pg.Pool; availability: DatabaseAvailability } {
	const pool = new Pool({
		connectionString: url,
		max: 10,
		connectionTimeoutMillis: POOL_TIMINGS.connectMs,
		query_timeout: POOL_TIMINGS.queryMs,
		keepAlive: true,
		keepAliveInitialDelayMillis: POOL_TIMINGS.keepAliveAfterMs
	});
	const availability = new DatabaseAvailability({
		log,
		// A fresh connection, not the pool's: the pool may be full of connections still waiting.
		reconnect: async () => {
			const client = new Client({
				connectionString: url,
				connectionTimeoutMillis: POOL_TIMINGS.connectMs,
				query_timeout: POOL_TIMINGS.connectMs
			});
			client.on('error', () => {});
			try {
				await client.connect();
				await client.query('select 1');
			} finally {
				await client.end().catch(() => {});
			}
		},
		ping: async () => {
			await pool.query('select 1');
		}
	});

	// An idle connection the server closed (the pool removes it itself).
	pool.on('error', (error) => {
		log.debug('database: an idle connection was lost', { error: describeDatabaseError(error) });
		availability.report(error);
	});
	// A connection lost while checked out: its statement fails, its holder releases it, and the
	// pool, seeing it unusable, drops it. Without a listener the event would end the process.
	pool.on('connect', (client) => {
		client.on('error', (error) => availability.report(error));
	});

	const query = pool.query.bind(pool) as (...args: QueryArgs) => Promise<pg.QueryResult>;
	const resilient = async (...args: QueryArgs): Promise<pg.QueryResult> => {
		try {
			return await query(...args);
		} catch (error) {
			if (!isConnectionError(error)) throw error;
			availability.report(error);
			const text = typeof args[0] === 'string' ? args[0] : args[0].text;
			if (!READ.test(text) || !(await availability.reconnects())) throw error;
			return query(...args);
		}
	};
	pool.query = resilient as unknown as typeof pool.query;
	return { pool, availability };
}
