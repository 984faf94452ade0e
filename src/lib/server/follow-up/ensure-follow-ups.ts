import { and, asc, eq, isNotNull } from 'drizzle-orm';
import { FOLLOW_UP_KINDS, type FollowUpKind } from '#lib/cases/casework.ts';
import { addDays, addMonths } from '#lib/cases/plan-status.ts';
import { MEETING_KINDS } from '#lib/cases/vocabulary.ts';
import { PARTY_ROLES, type PartyRole } from '#lib/protocol/roles.ts';
import { dateIn } from '#lib/time.ts';
import type { Executor } from '../db/client.ts';
import { agreements, cases, followUps, meetings, parties, programs } from '../db/schema.ts';

type NewFollowUp = typeof followUps.$inferInsert;

const CHECKED_IN: readonly PartyRole[] = [PARTY_ROLES.victim, PARTY_ROLES.offender];
const SURVEYED: readonly PartyRole[] = [
	PARTY_ROLES.victim,
	PARTY_ROLES.offender,
	PARTY_ROLES.guardian
];

/**
 * The day follow-up counts from: the end of the case's first joint meeting, else (a session
 * that has not been ended yet) the execution of its first agreement; null when neither.
 */
export async function followUpAnchor(
	executor: Executor,
	caseId: string,
	timeZone: string
): Promise<string | null> {
	const [joint] = await executor
		.select({ endedAt: meetings.endedAt })
		.from(meetings)
		.where(
			and(
				eq(meetings.caseId, caseId),
				eq(meetings.kind, MEETING_KINDS.joint),
				isNotNull(meetings.endedAt)
			)
		)
		.orderBy(asc(meetings.endedAt))
		.limit(1);
	if (joint?.endedAt) return dateIn(joint.endedAt, timeZone);
	const [executed] = await executor
		.select({ executedAt: agreements.executedAt })
		.from(agreements)
		.where(and(eq(agreements.caseId, caseId), isNotNull(agreements.executedAt)))
		.orderBy(asc(agreements.executedAt))
		.limit(1);
	return executed?.executedAt ? dateIn(executed.executedAt, timeZone) : null;
}

/**
 * Schedules the case's follow-up once the joint meeting has ended (or an agreement has been
 * executed): a check-in with each victim and offender at each of the program's `checkInDays`,
 * one satisfaction survey for each victim, offender and guardian due that day, and a
 * reoffending look-up for each offender at each of `reoffendingMonths`. Idempotent: what
 * exists (by kind, person and day) is left as it is; a party who withdrew is not contacted.
 * Survey links are not made here (a page load must not mint secrets): staff make each one
 * when they send it (see issueSurveyLink). Returns how many follow-ups it added.
 *
 * Called by the follow-up page's load; others (executing an agreement, ending the session)
 * may call it too, with their own transaction.
 */
export async function ensureFollowUps(deps: { db: Executor }, caseId: string): Promise<number> {
	const run = async (tx: Executor) => {
		// Locks the case row: two loads at once do not both add the same follow-ups.
		const [row] = await tx
			.select({ id: cases.id, program: programs })
			.from(cases)
			.innerJoin(programs, eq(programs.id, cases.programId))
			.where(eq(cases.id, caseId))
			.for('update', { of: cases });
		if (!row) return 0;
		const { program } = row;
		const anchor = await followUpAnchor(tx, caseId, program.timeZone);
		if (!anchor) return 0;

		const people = await tx
			.select({ id: parties.id, role: parties.role, withdrawnAt: parties.withdrawnAt })
			.from(parties)
			.where(eq(parties.caseId, caseId))
			.orderBy(asc(parties.createdAt));
		const existing = await tx
			.select({ kind: followUps.kind, partyId: followUps.partyId, dueOn: followUps.dueOn })
			.from(followUps)
			.where(eq(followUps.caseId, caseId));
		const key = (kind: FollowUpKind, partyId: string | null, dueOn: string) =>
			`${kind}|${partyId}|${dueOn}`;
		const have = new Set(existing.map((f) => key(f.kind, f.partyId, f.dueOn)));

		const wanted: NewFollowUp[] = [];
		const want = (kind: FollowUpKind, partyId: string, dueOn: string) => {
			const k = key(kind, partyId, dueOn);
			if (have.has(k)) return;
			have.add(k);
			wanted.push({ caseId, partyId, kind, dueOn });
		};
		const reachable = people.filter((p) => p.withdrawnAt === null);
		for (const days of uniqueWhole(program.checkInDays))
			for (const p of reachable.filter((p) => CHECKED_IN.includes(p.role)))
				want(FOLLOW_UP_KINDS.checkIn, p.id, addDays(anchor, days));
		for (const p of reachable.filter((p) => SURVEYED.includes(p.role)))
			want(FOLLOW_UP_KINDS.survey, p.id, anchor);
		for (const months of uniqueWhole(program.reoffendingMonths))
			for (const p of people.filter((p) => p.role === PARTY_ROLES.offender))
				want(FOLLOW_UP_KINDS.reoffending, p.id, addMonths(anchor, months));

		if (wanted.length > 0) await tx.insert(followUps).values(wanted);
		return wanted.length;
	};
	// Inside a caller's transaction this is a savepoint.
	return deps.db.transaction(run);
}

/** The program's setting as whole, non-negative, distinct numbers (a bad value is skipped). */
function uniqueWhole(list: unknown): number[] {
	if (!Array.isArray(list)) return [];
	return [...new Set(list.filter((n): n is number => Number.isInteger(n) && n >= 0))];
}
