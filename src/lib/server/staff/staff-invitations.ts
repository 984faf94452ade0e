import { and, eq, gt } from 'drizzle-orm';
import { ERROR_CODES } from '#lib/protocol/errors.ts';
import { STAFF_INVITATION_STATUSES } from '#lib/protocol/roles.ts';
import * as m from '#lib/paraglide/messages.js';
import type { Executor } from '../db/client.ts';
import { programs, staffInvitations } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { cancelPending } from '../notifications/enqueue.ts';
import { hashToken } from '../tokens.ts';

/** An invitation to a program's staff is answered within a week, or asked for again. */
export const STAFF_INVITATION_TTL_MS = 7 * 24 * 60 * 60_000;

/** Where an invitation's link points; the token follows. */
export const STAFF_INVITATION_PATH = '/staff-invitation';

export type StaffInvitation = typeof staffInvitations.$inferSelect;

/** Dedupe key of an invitation's message; cancelled once the invitation no longer waits. */
export const staffInvitationKeys = (invitationId: string) => ({
	message: `staff-invite:${invitationId}:sent`,
	prefix: `staff-invite:${invitationId}:`
});

/** Waiting for an answer: neither answered nor withdrawn, and not expired. */
export const isPending = (invitation: StaffInvitation, now: Date): boolean =>
	invitation.status === STAFF_INVITATION_STATUSES.pending && invitation.expiresAt > now;

export const pendingCondition = (now: Date) =>
	and(
		eq(staffInvitations.status, STAFF_INVITATION_STATUSES.pending),
		gt(staffInvitations.expiresAt, now)
	);

/**
 * The pending invitation a link's token names, with its program; locked for the answer when
 * `lock` (inside the answer's transaction).
 */
export async function pendingInvitationByToken(
	executor: Executor,
	token: string,
	now: Date,
	lock = true
) {
	if (!/^[\w-]{43}$/.test(token)) return null;
	const query = executor
		.select({ invitation: staffInvitations, program: programs })
		.from(staffInvitations)
		.innerJoin(programs, eq(programs.id, staffInvitations.programId))
		.where(and(eq(staffInvitations.tokenHash, hashToken(token)), pendingCondition(now)));
	const [row] = lock ? await query.for('update', { of: staffInvitations }) : await query;
	return row ?? null;
}

/**
 * Records the answer (or the withdrawal) of a pending invitation; the message inviting them
 * is not sent any more if it has not gone yet. Refused when it no longer waits.
 */
export async function closeInvitation(
	executor: Executor,
	invitation: StaffInvitation,
	change: { status: StaffInvitation['status']; userId?: string; now: Date }
): Promise<void> {
	const [closed] = await executor
		.update(staffInvitations)
		.set({ status: change.status, answeredAt: change.now, userId: change.userId ?? null })
		.where(and(eq(staffInvitations.id, invitation.id), pendingCondition(change.now)))
		.returning({ id: staffInvitations.id });
	if (!closed) throw new AppError(ERROR_CODES.conflict, m.error_invitation_not_pending());
	await cancelPending(executor, [staffInvitationKeys(invitation.id).prefix]);
}
