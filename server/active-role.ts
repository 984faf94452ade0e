import pg from 'pg';
import { LOCK_KEYS, LOCK_SPACE } from '#lib/server/db/advisory-locks.ts';
import { describeDatabaseError } from '#lib/server/db/connection-errors.ts';
import type { Logger } from '#lib/server/log.ts';
import type { DatabaseConfig } from './config.ts';

/**
 * One Mend process serves a deployment at a time; any others on the same PostgreSQL database
 * stand by and take over when it stops. (Sessions and documents live in the memory of the
 * process that serves them; until connections are routed to their owner across processes,
 * two serving side by side would take the same meeting from each other at every connection.)
 *
 * The role is a PostgreSQL advisory lock held by a connection of its own: PostgreSQL lets it
 * go the moment that connection ends — the process stopped, was killed, or its machine is
 * gone (found by keepalives, below) — and the first standby waiting for it gets it. Whatever
 * the old process still held in memory it can no longer write: every write is fenced by the
 * epoch of what it loaded (src/lib/server/db/ownership.ts), and the new one raises each epoch
 * as it loads.
 *
 * The embedded database needs none of this: its folder is locked (data-dir-lock.ts).
 */

/** Timings of the role's connection. */
export const ACTIVE_ROLE_TIMINGS = {
	/** Between attempts to reach the database, while it does not answer. */
	retryMs: 1_000,
	/**
	 * PostgreSQL's keepalives on the role's connection (seconds): a machine that vanished
	 * without closing it lets the role go after about idle + interval × count, not hours.
	 */
	keepalivesIdleS: 5,
	keepalivesIntervalS: 2,
	keepalivesCount: 3
} as const;

export interface ActiveRole {
	/** Gives the role up (the process is stopping): a standby takes over at once. */
	release(): Promise<void>;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function connect(url: string): Promise<pg.Client> {
	const client = new pg.Client({ connectionString: url, keepAlive: true });
	// Reported where it is used (the role's loss); without a listener it would end the process.
	client.on('error', () => {});
	await client.connect();
	const { keepalivesIdleS, keepalivesIntervalS, keepalivesCount } = ACTIVE_ROLE_TIMINGS;
	await client.query(
		`set tcp_keepalives_idle = ${keepalivesIdleS}; set tcp_keepalives_interval = ${keepalivesIntervalS}; set tcp_keepalives_count = ${keepalivesCount}`
	);
	return client;
}

const LOCK_ARGS = [LOCK_SPACE, LOCK_KEYS.active];

/**
 * Waits until this process serves the deployment: at once when no other does, otherwise when
 * the one that does stops. `lost` is called if the role is lost later and another process has
 * taken it (this one must stop serving at once); while the database does not answer, the
 * process goes on serving what it holds, and takes the role again when it answers.
 */
export async function takeActiveRole(
	database: DatabaseConfig,
	log: Logger,
	lost: () => void
): Promise<ActiveRole> {
	if (database.kind !== 'postgres') return { release: async () => {} };
	const url = database.url;
	let client: pg.Client | null = null;
	let stopping = false;

	/** Takes the role on a new connection: waiting for it, or only if it is free. */
	const take = async (wait: boolean): Promise<boolean> => {
		const next = await connect(url);
		try {
			const [row] = (await next.query('select pg_try_advisory_lock($1, $2) as got', LOCK_ARGS))
				.rows as { got: boolean }[];
			if (!row?.got) {
				if (!wait) {
					await next.end();
					return false;
				}
				log.warn(
					'Another Mend process serves this database: this one stands by, and takes over when it stops (DEPLOYING.md)'
				);
				await next.query('select pg_advisory_lock($1, $2)', LOCK_ARGS);
			}
		} catch (error) {
			await next.end().catch(() => {});
			throw error;
		}
		client = next;
		next.once('end', () => {
			if (client === next && !stopping) void keep();
		});
		return true;
	};

	/** The role's connection ended: taken again, unless another process has it now. */
	const keep = async () => {
		client = null;
		log.warn('active role: its database connection ended; taking it again');
		for (;;) {
			try {
				if (await take(false)) {
					log.info('active role: this process serves the deployment again');
					return;
				}
				log.error('active role: another Mend process serves this database now; this one stops');
				lost();
				return;
			} catch (error) {
				log.debug('active role: the database does not answer', {
					error: describeDatabaseError(error)
				});
				await pause(ACTIVE_ROLE_TIMINGS.retryMs);
				if (stopping) return;
			}
		}
	};

	for (;;) {
		try {
			await take(true);
			break;
		} catch (error) {
			log.warn('active role: the database does not answer; trying again', {
				error: describeDatabaseError(error)
			});
			await pause(ACTIVE_ROLE_TIMINGS.retryMs);
		}
	}
	log.info('This process serves the deployment');
	return {
		release: async () => {
			stopping = true;
			const holding = client as pg.Client | null;
			client = null;
			await holding?.end().catch(() => {});
		}
	};
}
