import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { boot } from '#server/boot.ts';
import { loadConfig } from '#server/config.ts';
import { SessionHost } from '#server/control/session-host.ts';
import { cases, meetings, parties } from '#lib/server/db/schema.ts';
import type { Deps } from '#lib/server/deps.ts';
import type { Logger } from '#lib/server/log.ts';
import type { ParticipantSeed } from '#lib/session/transition.ts';
import { createTestDatabase } from './database.ts';
import { addStaff, createProgram } from './fixtures.ts';
import { TEST_AUTH_SECRET } from './server.ts';

/**
 * The live session's host on a fresh database, without the web server or any socket: the real
 * SessionHost, with its log and snapshots, for tests of what is stored and how it loads. What
 * it logs is kept in `logged`.
 */
export interface BareHost {
	deps: Deps;
	logged: { level: keyof Logger; message: string; detail?: Record<string, unknown> }[];
	/** A new host on the same database: a process started again. */
	newHost(): SessionHost;
	close(): Promise<void>;
}

/** Nobody is listening: views and media assignments go nowhere. */
const NO_AUDIENCE = { sendView() {}, sendMedia() {}, disconnect() {} };

export async function openBareHost(): Promise<BareHost> {
	const database = await createTestDatabase();
	const logged: BareHost['logged'] = [];
	const keep = (level: keyof Logger) => (message: string, detail?: Record<string, unknown>) =>
		logged.push({ level, message, detail });
	const log: Logger = { debug() {}, info() {}, warn: keep('warn'), error: keep('error') };
	const config = {
		...loadConfig({
			NODE_ENV: 'test',
			HOST: '127.0.0.1',
			PORT: '0',
			AUTH_SECRET: TEST_AUTH_SECRET,
			SEED_DEMO: 'false'
		}),
		database: database.config
	};
	const booted = await boot(config, { log });
	const { deps } = booted;
	return {
		deps,
		logged,
		newHost: () => new SessionHost(deps, deps.media, NO_AUDIENCE),
		close: async () => {
			await booted.close();
			await database.drop();
		}
	};
}

export interface MeetingRecord {
	meetingId: string;
	caseId: string;
	programId: string;
}

/** A joint meeting of a new case (with the id given, as a stored log names its meeting). */
export async function createMeetingRecord(
	deps: Deps,
	options: { meetingId?: string; firstSpeaker?: 'victim' | 'offender' } = {}
): Promise<MeetingRecord> {
	const program = await createProgram(deps);
	const [record] = await deps.db
		.insert(cases)
		.values({
			programId: program.id,
			reference: `LOG-${randomBytes(4).toString('hex')}`,
			referralSource: 'probation',
			referralStage: 'diversion',
			offenseCategory: 'property',
			description: 'Window broken, phone taken from the car.',
			offenderIsJuvenile: true,
			status: 'in_progress'
		})
		.returning();
	const [meeting] = await deps.db
		.insert(meetings)
		.values({
			...(options.meetingId ? { id: options.meetingId } : {}),
			caseId: record!.id,
			kind: 'joint',
			scheduledAt: new Date(),
			durationMinutes: 90,
			status: 'scheduled',
			firstSpeaker: options.firstSpeaker ?? 'victim'
		})
		.returning();
	return { meetingId: meeting!.id, caseId: record!.id, programId: program.id };
}

/**
 * The people of a meeting, as the case records hold them: two mediators (staff accounts), the
 * victim with a support person, the offender with a guardian.
 */
export async function createCast(deps: Deps, record: MeetingRecord): Promise<ParticipantSeed[]> {
	const mediators = await Promise.all(
		['Dana Mediator', 'Lee Comediator'].map((name) =>
			addStaff(deps, record.programId, 'mediator', name)
		)
	);
	const party = async (role: 'victim' | 'support' | 'offender' | 'guardian', side?: string) => {
		const [row] = await deps.db
			.insert(parties)
			.values({
				caseId: record.caseId,
				role,
				displayName: `${role} of ${record.caseId.slice(0, 4)}`,
				accompaniesPartyId: side
			})
			.returning();
		return { id: row!.id, role, name: row!.displayName, side: side ?? row!.id };
	};
	const victim = await party('victim');
	const offender = await party('offender');
	return [
		...mediators.map((m) => ({
			id: `staff:${m.userId}`,
			role: 'mediator' as const,
			name: m.name,
			side: null
		})),
		victim,
		await party('support', victim.id),
		offender,
		await party('guardian', offender.id)
	];
}

/** Rows of `session_events` as the code before rules versions wrote them: seven columns. */
export interface StoredRow {
	meeting_id: string;
	seq: number;
	at: string;
	actor: string;
	command: Record<string, unknown>;
	prev_hash: string | null;
	hash: string;
}

export async function storeRows(deps: Deps, rows: StoredRow[]): Promise<void> {
	for (const row of rows)
		await deps.db.execute(sql`
			insert into session_events (meeting_id, seq, at, actor, command, prev_hash, hash)
			values (${row.meeting_id}, ${row.seq}, ${row.at}, ${row.actor},
				${JSON.stringify(row.command)}::jsonb, ${row.prev_hash}, ${row.hash})`);
}
