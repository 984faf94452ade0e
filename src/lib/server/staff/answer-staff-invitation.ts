import { and, eq } from 'drizzle-orm';
import { ERROR_CODES } from '#lib/protocol/errors.ts';
import { STAFF_INVITATION_STATUSES } from '#lib/protocol/roles.ts';
import * as m from '#lib/paraglide/messages.js';
import { isUuid } from '../access/staff-access.ts';
import { AUDIT_ACTIONS, recordAudit } from '../audit/record-audit.ts';
import type { Clock } from '../clock.ts';
import type { Database, Executor } from '../db/client.ts';
import { memberships, programs, staffInvitations } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import {
	closeInvitation,
	pendingCondition,
	pendingInvitationByToken,
	type StaffInvitation
} from './staff-invitations.ts';

export type StaffAnswer = 'accept' | 'decline';

/** The signed-in owner of an account, as the staff session names them. */
export interface InvitedAccount {
	id: string;
	email: string;
	ip?: string;
}

/**
 * The owner of the account the invitation was sent to accepts it (and joins the program with
 * its role) or declines it (and nothing else changes). An invitation addressed to anyone else,
 * or no longer waiting, is answered like one that does not exist.
 */
export async function answerStaffInvitation(
	deps: { db: Database; clock: Clock },
	account: InvitedAccount,
	which: { invitationId: string } | { token: string },
	answer: StaffAnswer
): Promise<{ programSlug: string }> {
	const now = deps.clock.now();
	return deps.db.transaction(async (tx) => {
		const found = await findPending(tx, which, now);
		if (!found || found.invitation.email !== account.email.toLowerCase())
			throw new AppError(ERROR_CODES.notFound, m.error_not_found());
		const by = { userId: account.id, ip: account.ip };
		await recordAnswer(tx, found.invitation, { answer, by }, now);
		return { programSlug: found.program.slug };
	});
}

/**
 * Whoever holds the link declines without signing in: declining changes nothing but the
 * invitation, and asking for an account here would say whether the address has one.
 */
export async function declineStaffInvitationByLink(
	deps: { db: Database; clock: Clock },
	token: string,
	ip?: string
): Promise<void> {
	const now = deps.clock.now();
	await deps.db.transaction(async (tx) => {
		const found = await pendingInvitationByToken(tx, token, now);
		if (!found) throw new AppError(ERROR_CODES.notFound, m.error_not_found());
		await recordAnswer(tx, found.invitation, { answer: 'decline', by: { ip } }, now);
	});
}

/** What was answered, and by whom: an account (signed in, or just made), or a link's holder. */
export type Answer =
	| { answer: 'accept'; by: { userId: string; ip?: string } }
	| { answer: 'decline'; by: { userId?: string; ip?: string } };

/** Joins (on accepting) and records the answer with its audit entry, in the caller's transaction. */
export async function recordAnswer(
	tx: Executor,
	invitation: StaffInvitation,
	{ answer, by }: Answer,
	now: Date
): Promise<void> {
	if (answer === 'accept') {
		// Already a member (the operator added them meanwhile): their standing stays as it is.
		await tx
			.insert(memberships)
			.values({ programId: invitation.programId, userId: by.userId, role: invitation.role })
			.onConflictDoNothing();
		await closeInvitation(tx, invitation, {
			status: STAFF_INVITATION_STATUSES.accepted,
			userId: by.userId,
			now
		});
	} else {
		await closeInvitation(tx, invitation, { status: STAFF_INVITATION_STATUSES.declined, now });
	}
	await recordAudit(tx, {
		programId: invitation.programId,
		actor: by.userId
			? { kind: 'staff', userId: by.userId, ip: by.ip }
			: { kind: 'system', ip: by.ip },
		...(answer === 'accept'
			? {
					action: AUDIT_ACTIONS.staffInvitationAccepted,
					detail: { invitationId: invitation.id, userId: by.userId, role: invitation.role }
				}
			: {
					action: AUDIT_ACTIONS.staffInvitationDeclined,
					detail: { invitationId: invitation.id }
				})
	});
}

async function findPending(
	tx: Executor,
	which: { invitationId: string } | { token: string },
	now: Date
) {
	if ('token' in which) return pendingInvitationByToken(tx, which.token, now);
	if (!isUuid(which.invitationId)) return null;
	const [row] = await tx
		.select({ invitation: staffInvitations, program: programs })
		.from(staffInvitations)
		.innerJoin(programs, eq(programs.id, staffInvitations.programId))
		.where(and(eq(staffInvitations.id, which.invitationId), pendingCondition(now)))
		.for('update', { of: staffInvitations });
	return row ?? null;
}
