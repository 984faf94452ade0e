import { and, eq, isNull } from 'drizzle-orm';
import { IssueInvitationSchema } from '#lib/cases/schemas.ts';
import { MEETING_KINDS, MEETING_STATUSES } from '#lib/cases/vocabulary.ts';
import { ERROR_CODES } from '#lib/protocol/errors.ts';
import * as m from '#lib/paraglide/messages.js';
import { assertCan, type StaffActor } from '../access/staff-access.ts';
import { AUDIT_ACTIONS, recordAudit } from '../audit/record-audit.ts';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/client.ts';
import { invitations, parties, programs } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { findVisibleMeeting } from '../meetings/find-visible-meeting.ts';
import { queueInvitationNotices } from '../notifications/invitation-notices.ts';
import type { Transports } from '../notifications/transports.ts';
import type { PublicUrl } from '../public-url.ts';
import { hashAccessCode, hashToken, newAccessCode, newToken } from '../tokens.ts';
import { parseInput } from '../validation.ts';
import type { Planes } from '../planes.ts';
import { letGoOfLink } from './revoke-invitation.ts';

export interface IssuedInvitation {
	invitationId: string;
	/** Shown once, to the staff member who issued it; only its hash is kept. */
	token: string;
	/** The link itself: Mend's public address, `/join/`, the token. */
	url: string;
	accessCode: string | null;
	expiresAt: Date;
}

/**
 * Issues a single-person link to one meeting. Issuing again for the same person replaces the
 * previous link (it stops working at once), which is how a lost link is reissued.
 */
export async function issueInvitation(
	deps: {
		db: Database;
		clock: Clock;
		config: { invitationGraceMs: number };
		publicUrl: Pick<PublicUrl, 'href'>;
		transports?: Transports;
	},
	actor: StaffActor,
	meetingId: string,
	input: unknown,
	options: {
		/** The live planes: the browsers that entered with a link this one replaces are let go. */
		planes?: Pick<Planes, 'sessions' | 'agreements'>;
	} = {}
): Promise<IssuedInvitation> {
	assertCan(actor, 'manageMeetings');
	const { partyId, withAccessCode } = parseInput(IssueInvitationSchema, input);
	const token = newToken();
	// Mend's own address, never the request's: the link goes into e-mails and calendars.
	const url = `${deps.publicUrl.href}/join/${token}`;
	const accessCode = withAccessCode ? newAccessCode() : null;
	const accessCodeHash = accessCode ? await hashAccessCode(accessCode) : null;

	const { issued, replacedOne } = await deps.db.transaction(async (tx) => {
		const { meeting } = await findVisibleMeeting(tx, actor, meetingId);
		if (meeting.status !== MEETING_STATUSES.scheduled && meeting.status !== MEETING_STATUSES.live)
			throw new AppError(ERROR_CODES.conflict, m.error_meeting_not_open());

		const [party] = await tx
			.select()
			.from(parties)
			.where(and(eq(parties.id, partyId), eq(parties.caseId, meeting.caseId)));
		const eligible =
			party &&
			(meeting.kind === MEETING_KINDS.joint ||
				party.id === meeting.partyId ||
				party.accompaniesPartyId === meeting.partyId);
		if (!eligible)
			throw new AppError(ERROR_CODES.invalidInput, m.error_form_invalid(), {
				partyId: m.error_party_not_for_meeting()
			});

		const now = deps.clock.now();
		const replaced = await tx
			.update(invitations)
			.set({ revokedAt: now, revokedReason: 'reissued' })
			.where(
				and(
					eq(invitations.meetingId, meetingId),
					eq(invitations.partyId, partyId),
					isNull(invitations.revokedAt)
				)
			)
			.returning({ id: invitations.id });

		const expiresAt = new Date(
			meeting.scheduledAt.getTime() +
				meeting.durationMinutes * 60_000 +
				deps.config.invitationGraceMs
		);
		const [row] = await tx
			.insert(invitations)
			.values({
				meetingId,
				partyId,
				tokenHash: hashToken(token),
				accessCodeHash,
				expiresAt,
				createdByUserId: actor.userId
			})
			.returning({ id: invitations.id });
		await recordAudit(tx, {
			programId: actor.programId,
			caseId: meeting.caseId,
			actor,
			action: AUDIT_ACTIONS.invitationIssued,
			detail: {
				invitationId: row.id,
				meetingId,
				partyId,
				withAccessCode,
				replaced: replaced.map((r) => r.id)
			}
		});
		// The link is known only now: its invitation and reminder are queued with it.
		const [program] = await tx.select().from(programs).where(eq(programs.id, actor.programId));
		await queueInvitationNotices(tx, deps, {
			actor,
			program,
			caseId: meeting.caseId,
			party,
			meeting,
			invitationId: row.id,
			replacedInvitationIds: replaced.map((r) => r.id),
			link: url,
			withAccessCode
		});
		return {
			issued: { invitationId: row.id, token, url, accessCode, expiresAt },
			replacedOne: replaced.length > 0
		};
	});
	if (replacedOne && options.planes) await letGoOfLink(options.planes, { meetingId, partyId });
	return issued;
}
