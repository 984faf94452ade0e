/**
 * Seeding for `npm run bench:collab`: `count` cases, each with a victim and an adult offender,
 * a scheduled joint meeting, an active invitation and an open party session per party (the
 * rows a party's browser holds after opening its link), and the agreement the meeting drafts —
 * made by Mend's own `ensureAgreementForMeeting`, as the mediator's move to the drafting step
 * makes it (an empty version 1 with its structure). One program and one mediator, who
 * mediates every case. The readiness gate before a joint session (screening, consent,
 * preparation) is not what this measures: the program lets a coordinator override it, and each
 * case carries that override. Written straight into the database (PostgreSQL or a PGlite data
 * directory, through Mend's own database module and migrations) before the server starts.
 */
import { randomUUID } from 'node:crypto';
import { agreementDocName } from '#lib/protocol/collab.ts';
import { ensureAgreementForMeeting } from '#lib/server/agreements/ensure-agreement.ts';
import { openDatabase } from '#lib/server/db/client.ts';
import * as schema from '#lib/server/db/schema.ts';
import { partyCookieName } from '#lib/server/invitations/party-sessions.ts';
import { hashToken, newToken } from '#lib/server/tokens.ts';
import type { DatabaseConfig } from '#server/config.ts';
import { createBenchProgram, MIGRATIONS_FOLDER } from './bench-database.ts';

const DAY_MS = 24 * 60 * 60_000;

export interface CollabParty {
	id: string;
	/** The Cookie header the party's browser would send. */
	cookie: string;
}

export interface SeededCase {
	caseId: string;
	meetingId: string;
	/** `agreement-<id>`: the collaborative document. */
	docName: string;
	victim: CollabParty;
	offender: CollabParty;
}

export interface SeededProgram {
	login: { email: string; password: string };
	cases: SeededCase[];
}

/** Migrates the database (as the server would at boot) and seeds it. */
export async function seedCollab(config: DatabaseConfig, count: number): Promise<SeededProgram> {
	const handle = await openDatabase(config);
	try {
		await handle.migrate(MIGRATIONS_FOLDER);
		const db = handle.db;
		const { programId, mediatorUserId: userId, login } = await createBenchProgram(db);

		const now = Date.now();
		const expiresAt = new Date(now + 7 * DAY_MS);
		const cases: SeededCase[] = [];
		for (let i = 0; i < count; i++) {
			const caseId = randomUUID();
			const meetingId = randomUUID();
			await db.insert(schema.cases).values({
				id: caseId,
				programId,
				reference: `BENCH-${caseId}`,
				referralSource: 'probation',
				referralStage: 'diversion',
				offenseCategory: 'property',
				description: 'Benchmark case: window broken, phone taken from the car.',
				offenderIsJuvenile: false,
				status: 'in_progress',
				mediatorUserId: userId,
				createdByUserId: userId,
				gateOverriddenAt: new Date(now),
				gateOverrideReason: 'Benchmark: the parties were prepared outside Mend.'
			});
			await db.insert(schema.meetings).values({
				id: meetingId,
				caseId,
				kind: 'joint',
				scheduledAt: new Date(now + DAY_MS),
				durationMinutes: 90,
				status: 'scheduled'
			});
			const party = async (role: 'victim' | 'offender', name: string): Promise<CollabParty> => {
				const id = randomUUID();
				await db.insert(schema.parties).values({ id, caseId, role, displayName: name });
				const invitationId = randomUUID();
				await db.insert(schema.invitations).values({
					id: invitationId,
					meetingId,
					partyId: id,
					tokenHash: hashToken(newToken()),
					expiresAt,
					createdByUserId: userId
				});
				const token = newToken();
				await db
					.insert(schema.partySessions)
					.values({ invitationId, tokenHash: hashToken(token), expiresAt });
				return { id, cookie: `${partyCookieName(meetingId)}=${token}` };
			};
			const victim = await party('victim', `Victim ${i + 1}`);
			const offender = await party('offender', `Offender ${i + 1}`);
			const agreement = await ensureAgreementForMeeting(
				db,
				{ meetingId, caseId, programId },
				userId
			);
			cases.push({ caseId, meetingId, docName: agreementDocName(agreement.id), victim, offender });
		}
		return { login, cases };
	} finally {
		await handle.close();
	}
}
