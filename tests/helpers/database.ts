import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { inject } from 'vitest';
import type { DatabaseConfig } from '#server/config.ts';
import { testEnv } from './env.ts';

export interface TestDatabase {
	config: DatabaseConfig;
	/** Drops it (PostgreSQL); PGlite in memory goes with its instance. */
	drop(): Promise<void>;
}

/**
 * A fresh, empty-but-migrated database for one test: an in-memory PGlite copied from the run's
 * template, or a new database on the PostgreSQL server of DATABASE_URL.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
	if (!testEnv.databaseUrl) {
		const tar = await readFile(inject('pgliteTemplate'));
		return {
			config: { kind: 'pglite-memory', loadDataDir: new Blob([tar]) },
			drop: async () => {}
		};
	}
	return createPostgresDatabase(testEnv.databaseUrl);
}

/** A fresh, empty database on the PostgreSQL server of `serverUrl` (migrated when Mend starts). */
export async function createPostgresDatabase(serverUrl: string): Promise<TestDatabase> {
	const base = new URL(serverUrl);
	const name = `${base.pathname.slice(1) || 'mend'}_t${randomBytes(5).toString('hex')}`;
	const admin = new pg.Client({ connectionString: base.href });
	await admin.connect();
	await admin.query(`create database "${name}"`);
	await admin.end();
	const url = new URL(base.href);
	url.pathname = `/${name}`;
	return {
		config: { kind: 'postgres', url: url.href },
		drop: async () => {
			const client = new pg.Client({ connectionString: base.href });
			await client.connect();
			// node-postgres' pool says it has ended once its connections are asked to close, not
			// once they are closed: forcing them shut meanwhile fails them with "terminating
			// connection" (an uncaught error in the server under test). Let them go first.
			for (let tries = 0; tries < 100; tries++) {
				const { rows } = await client.query<{ open: number }>(
					'select count(*)::int as open from pg_stat_activity where datname = $1',
					[name]
				);
				if (rows[0]!.open === 0) break;
				await new Promise((resolve) => setTimeout(resolve, 20));
			}
			await client.query(`drop database if exists "${name}" with (force)`);
			await client.end();
		}
	};
}
