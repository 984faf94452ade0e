/**
 * Seeding for `npm run bench:control`: a fresh PostgreSQL database holding one program and one
 * staff mediator (`prepareBenchDatabase`), then, before each round, `count` new cases
 * (`seedSessions`), each with a victim, a juvenile offender and the offender's guardian, a
 * scheduled joint meeting, an active invitation per party and an open party session per
 * invitation — the rows a party's browser holds after opening its link. Written
 * straight into the database (Mend's own schema, staff-account and token modules) before the
 * server starts, because driving 1000 referrals through the forms would take longer than the
 * benchmark itself.
 */
import { randomUUID } from 'node:crypto';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import type { Database } from '#lib/server/db/client.ts';
import * as schema from '#lib/server/db/schema.ts';
import { partyCookieName } from '#lib/server/invitations/party-sessions.ts';
import { hashToken, newToken } from '#lib/server/tokens.ts';
import { createBenchProgram, MIGRATIONS_FOLDER, type BenchProgram } from './bench-database.ts';

const DAY_MS = 24 * 60 * 60_000;
/** Rows per INSERT: well under PostgreSQL's 65535 parameters for the widest table here. */
const CHUNK = 1000;

export type BenchPartyRole = 'victim' | 'offender' | 'guardian';

export interface SeededSession {
	meetingId: string;
	/** Each party's id and the Cookie header their browser would send. */
	parties: Record<BenchPartyRole, { id: string; cookie: string }>;
}

async function insertChunked<T>(rows: T[], insert: (chunk: T[]) => Promise<unknown>) {
	for (let i = 0; i < rows.length; i += CHUNK) await insert(rows.slice(i, i + CHUNK));
}

/** Migrates the database at `url` (as the server would at boot); adds the program and mediator. */
export async function prepareBenchDatabase(url: string): Promise<BenchProgram> {
	const pool = new pg.Pool({ connectionString: url, max: 1 });
	try {
		const raw = drizzle({ client: pool, schema });
		await migrate(raw, { migrationsFolder: MIGRATIONS_FOLDER });
		const db = raw as unknown as Database;
		return await createBenchProgram(db);
	} finally {
		await pool.end();
	}
}

/** `count` new joint sessions, never started, their mediator the program's one mediator. */
export async function seedSessions(
	url: string,
	program: BenchProgram,
	count: number
): Promise<SeededSession[]> {
	const pool = new pg.Pool({ connectionString: url, max: 1 });
	try {
		const db = drizzle({ client: pool, schema }) as unknown as Database;
		const userId = program.mediatorUserId;
		const now = Date.now();
		const expiresAt = new Date(now + 7 * DAY_MS);
		const caseRows: (typeof schema.cases.$inferInsert)[] = [];
		const partyRows: (typeof schema.parties.$inferInsert)[] = [];
		const meetingRows: (typeof schema.meetings.$inferInsert)[] = [];
		const invitationRows: (typeof schema.invitations.$inferInsert)[] = [];
		const partySessionRows: (typeof schema.partySessions.$inferInsert)[] = [];
		const sessions: SeededSession[] = [];

		for (let i = 0; i < count; i++) {
			const caseId = randomUUID();
			const meetingId = randomUUID();
			caseRows.push({
				id: caseId,
				programId: program.programId,
				reference: `BENCH-${caseId}`,
				referralSource: 'probation',
				referralStage: 'diversion',
				offenseCategory: 'property',
				description: 'Benchmark case: window broken, phone taken from the car.',
				offenderIsJuvenile: true,
				status: 'in_progress',
				mediatorUserId: userId,
				createdByUserId: userId,
				gateOverriddenAt: new Date(now),
				gateOverrideReason: 'benchmark: preparation is not what is measured'
			});
			meetingRows.push({
				id: meetingId,
				caseId,
				kind: 'joint',
				scheduledAt: new Date(now + DAY_MS),
				durationMinutes: 90,
				status: 'scheduled'
			});
			const ids = { victim: randomUUID(), offender: randomUUID(), guardian: randomUUID() };
			partyRows.push(
				{ id: ids.victim, caseId, role: 'victim', displayName: `Victim ${i + 1}` },
				{ id: ids.offender, caseId, role: 'offender', displayName: `Offender ${i + 1}` },
				{
					id: ids.guardian,
					caseId,
					role: 'guardian',
					displayName: `Guardian ${i + 1}`,
					accompaniesPartyId: ids.offender
				}
			);
			const parties = {} as SeededSession['parties'];
			for (const role of ['victim', 'offender', 'guardian'] as const) {
				const invitationId = randomUUID();
				invitationRows.push({
					id: invitationId,
					meetingId,
					partyId: ids[role],
					tokenHash: hashToken(newToken()),
					expiresAt,
					createdByUserId: userId
				});
				const token = newToken();
				partySessionRows.push({ invitationId, tokenHash: hashToken(token), expiresAt });
				parties[role] = { id: ids[role], cookie: `${partyCookieName(meetingId)}=${token}` };
			}
			sessions.push({ meetingId, parties });
		}

		// Guardians name the offender they accompany: principals go in first.
		const principals = partyRows.filter((p) => !p.accompaniesPartyId);
		const companions = partyRows.filter((p) => p.accompaniesPartyId);
		await insertChunked(caseRows, (c) => db.insert(schema.cases).values(c));
		await insertChunked(principals, (c) => db.insert(schema.parties).values(c));
		await insertChunked(companions, (c) => db.insert(schema.parties).values(c));
		await insertChunked(meetingRows, (c) => db.insert(schema.meetings).values(c));
		await insertChunked(invitationRows, (c) => db.insert(schema.invitations).values(c));
		await insertChunked(partySessionRows, (c) => db.insert(schema.partySessions).values(c));
		await pool.query('analyze');
		return sessions;
	} finally {
		await pool.end();
	}
}
