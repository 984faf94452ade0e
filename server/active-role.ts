import pg from 'pg';
import { LOCK_KEYS, LOCK_SPACE, PROCESS_LOCK_SPACE } from '#lib/server/db/advisory-locks.ts';
import { describeDatabaseError } from '#lib/server/db/connection-errors.ts';
import type { Logger } from '#lib/server/log.ts';
import type { DatabaseConfig } from './config.ts';

/**
 * Who serves a deployment on PostgreSQL. Alone (no REDIS_URL): one process serves at a time;
 * any others stand by and take over when it stops. In a cluster (REDIS_URL too): every process
 * serves, each case's live sessions and documents held by one of them (server/cluster/). The
 * two never mix: the role is one advisory lock, held exclusively by a process alone and shared
 * by the processes of a cluster — a process started without Redis beside a cluster stands by
 * until the cluster is gone, and a clustered one beside a process alone waits for it.
 *
 * The role is held by a connection of its own: PostgreSQL lets it go the moment that
 * connection ends — the process stopped, was killed, or its machine is gone (found by
 * keepalives, below) — and a standby takes it at its next try. A clustered process also holds
 * a lock of its own on that connection, which says to the others that it is alive. Whatever
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
	 * Between a standby's tries for the role. Tries, not a wait in PostgreSQL's queue: a process
	 * waiting there for the exclusive role would keep a cluster's new processes from sharing it.
	 */
	standbyPollMs: 200,
	/**
	 * PostgreSQL's keepalives on the role's connection (seconds): a machine that vanished
	 * without closing it lets the role go after about idle + interval × count, not hours.
	 */
	keepalivesIdleS: 5,
	keepalivesIntervalS: 2,
	keepalivesCount: 3
} as const;

export interface ActiveRole {
	/** In a cluster: this process's row in `cluster_processes`, alive while the role is held. */
	processId: number | null;
	/**
	 * In a cluster, once the role's connection was lost and taken again: whether this process
	 * may go on serving what it held (no other took a case of it meanwhile). False: it stops.
	 */
	onResume: () => Promise<boolean>;
	/** Gives the role up (the process is stopping): a standby takes over at once. */
	release(): Promise<void>;
}

export interface RoleOptions {
	/** Serve beside other processes (REDIS_URL): the role shared, and a row in the cluster. */
	cluster?: { name: string };
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
	lost: () => void,
	options: RoleOptions = {}
): Promise<ActiveRole> {
	const role: ActiveRole = {
		processId: null,
		onResume: async () => true,
		release: async () => {}
	};
	if (database.kind !== 'postgres') return role;
	const url = database.url;
	const cluster = options.cluster;
	let client: pg.Client | null = null;
	let stopping = false;
	const tryRole = cluster
		? 'select pg_try_advisory_lock_shared($1, $2) as got'
		: 'select pg_try_advisory_lock($1, $2) as got';

	/** Takes the role on a new connection: waiting for it, or only if it is free. */
	const take = async (wait: boolean): Promise<boolean> => {
		const next = await connect(url);
		try {
			let said = false;
			for (;;) {
				const [row] = (await next.query(tryRole, LOCK_ARGS)).rows as { got: boolean }[];
				if (row?.got) break;
				if (!wait) {
					await next.end();
					return false;
				}
				if (!said)
					log.warn(
						cluster
							? 'A Mend process without REDIS_URL serves this database: this one stands by, and joins the cluster when it stops (DEPLOYING.md)'
							: 'Another Mend process serves this database: this one stands by, and takes over when it stops (DEPLOYING.md)'
					);
				said = true;
				await pause(ACTIVE_ROLE_TIMINGS.standbyPollMs);
			}
			if (cluster) {
				// The first time, a row of its own; again after a lost connection, the same one.
				if (role.processId === null) {
					const [row] = (
						await next.query(
							`insert into cluster_processes (name, address) values ($1, '') returning id`,
							[cluster.name]
						)
					).rows as { id: number }[];
					role.processId = row!.id;
				}
				// Waits only for a process that is checking, this very moment, whether it is alive.
				await next.query('select pg_advisory_lock($1, $2)', [PROCESS_LOCK_SPACE, role.processId]);
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
					// Meanwhile another process may have taken a case this one still holds.
					if (!(await role.onResume())) {
						log.error(
							'active role: another process took cases this one held while it was cut off; this one stops'
						);
						lost();
						return;
					}
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
	log.info(
		cluster
			? `This process serves the deployment with any others (cluster process ${role.processId})`
			: 'This process serves the deployment'
	);
	role.release = async () => {
		stopping = true;
		const holding = client as pg.Client | null;
		client = null;
		await holding?.end().catch(() => {});
	};
	return role;
}
