import { and, eq } from 'drizzle-orm';
import { CASE_STATUSES, MEETING_KINDS, MEETING_STATUSES } from '#lib/cases/vocabulary.ts';
import { PARTY_ROLES, STAFF_ROLES, type PartyRole } from '#lib/protocol/roles.ts';
import { zonedToInstant, instantToZoned } from '#lib/time.ts';
import type { StaffActor } from '../access/staff-access.ts';
import { markPrepared } from '../preparation/mark-prepared.ts';
import { AUDIT_ACTIONS, recordAudit } from '../audit/record-audit.ts';
import type { Deps } from '../deps.ts';
import { cases, meetings, parties, programs } from '../db/schema.ts';
import { issueInvitation } from '../invitations/issue-invitation.ts';
import { createStaffAccount } from '../staff/create-staff-account.ts';
import { nextCaseReference } from '../cases/case-reference.ts';

export const DEMO_PROGRAM_SLUG = 'riverside';
export const DEMO_PASSWORD = 'mend-demo-password';

export const DEMO_STAFF = [
	{ name: 'Alex Rivera', email: 'admin@riverside.example', role: STAFF_ROLES.admin },
	{ name: 'Casey Morgan', email: 'coordinator@riverside.example', role: STAFF_ROLES.coordinator },
	{ name: 'Dana Whitfield', email: 'mediator@riverside.example', role: STAFF_ROLES.mediator }
] as const;

export interface DemoLinks {
	logins: { email: string; password: string; role: string }[];
	/** Links to the demo joint session, one per party; reissued at every start. */
	invitations: { name: string; role: PartyRole; path: string }[];
}

const DAY_MS = 24 * 60 * 60_000;

/**
 * A demo program with its staff and one case, created once; at every start its joint session
 * is moved to tomorrow if it has passed and fresh links are issued (the old ones stop working),
 * because only their hashes are stored.
 */
export async function seedDemo(deps: Deps): Promise<DemoLinks> {
	const { db, clock } = deps;
	let [program] = await db.select().from(programs).where(eq(programs.slug, DEMO_PROGRAM_SLUG));

	if (!program) {
		program = await db.transaction(async (tx) => {
			const [created] = await tx
				.insert(programs)
				.values({
					slug: DEMO_PROGRAM_SLUG,
					name: 'Riverside Restorative Justice Program',
					timeZone: 'America/Chicago',
					currency: 'USD',
					contactEmail: 'hello@riverside.example',
					contactPhone: '+1 555 0100'
				})
				.returning();
			const ids: Record<string, string> = {};
			for (const staff of DEMO_STAFF) {
				const { userId } = await createStaffAccount(tx, {
					...staff,
					programId: created.id,
					password: DEMO_PASSWORD
				});
				ids[staff.role] = userId;
			}
			const now = clock.now();
			const [demoCase] = await tx
				.insert(cases)
				.values({
					programId: created.id,
					reference: await nextCaseReference(tx, created.id, now.getUTCFullYear()),
					referralSource: 'probation',
					referralStage: 'post_admission',
					offenseCategory: 'property',
					description:
						'Garden shed broken into; bicycle and tools taken. The bicycle was recovered damaged.',
					offenderIsJuvenile: true,
					lossesClaimedMinor: 125_000,
					status: CASE_STATUSES.inProgress,
					mediatorUserId: ids[STAFF_ROLES.mediator],
					createdByUserId: ids[STAFF_ROLES.coordinator]
				})
				.returning();
			const [victim] = await tx
				.insert(parties)
				.values({
					caseId: demoCase.id,
					role: PARTY_ROLES.victim,
					displayName: 'Maria Lopez',
					email: 'maria.lopez@mail.example',
					phone: '+1 555 0142',
					address: '14 Orchard Lane, Riverside'
				})
				.returning();
			const [offender] = await tx
				.insert(parties)
				.values({
					caseId: demoCase.id,
					role: PARTY_ROLES.offender,
					displayName: 'Jordan Reed',
					phone: '+1 555 0177'
				})
				.returning();
			await tx.insert(parties).values({
				caseId: demoCase.id,
				role: PARTY_ROLES.guardian,
				displayName: 'Pat Reed',
				phone: '+1 555 0178',
				accompaniesPartyId: offender.id
			});
			await tx.insert(meetings).values([
				{
					caseId: demoCase.id,
					kind: MEETING_KINDS.preparation,
					partyId: victim.id,
					scheduledAt: tomorrowAt(now, created.timeZone, '10:00'),
					durationMinutes: 60,
					status: MEETING_STATUSES.scheduled
				},
				{
					caseId: demoCase.id,
					kind: MEETING_KINDS.joint,
					scheduledAt: tomorrowAt(now, created.timeZone, '17:00'),
					durationMinutes: 90,
					status: MEETING_STATUSES.scheduled
				}
			]);
			// The demo case is ready for its joint session, so that one can be tried at once.
			await markPrepared(tx, demoCase.id, new Date(now.getTime() - 3 * 86_400_000));
			await recordAudit(tx, {
				programId: created.id,
				caseId: demoCase.id,
				actor: { kind: 'system' },
				action: AUDIT_ACTIONS.caseCreated,
				detail: { reference: demoCase.reference, demo: true }
			});
			return created;
		});
	}

	const [joint] = await db
		.select({ meeting: meetings, mediatorUserId: cases.mediatorUserId })
		.from(meetings)
		.innerJoin(cases, eq(cases.id, meetings.caseId))
		.where(and(eq(cases.programId, program.id), eq(meetings.kind, MEETING_KINDS.joint)))
		.limit(1);
	const links: DemoLinks = {
		logins: DEMO_STAFF.map((s) => ({ email: s.email, password: DEMO_PASSWORD, role: s.role })),
		invitations: []
	};
	if (!joint?.mediatorUserId) return links;

	const now = clock.now();
	if (
		joint.meeting.status !== MEETING_STATUSES.scheduled ||
		joint.meeting.scheduledAt.getTime() < now.getTime() + 60 * 60_000
	)
		await db
			.update(meetings)
			.set({
				status: MEETING_STATUSES.scheduled,
				scheduledAt: tomorrowAt(now, program.timeZone, '17:00'),
				endedAt: null
			})
			.where(eq(meetings.id, joint.meeting.id));

	const coordinator: StaffActor = {
		kind: 'staff',
		userId: joint.mediatorUserId,
		name: 'Demo seed',
		programId: program.id,
		role: STAFF_ROLES.mediator
	};
	const caseParties = await db
		.select()
		.from(parties)
		.where(eq(parties.caseId, joint.meeting.caseId));
	for (const party of caseParties) {
		const issued = await issueInvitation(deps, coordinator, joint.meeting.id, {
			partyId: party.id
		});
		links.invitations.push({
			name: party.displayName,
			role: party.role,
			path: `/join/${issued.token}`
		});
	}
	return links;
}

function tomorrowAt(now: Date, zone: string, time: string): Date {
	const day = instantToZoned(new Date(now.getTime() + DAY_MS), zone).slice(0, 10);
	return zonedToInstant(`${day}T${time}`, zone);
}
