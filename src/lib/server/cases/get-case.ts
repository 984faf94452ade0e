import { asc, desc, eq, inArray, and } from 'drizzle-orm';
import { STAFF_ROLES } from '#lib/protocol/roles.ts';
import { findVisibleCase, type StaffActor } from '../access/staff-access.ts';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/client.ts';
import { auditEvents, invitations, meetings, memberships, parties, user } from '../db/schema.ts';
import { invitationStatus } from '../invitations/invitation-status.ts';

const AUDIT_SHOWN = 100;

/** Everything the case page shows staff. Contact details are here: staff only, never parties. */
export async function getCase(
	deps: { db: Database; clock: Clock },
	actor: StaffActor,
	caseId: string
) {
	const { db, clock } = deps;
	const row = await findVisibleCase(db, actor, caseId);
	const now = clock.now();

	const [partyRows, meetingRows, mediators, audit] = await Promise.all([
		db.select().from(parties).where(eq(parties.caseId, caseId)).orderBy(asc(parties.createdAt)),
		db
			.select()
			.from(meetings)
			.where(eq(meetings.caseId, caseId))
			.orderBy(asc(meetings.scheduledAt)),
		db
			.select({ id: user.id, name: user.name })
			.from(memberships)
			.innerJoin(user, eq(user.id, memberships.userId))
			.where(
				and(eq(memberships.programId, actor.programId), eq(memberships.role, STAFF_ROLES.mediator))
			)
			.orderBy(asc(user.name)),
		db
			.select({
				id: auditEvents.id,
				at: auditEvents.at,
				action: auditEvents.action,
				actorKind: auditEvents.actorKind,
				actorId: auditEvents.actorId,
				detail: auditEvents.detail
			})
			.from(auditEvents)
			.where(eq(auditEvents.caseId, caseId))
			.orderBy(desc(auditEvents.id))
			.limit(AUDIT_SHOWN)
	]);

	const meetingIds = meetingRows.map((meeting) => meeting.id);
	const invitationRows = meetingIds.length
		? await db
				.select({
					id: invitations.id,
					meetingId: invitations.meetingId,
					partyId: invitations.partyId,
					hasAccessCode: invitations.accessCodeHash,
					expiresAt: invitations.expiresAt,
					revokedAt: invitations.revokedAt,
					revokedReason: invitations.revokedReason,
					lastOpenedAt: invitations.lastOpenedAt,
					createdAt: invitations.createdAt
				})
				.from(invitations)
				.where(inArray(invitations.meetingId, meetingIds))
				.orderBy(desc(invitations.createdAt))
		: [];

	const staffNames = new Map<string, string>();
	const staffIds = [
		...new Set(audit.filter((e) => e.actorKind === 'staff').map((e) => e.actorId as string))
	];
	if (staffIds.length)
		for (const u of await db
			.select({ id: user.id, name: user.name })
			.from(user)
			.where(inArray(user.id, staffIds)))
			staffNames.set(u.id, u.name);
	const partyNames = new Map(partyRows.map((p) => [p.id, p.displayName]));

	return {
		case: row,
		mediator: mediators.find((m) => m.id === row.mediatorUserId) ?? null,
		mediators,
		parties: partyRows,
		meetings: meetingRows.map((meeting) => ({
			...meeting,
			invitations: invitationRows
				.filter((inv) => inv.meetingId === meeting.id)
				.map(({ hasAccessCode, revokedAt, revokedReason, expiresAt, ...inv }) => ({
					...inv,
					expiresAt,
					hasAccessCode: hasAccessCode !== null,
					status: invitationStatus({ revokedAt, revokedReason, expiresAt }, now)
				}))
		})),
		audit: audit.map((event) => ({
			...event,
			actorName:
				event.actorKind === 'staff'
					? (staffNames.get(event.actorId ?? '') ?? null)
					: event.actorKind === 'party'
						? (partyNames.get(event.actorId ?? '') ?? null)
						: null
		}))
	};
}

export type CaseDetail = Awaited<ReturnType<typeof getCase>>;
