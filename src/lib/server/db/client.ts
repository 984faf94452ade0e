import { mkdir } from 'node:fs/promises';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import type { DatabaseConfig } from '#server/config.ts';
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

export interface DatabaseHandle {
	db: Database;
	kind: DatabaseConfig['kind'];
	/** Applies every migration in `migrationsFolder` not yet applied. */
	migrate(migrationsFolder: string): Promise<void>;
	close(): Promise<void>;
}

/** Only the driver in use is loaded: PGlite alone weighs hundreds of megabytes once started. */
export async function openDatabase(config: DatabaseConfig): Promise<DatabaseHandle> {
	if (config.kind === 'postgres') {
		const [{ default: pg }, { drizzle: drizzlePg }, { migrate: migratePg }] = await Promise.all([
			import('pg'),
			import('drizzle-orm/node-postgres'),
			import('drizzle-orm/node-postgres/migrator')
		]);
		const pool = new pg.Pool({ connectionString: config.url, max: 10 });
		const db = drizzlePg({ client: pool, schema });
		return {
			db: db as unknown as Database,
			kind: config.kind,
			migrate: (migrationsFolder) => migratePg(db, { migrationsFolder }),
			close: () => pool.end()
		};
	}

	const [{ PGlite }, { drizzle: drizzlePglite }, { migrate: migratePglite }] = await Promise.all([
		import('@electric-sql/pglite'),
		import('drizzle-orm/pglite'),
		import('drizzle-orm/pglite/migrator')
	]);
	let client: InstanceType<typeof PGlite>;
	if (config.kind === 'pglite') {
		// PGlite's own mkdir is not recursive.
		await mkdir(config.dataDir, { recursive: true });
		client = await PGlite.create(config.dataDir);
	} else {
		client = await PGlite.create({ loadDataDir: config.loadDataDir });
	}
	const db = drizzlePglite({ client, schema });
	return {
		db: db as unknown as Database,
		kind: config.kind,
		migrate: (migrationsFolder) => migratePglite(db, { migrationsFolder }),
		close: () => client.close()
	};
}
