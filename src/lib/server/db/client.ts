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

/**
 * Writes to the append-only logs (live-session events, agreement updates): many small rows,
 * on the hot path of every live interaction. A plain multi-row INSERT, without the ORM: the
 * callers batch, so one commit (and one disk flush) carries every row of a tick. Commits stay
 * synchronous — a separation a party was told about must survive a crash of PostgreSQL too.
 */
export type LogTable = 'session_events' | 'collab_updates';

export interface LogWriter {
	append(table: LogTable, columns: readonly string[], rows: unknown[][]): Promise<void>;
	/** How many appends may be in flight at once (one connection each). */
	readonly parallelism: number;
}

/** PostgreSQL allows 65,535 parameters per statement. */
const MAX_PARAMETERS = 60_000;

const statements = new Map<string, string>();

/** The INSERT of `rows` rows (kept: the same few sizes come back all the time). */
export function insertStatement(table: string, columns: readonly string[], rows: number): string {
	const key = `${table}:${columns.join(',')}:${rows}`;
	let statement = statements.get(key);
	if (!statement) {
		statement = buildInsert(table, columns, rows);
		if (rows <= 256) statements.set(key, statement);
	}
	return statement;
}

function buildInsert(table: string, columns: readonly string[], rows: number): string {
	const placeholders = Array.from(
		{ length: rows },
		(_, r) => `(${columns.map((_, c) => `$${r * columns.length + c + 1}`).join(',')})`
	);
	return `insert into "${table}" (${columns.map((c) => `"${c}"`).join(',')}) values ${placeholders.join(',')}`;
}

export interface DatabaseHandle {
	db: Database;
	kind: DatabaseConfig['kind'];
	log: LogWriter;
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
		const log: LogWriter = {
			parallelism: 4,
			async append(table, columns, rows) {
				if (rows.length * columns.length > MAX_PARAMETERS) throw new RangeError('batch too large');
				await pool.query(insertStatement(table, columns, rows.length), rows.flat());
			}
		};
		return {
			db: db as unknown as Database,
			kind: config.kind,
			log,
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
	const log: LogWriter = {
		// One connection: PGlite serialises everything anyway.
		parallelism: 1,
		async append(table, columns, rows) {
			await client.query(insertStatement(table, columns, rows.length), rows.flat());
		}
	};
	return {
		db: db as unknown as Database,
		kind: config.kind,
		log,
		migrate: (migrationsFolder) => migratePglite(db, { migrationsFolder }),
		close: () => client.close()
	};
}
