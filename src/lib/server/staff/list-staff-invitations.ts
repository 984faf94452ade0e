import { asc, and, eq } from 'drizzle-orm';
import type { Clock } from '../clock.ts';
import type { Database, Executor } from '../db/client.ts';
import { programs, staffInvitations } from '../db/schema.ts';
import { pendingCondition, pendingInvitationByToken } from './staff-invitations.ts';

/**
 * The program's invitations waiting for an answer, for its team page: by the address the admin
 * typed, never by the name of any account it may belong to.
 */
export async function pendingInvitationsOfProgram(
	executor: Executor,
	programId: string,
	now: Date
) {
	return executor
		.select({
			id: staffInvitations.id,
			email: staffInvitations.email,
			role: staffInvitations.role,
			expiresAt: staffInvitations.expiresAt
		})
		.from(staffInvitations)
		.where(and(eq(staffInvitations.programId, programId), pendingCondition(now)))
		.orderBy(asc(staffInvitations.email));
}

/** The invitations waiting for this account's answer, for its programs page. */
export async function pendingInvitationsFor(executor: Executor, email: string, now: Date) {
	return executor
		.select({
			id: staffInvitations.id,
			programName: programs.name,
			timeZone: programs.timeZone,
			role: staffInvitations.role,
			expiresAt: staffInvitations.expiresAt
		})
		.from(staffInvitations)
		.innerJoin(programs, eq(programs.id, staffInvitations.programId))
		.where(and(eq(staffInvitations.email, email.toLowerCase()), pendingCondition(now)))
		.orderBy(asc(programs.name));
}

export type StaffInvitationPage =
	| { kind: 'closed' }
	| {
			kind: 'open';
			programName: string;
			timeZone: string;
			email: string;
			name: string;
			role: (typeof staffInvitations.$inferSelect)['role'];
			expiresAt: Date;
			/** Who is signed in in this browser, and whether the invitation is theirs to answer. */
			signedIn: { email: string; isInvitee: boolean } | null;
	  };

/**
 * What the invitation's link shows. The same to everyone who opens it, whether or not its
 * address has an account: only a signed-in visitor sees whether it is addressed to them.
 */
export async function openStaffInvitation(
	deps: { db: Database; clock: Clock },
	token: string,
	signedIn: { email: string } | null
): Promise<StaffInvitationPage> {
	const found = await pendingInvitationByToken(deps.db, token, deps.clock.now(), false);
	if (!found) return { kind: 'closed' };
	const { invitation, program } = found;
	return {
		kind: 'open',
		programName: program.name,
		timeZone: program.timeZone,
		email: invitation.email,
		name: invitation.name,
		role: invitation.role,
		expiresAt: invitation.expiresAt,
		signedIn: signedIn && {
			email: signedIn.email,
			isInvitee: signedIn.email.toLowerCase() === invitation.email
		}
	};
}
