import { and, eq, inArray, isNull, or } from 'drizzle-orm';
import { WithdrawalSchema } from '#lib/cases/preparation-schemas.ts';
import { ERROR_CODES } from '#lib/protocol/errors.ts';
import * as m from '#lib/paraglide/messages.js';
import { assertCan, type StaffActor } from '../access/staff-access.ts';
import { AUDIT_ACTIONS, recordAudit, type AuditActor } from '../audit/record-audit.ts';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/client.ts';
import {
	consents,
	invitations,
	meetings,
	notifications,
	parties,
	partySessions
} from '../db/schema.ts';
import { AppError } from '../errors.ts';
import type { ResolvedInvitation } from '../invitations/resolve-invitation.ts';
import type { Planes } from '../planes.ts';
import { parseInput } from '../validation.ts';
import { visiblePrincipal } from './preparation-actor.ts';

/**
 * A victim or offender withdraws from the mediation, at any stage: recorded (with who recorded
 * it), their consent marked withdrawn, every invitation of theirs and of the people
 * accompanying them revoked (their links then say so), and — in a live session — they leave
 * every room at once and their connections close. Written before anyone is told.
 */
async function withdraw(
	deps: { db: Database; clock: Clock },
	planes: Pick<Planes, 'sessions' | 'agreements'>,
	who: {
		programId: string;
		caseId: string;
		partyId: string;
		via: 'party' | 'staff';
		actor: AuditActor;
	},
	reason: string
): Promise<void> {
	const at = deps.clock.now();
	const meetingIds = await deps.db.transaction(async (tx) => {
		// Once only: of a party's and staff's withdrawal at the same moment, one is recorded.
		const [marked] = await tx
			.update(parties)
			.set({ withdrawnAt: at, withdrawnVia: who.via })
			.where(and(eq(parties.id, who.partyId), isNull(parties.withdrawnAt)))
			.returning({ id: parties.id });
		if (!marked) throw new AppError(ERROR_CODES.conflict, m.withdrawal_error_already());
		await tx
			.update(consents)
			.set({ withdrawnAt: at })
			.where(and(eq(consents.partyId, who.partyId), isNull(consents.withdrawnAt)));
		const side = await tx
			.select({ id: parties.id })
			.from(parties)
			.where(or(eq(parties.id, who.partyId), eq(parties.accompaniesPartyId, who.partyId)));
		const revoked = await tx
			.update(invitations)
			.set({ revokedAt: at, revokedReason: 'withdrawn' })
			.where(
				and(
					inArray(
						invitations.partyId,
						side.map((p) => p.id)
					),
					isNull(invitations.revokedAt)
				)
			)
			.returning({ id: invitations.id });
		// Nothing more goes to them: invitations and reminders (dead links now), plan reminders,
		// updates and surveys not yet sent are cancelled.
		await tx
			.update(notifications)
			.set({ status: 'cancelled', lastError: 'withdrawn' })
			.where(
				and(
					inArray(
						notifications.partyId,
						side.map((p) => p.id)
					),
					inArray(notifications.status, ['queued', 'outbox_only'])
				)
			);
		if (revoked.length)
			await tx.delete(partySessions).where(
				inArray(
					partySessions.invitationId,
					revoked.map((r) => r.id)
				)
			);
		await recordAudit(tx, {
			programId: who.programId,
			caseId: who.caseId,
			actor: who.actor,
			action: AUDIT_ACTIONS.partyWithdrawnFromCase,
			detail: { partyId: who.partyId, via: who.via, hasReason: reason.length > 0 }
		});
		const rows = await tx
			.select({ id: meetings.id })
			.from(meetings)
			.where(eq(meetings.caseId, who.caseId));
		return { meetings: rows.map((r) => r.id), side: side.map((p) => p.id) };
	});
	for (const partyId of meetingIds.side) {
		await planes.sessions.withdrawEverywhere(meetingIds.meetings, partyId);
		await planes.agreements.closeParty(partyId);
	}
}

export async function withdrawPartyByStaff(
	deps: { db: Database; clock: Clock },
	planes: Pick<Planes, 'sessions' | 'agreements'>,
	actor: StaffActor,
	caseId: string,
	input: unknown
): Promise<void> {
	assertCan(actor, 'manageMeetings');
	const data = parseInput(WithdrawalSchema, input);
	const { party } = await visiblePrincipal(deps.db, actor, caseId, data.partyId);
	if (party.withdrawnAt) throw new AppError(ERROR_CODES.conflict, m.withdrawal_error_already());
	await withdraw(
		deps,
		planes,
		{ programId: actor.programId, caseId, partyId: party.id, via: 'staff', actor },
		data.reason
	);
}

export async function withdrawAsParty(
	deps: { db: Database; clock: Clock },
	planes: Pick<Planes, 'sessions' | 'agreements'>,
	resolved: ResolvedInvitation,
	ip?: string
): Promise<void> {
	const { party, meeting, program } = resolved;
	// A companion leaves their own link; the person they accompany decides about the mediation.
	if (party.role !== 'victim' && party.role !== 'offender')
		throw new AppError(ERROR_CODES.forbidden, m.error_forbidden());
	await withdraw(
		deps,
		planes,
		{
			programId: program.id,
			caseId: meeting.caseId,
			partyId: party.id,
			via: 'party',
			actor: { kind: 'party', partyId: party.id, ip }
		},
		''
	);
}
