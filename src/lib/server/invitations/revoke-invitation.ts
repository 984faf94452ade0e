import { eq } from 'drizzle-orm';
import { ERROR_CODES } from '#lib/protocol/errors.ts';
import * as m from '#lib/paraglide/messages.js';
import { assertCan, isUuid, type StaffActor } from '../access/staff-access.ts';
import { AUDIT_ACTIONS, recordAudit } from '../audit/record-audit.ts';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/client.ts';
import { invitations, partySessions } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { findVisibleMeeting } from '../meetings/find-visible-meeting.ts';
import { cancelPending } from '../notifications/enqueue.ts';
import { invitationKeys } from '../notifications/invitation-notices.ts';
import type { Planes } from '../planes.ts';

/**
 * Stops a link at once: its page says so, and any browser that entered with it is let go —
 * out of the live session and of every document it had open.
 */
export async function revokeInvitation(
	deps: { db: Database; clock: Clock },
	planes: Pick<Planes, 'sessions' | 'agreements'>,
	actor: StaffActor,
	invitationId: string
): Promise<void> {
	assertCan(actor, 'manageMeetings');
	if (!isUuid(invitationId)) throw new AppError(ERROR_CODES.notFound, m.error_not_found());
	const revoked = await deps.db.transaction(async (tx) => {
		const [invitation] = await tx
			.select()
			.from(invitations)
			.where(eq(invitations.id, invitationId));
		if (!invitation) throw new AppError(ERROR_CODES.notFound, m.error_not_found());
		const { meeting } = await findVisibleMeeting(tx, actor, invitation.meetingId);
		if (invitation.revokedAt) return null;
		await tx
			.update(invitations)
			.set({ revokedAt: deps.clock.now(), revokedReason: 'revoked' })
			.where(eq(invitations.id, invitationId));
		await tx.delete(partySessions).where(eq(partySessions.invitationId, invitationId));
		// Its invitation and reminder, if not yet sent, would carry a link that no longer works.
		await cancelPending(tx, invitationKeys(invitationId).prefixes);
		await recordAudit(tx, {
			programId: actor.programId,
			caseId: meeting.caseId,
			actor,
			action: AUDIT_ACTIONS.invitationRevoked,
			detail: { invitationId, meetingId: meeting.id, partyId: invitation.partyId }
		});
		return invitation;
	});
	if (revoked) await letGoOfLink(planes, revoked);
}

/** The browsers that entered with a link that no longer works leave what it opened. */
export async function letGoOfLink(
	planes: Pick<Planes, 'sessions' | 'agreements'>,
	link: { meetingId: string; partyId: string }
): Promise<void> {
	await planes.sessions.letGo(link.meetingId, link.partyId);
	await planes.agreements.recheckAccess();
}
