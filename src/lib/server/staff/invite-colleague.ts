import { and, eq } from 'drizzle-orm';
import { ERROR_CODES } from '#lib/protocol/errors.ts';
import * as m from '#lib/paraglide/messages.js';
import { assertCan, type StaffActor } from '../access/staff-access.ts';
import { AUDIT_ACTIONS, recordAudit } from '../audit/record-audit.ts';
import type { Database } from '../db/client.ts';
import { memberships, programs, staffInvitations, user } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { staffInvitationMessage } from '../notifications/compose.ts';
import { enqueueForAddress, type NotifyDeps } from '../notifications/enqueue.ts';
import { hashToken, newToken } from '../tokens.ts';
import type { PublicUrl } from '../public-url.ts';
import { parseInput } from '../validation.ts';
import { StaffMemberInputSchema } from './create-staff-account.ts';
import {
	pendingCondition,
	STAFF_INVITATION_PATH,
	STAFF_INVITATION_TTL_MS,
	staffInvitationKeys
} from './staff-invitations.ts';

/**
 * A program admin invites a colleague by e-mail address. Nobody joins a program without their
 * own consent: the invitation grants nothing until the owner of the address accepts it (signed
 * in to their account, or making one with the link). And the admin learns nothing about the
 * address: no account is looked up — the answer, the team list, the outbox message and the
 * audit entries are the same whether or not it has a Mend account, in any program, and the
 * work done is the same too. Only what the team already shows is checked: a member of this
 * program, or an invitation already waiting, is refused.
 */
export async function inviteColleague(
	deps: NotifyDeps & { db: Database; publicUrl: PublicUrl },
	actor: StaffActor,
	input: unknown
): Promise<{ invitationId: string; email: string }> {
	assertCan(actor, 'manageStaff');
	const data = parseInput(StaffMemberInputSchema, input);
	const token = newToken();
	const now = deps.clock.now();
	const expiresAt = new Date(now.getTime() + STAFF_INVITATION_TTL_MS);

	return deps.db.transaction(async (tx) => {
		const [member] = await tx
			.select({ id: memberships.id })
			.from(memberships)
			.innerJoin(user, eq(user.id, memberships.userId))
			.where(and(eq(memberships.programId, actor.programId), eq(user.email, data.email)));
		if (member)
			throw new AppError(ERROR_CODES.conflict, m.error_already_member(), {
				email: m.error_already_member()
			});
		const [waiting] = await tx
			.select({ id: staffInvitations.id })
			.from(staffInvitations)
			.where(
				and(
					eq(staffInvitations.programId, actor.programId),
					eq(staffInvitations.email, data.email),
					pendingCondition(now)
				)
			);
		if (waiting)
			throw new AppError(ERROR_CODES.conflict, m.error_already_invited(), {
				email: m.error_already_invited()
			});

		const [invitation] = await tx
			.insert(staffInvitations)
			.values({
				programId: actor.programId,
				email: data.email,
				name: data.name,
				role: data.role,
				tokenHash: hashToken(token),
				expiresAt,
				createdByUserId: actor.userId
			})
			.returning({ id: staffInvitations.id });
		await recordAudit(tx, {
			programId: actor.programId,
			actor,
			action: AUDIT_ACTIONS.staffInvited,
			detail: { invitationId: invitation.id, role: data.role }
		});
		const [program] = await tx.select().from(programs).where(eq(programs.id, actor.programId));
		await enqueueForAddress(
			tx,
			deps,
			{
				programId: actor.programId,
				caseId: null,
				dedupeKey: staffInvitationKeys(invitation.id).message,
				actor
			},
			data.email,
			staffInvitationMessage({
				program,
				name: data.name,
				role: data.role,
				link: `${deps.publicUrl.href}${STAFF_INVITATION_PATH}/${token}`,
				expiresAt
			})
		);
		return { invitationId: invitation.id, email: data.email };
	});
}
