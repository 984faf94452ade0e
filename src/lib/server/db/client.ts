import { mkdir } from 'node:fs/promises';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import type { DatabaseConfig } from '#server/config.ts';
import type { Logger } from '../log.ts';
import { alwaysAvailable, type DatabaseAvailability } from './availability.ts';
import { LOCK_KEYS, LOCK_SPACE } from './advisory-locks.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { createLogWriter, type LogWriter, type Query } from './log-writer.ts';
import { createResilientPool } from './postgres-pool.ts';
import * as schema from './schema.ts';

export type Schema = typeof schema;

/** The one type the rest of the code sees, whichever engine is behind it. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Transaction = PgTransaction<
	PgQueryResultHKT,
	Schema,
	ExtractTablesWithRelations<Schema>
>;
/** Use cases accept either, so that callers can compose them inside one transaction. */
export type Executor = Database | Transaction;

export { insertStatement, type LogTable, type LogWriter } from './log-writer.ts';

export interface DatabaseHandle {
	db: Database;
	kind: DatabaseConfig['kind'];
	log: LogWriter;
	/** Whether the database answers; a lost connection is reported here and watched. */
	availability: DatabaseAvailability;
	/** Applies every migration in `migrationsFolder` not yet applied. */
	migrate(migrationsFolder: string): Promise<void>;
	close(): Promise<void>;
}

/** Only the driver in use is loaded: PGlite alone weighs hundreds of megabytes once started. */
export async function openDatabase(
	config: DatabaseConfig,
	log: Logger = silent
): Promise<DatabaseHandle> {
	if (config.kind === 'postgres') {
		const [{ default: pg }, { drizzle: drizzlePg }, { migrate: migratePg }] = await Promise.all([
			import('pg'),
			import('drizzle-orm/node-postgres'),
			import('drizzle-orm/node-postgres/migrator')
		]);
		const { pool, availability } = createResilientPool(pg.Pool, pg.Client, config.url, log);
		const db = drizzlePg({ client: pool, schema });
		return {
			db: db as unknown as Database,
			kind: config.kind,
			log: createLogWriter(pool.query.bind(pool) as Query, availability, log, 4),
			availability,
			// Under a lock, on a connection of its own (the lock lasts as long as it): processes
			// starting together on an empty database would otherwise both create the same tables,
			// and all but one fail. The next finds them applied and has nothing to do.
			migrate: async (migrationsFolder) => {
				const client = new pg.Client({ connectionString: config.url });
				client.on('error', (error) => availability.report(error));
				await client.connect();
				try {
					await client.query('select pg_advisory_lock($1, $2)', [LOCK_SPACE, LOCK_KEYS.migrations]);
					await migratePg(drizzlePg({ client, schema }), { migrationsFolder });
				} finally {
					await client.end().catch(() => {});
				}
			},
			close: async () => {
				availability.close();
				await pool.end();
			}
		};
	}

	const [{ PGlite }, { drizzle: drizzlePglite }, { migrate: migratePglite }] = await Promise.all([
		import('@electric-sql/pglite'),
		import('drizzle-orm/pglite'),
		import('drizzle-orm/pglite/migrator')
	]);
	let client: InstanceType<typeof PGlite>;
	let unlock = () => {};
	if (config.kind === 'pglite') {
		// PGlite's own mkdir is not recursive.
		await mkdir(config.dataDir, { recursive: true });
		// One process per folder: a second one is refused here, before it touches a file.
		unlock = lockDataDir(config.dataDir);
		try {
			client = await PGlite.create(config.dataDir);
		} catch (error) {
			unlock();
			throw error;
		}
	} else {
		client = await PGlite.create({ loadDataDir: config.loadDataDir });
	}
	const db = drizzlePglite({ client, schema });
	const availability = alwaysAvailable(async () => {
		await client.query('select 1');
	}, log);
	return {
		db: db as unknown as Database,
		kind: config.kind,
		// One connection: PGlite serialises everything anyway.
		log: createLogWriter(
			(text, params) => client.query(text, params) as ReturnType<Query>,
			availability,
			log,
			1
		),
		availability,
		migrate: (migrationsFolder) => migratePglite(db, { migrationsFolder }),
		close: async () => {
			availability.close();
			await client.close();
			unlock();
		}
	};
}

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };
