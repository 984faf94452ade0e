import { and, eq, exists, inArray, isNull, ne, or, sql } from 'drizzle-orm';
import { MEETING_STATUSES } from '#lib/cases/vocabulary.ts';
import type { ParticipantSeed } from '#lib/session/transition.ts';
import { AUDIT_ACTIONS, recordAudit } from '../audit/record-audit.ts';
import type { Database } from '../db/client.ts';
import { ensureFollowUps } from '../follow-up/ensure-follow-ups.ts';
import {
	cases,
	invitations,
	meetings,
	parties,
	partySessions,
	sessionEvents,
	victimChoices
} from '../db/schema.ts';

/** What a live session needs from the case records to begin. */
export interface SessionSetup {
	meetingId: string;
	caseId: string;
	programId: string;
	status: (typeof meetings.$inferSelect)['status'];
	kind: (typeof meetings.$inferSelect)['kind'];
	firstSpeaker: 'victim' | 'offender';
	/** The people invited to this meeting (an active link), as the session knows them. */
	invitees: ParticipantSeed[];
}

export async function loadSessionSetup(
	db: Database,
	meetingId: string
): Promise<SessionSetup | null> {
	return (await loadSessionSetups(db, [meetingId])).get(meetingId) ?? null;
}

/**
 * The setups of several meetings in three statements, whatever their number (a process taking
 * up the meetings of one that died loads hundreds at once); a meeting that does not exist is
 * not in the map.
 */
export async function loadSessionSetups(
	db: Database,
	meetingIds: readonly string[]
): Promise<Map<string, SessionSetup>> {
	const setups = new Map<string, SessionSetup>();
	if (meetingIds.length === 0) return setups;
	const found = await db
		.select({ meeting: meetings, programId: cases.programId })
		.from(meetings)
		.innerJoin(cases, eq(cases.id, meetings.caseId))
		.where(inArray(meetings.id, [...meetingIds]));
	if (found.length === 0) return setups;
	const invited = await db
		.selectDistinct({ meetingId: invitations.meetingId, party: parties })
		.from(invitations)
		.innerJoin(parties, eq(parties.id, invitations.partyId))
		.where(
			and(
				inArray(
					invitations.meetingId,
					found.map(({ meeting }) => meeting.id)
				),
				isNull(invitations.revokedAt)
			)
		);
	const people = [...new Map(invited.map(({ party }) => [party.id, party])).values()];
	// One seed per party: seedsOf answers for each party it is given.
	const seeds = new Map((await seedsOf(db, people)).map((seed) => [seed.id, seed]));
	const inviteesOf = new Map<string, ParticipantSeed[]>();
	for (const { meetingId, party } of invited) {
		const invitees = inviteesOf.get(meetingId) ?? [];
		invitees.push(seeds.get(party.id)!);
		inviteesOf.set(meetingId, invitees);
	}
	for (const { meeting, programId } of found)
		setups.set(meeting.id, {
			meetingId: meeting.id,
			caseId: meeting.caseId,
			programId,
			status: meeting.status,
			kind: meeting.kind,
			firstSpeaker: meeting.firstSpeaker,
			invitees: inviteesOf.get(meeting.id) ?? []
		});
	return setups;
}

export async function liveMeetingIds(db: Database): Promise<string[]> {
	const rows = await db
		.select({ id: meetings.id })
		.from(meetings)
		.where(
			or(
				eq(meetings.status, MEETING_STATUSES.live),
				and(
					eq(meetings.status, MEETING_STATUSES.scheduled),
					exists(
						db
							.select({ one: sql`1` })
							.from(sessionEvents)
							.where(eq(sessionEvents.meetingId, meetings.id))
					)
				)
			)
		);
	return rows.map((row) => row.id);
}

/** Seeds for these parties, with the victim's choice not to be seen on camera. */
export async function seedsOf(
	db: Database,
	people: (typeof parties.$inferSelect)[]
): Promise<ParticipantSeed[]> {
	const victims = people.filter((p) => p.role === 'victim').map((p) => p.id);
	const hidden = victims.length
		? await db
				.select({ partyId: victimChoices.partyId })
				.from(victimChoices)
				.where(and(inArray(victimChoices.partyId, victims), eq(victimChoices.onCamera, false)))
		: [];
	const notSeen = new Set(hidden.map((h) => h.partyId));
	return people.map((party) => partySeed(party, notSeen.has(party.id)));
}

/** A party as the session knows them: no contact details, only name, role and side. */
export function partySeed(party: typeof parties.$inferSelect, notSeen = false): ParticipantSeed {
	return {
		id: party.id,
		role: party.role,
		name: party.displayName,
		side: party.accompaniesPartyId ?? party.id,
		...(notSeen ? { notSeen: true } : {})
	};
}

export const staffParticipantId = (userId: string): string => `staff:${userId}`;

export async function markSessionStarted(
	db: Database,
	setup: SessionSetup,
	actorUserId: string | null
) {
	await db.transaction(async (tx) => {
		// Once: it may be recorded again from the log after a crash (session-host.ts, mending).
		const started = await tx
			.update(meetings)
			.set({ status: MEETING_STATUSES.live })
			.where(and(eq(meetings.id, setup.meetingId), eq(meetings.status, MEETING_STATUSES.scheduled)))
			.returning({ id: meetings.id });
		if (started.length === 0) return;
		await recordAudit(tx, {
			programId: setup.programId,
			caseId: setup.caseId,
			actor: actorUserId ? { kind: 'staff', userId: actorUserId } : { kind: 'system' },
			action: AUDIT_ACTIONS.sessionStarted,
			detail: { meetingId: setup.meetingId }
		});
	});
}

/** The meeting is over: every link to it now says so. */
export async function markSessionEnded(
	db: Database,
	setup: SessionSetup,
	actorUserId: string | null,
	endedAt: Date
) {
	await db.transaction(async (tx) => {
		// Once: it may be recorded again from the log after a crash (session-host.ts, mending).
		const ended = await tx
			.update(meetings)
			.set({
				status: MEETING_STATUSES.ended,
				endedAt,
				// A preparation meeting run in Mend counts as held once it ends.
				...(setup.kind === 'preparation' ? { heldAt: endedAt, heldMode: 'remote' as const } : {})
			})
			.where(and(eq(meetings.id, setup.meetingId), ne(meetings.status, MEETING_STATUSES.ended)))
			.returning({ id: meetings.id });
		if (ended.length === 0) return;
		await recordAudit(tx, {
			programId: setup.programId,
			caseId: setup.caseId,
			actor: actorUserId ? { kind: 'staff', userId: actorUserId } : { kind: 'system' },
			action: AUDIT_ACTIONS.sessionEnded,
			detail: { meetingId: setup.meetingId }
		});
	});
	// After a joint meeting, its follow-up contacts (check-ins, surveys…) become due.
	if (setup.kind === 'joint') await ensureFollowUps({ db }, setup.caseId);
}

/** A party withdrew: recorded, and their link stops working for this meeting. */
export async function recordWithdrawal(
	db: Database,
	setup: SessionSetup,
	partyId: string,
	at: Date
) {
	await db.transaction(async (tx) => {
		const revoked = await tx
			.update(invitations)
			.set({ revokedAt: at, revokedReason: 'withdrawn' })
			.where(
				and(
					eq(invitations.meetingId, setup.meetingId),
					eq(invitations.partyId, partyId),
					isNull(invitations.revokedAt)
				)
			)
			.returning({ id: invitations.id });
		for (const { id } of revoked)
			await tx.delete(partySessions).where(eq(partySessions.invitationId, id));
		await recordAudit(tx, {
			programId: setup.programId,
			caseId: setup.caseId,
			actor: { kind: 'party', partyId },
			action: AUDIT_ACTIONS.partyWithdrew,
			detail: { meetingId: setup.meetingId }
		});
	});
}
