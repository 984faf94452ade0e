/**
 * The database side the benches share: a fresh PostgreSQL database per run, and the program
 * and staff mediator every bench's cases belong to.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Database } from '#lib/server/db/client.ts';
import * as schema from '#lib/server/db/schema.ts';
import { createStaffAccount } from '#lib/server/staff/create-staff-account.ts';

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

export interface BenchDatabase {
	name: string;
	url: string;
	drop(): Promise<void>;
}

/**
 * A new, empty database `mend_bench_<bench>_…` on the server of `adminUrl`; `drop` removes it
 * (idempotent).
 */
export async function createBenchDatabase(adminUrl: string, bench: string): Promise<BenchDatabase> {
	const name = `mend_bench_${bench}_${randomBytes(4).toString('hex')}`;
	const admin = new pg.Client({ connectionString: adminUrl });
	await admin.connect();
	try {
		await admin.query(`create database "${name}"`);
	} finally {
		await admin.end();
	}
	const url = new URL(adminUrl);
	url.pathname = `/${name}`;
	let dropped = false;
	return {
		name,
		url: url.href,
		drop: async () => {
			if (dropped) return;
			dropped = true;
			const client = new pg.Client({ connectionString: adminUrl });
			await client.connect();
			try {
				await client.query(`drop database if exists "${name}" with (force)`);
			} finally {
				await client.end();
			}
		}
	};
}

export interface BenchProgram {
	programId: string;
	mediatorUserId: string;
	login: { email: string; password: string };
}

/** The bench's program and its one staff mediator, who signs in with `login`. */
export async function createBenchProgram(db: Database): Promise<BenchProgram> {
	const [program] = await db
		.insert(schema.programs)
		.values({
			slug: 'bench',
			name: 'Benchmark Program',
			timeZone: 'America/Chicago',
			currency: 'USD',
			contactEmail: 'office@bench.example',
			contactPhone: '+1 555 0100',
			// The benches measure live sessions, not preparation: each case carries an override.
			readinessGate: 'overridable'
		})
		.returning();
	const login = { email: 'mediator@bench.example', password: 'bench-mediator-password' };
	const { userId } = await createStaffAccount(db, {
		programId: program!.id,
		name: 'Bench Mediator',
		email: login.email,
		role: 'mediator',
		password: login.password
	});
	return { programId: program!.id, mediatorUserId: userId, login };
}
