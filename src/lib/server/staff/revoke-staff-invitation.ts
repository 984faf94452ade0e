import { and, eq } from 'drizzle-orm';
import { ERROR_CODES } from '#lib/protocol/errors.ts';
import * as m from '#lib/paraglide/messages.js';
import { assertCan, isUuid, type StaffActor } from '../access/staff-access.ts';
import { AUDIT_ACTIONS, recordAudit } from '../audit/record-audit.ts';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/client.ts';
import { staffInvitations } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { closeInvitation } from './staff-invitations.ts';

/**
 * A program admin withdraws an invitation still waiting for an answer: its link stops working
 * and its message is not sent if it has not gone yet. An invitation of another program is
 * answered like one that does not exist.
 */
export async function revokeStaffInvitation(
	deps: { db: Database; clock: Clock },
	actor: StaffActor,
	invitationId: string
): Promise<void> {
	assertCan(actor, 'manageStaff');
	if (!isUuid(invitationId)) throw new AppError(ERROR_CODES.notFound, m.error_not_found());
	const now = deps.clock.now();
	await deps.db.transaction(async (tx) => {
		const [invitation] = await tx
			.select()
			.from(staffInvitations)
			.where(
				and(eq(staffInvitations.id, invitationId), eq(staffInvitations.programId, actor.programId))
			)
			.for('update');
		if (!invitation) throw new AppError(ERROR_CODES.notFound, m.error_not_found());
		await closeInvitation(tx, invitation, { status: 'revoked', now });
		await recordAudit(tx, {
			programId: actor.programId,
			actor,
			action: AUDIT_ACTIONS.staffInvitationRevoked,
			detail: { invitationId }
		});
	});
}
