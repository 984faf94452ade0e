import { eq } from 'drizzle-orm';
import { MEETING_STATUSES } from '#lib/cases/vocabulary.ts';
import type { Executor } from '../db/client.ts';
import { cases, invitations, meetings, parties, programs, user } from '../db/schema.ts';
import { hashToken } from '../tokens.ts';
import { INVITATION_STATUSES, invitationStatus } from './invitation-status.ts';

/** How the program can be reached: what a party is told when their link does not work. */
export interface ProgramContact {
	name: string;
	email: string | null;
	phone: string | null;
}

export type InvitationRow = typeof invitations.$inferSelect;
export type MeetingRow = typeof meetings.$inferSelect;
export type PartyRow = typeof parties.$inferSelect;
export type ProgramRow = typeof programs.$inferSelect;

export interface ResolvedInvitation {
	invitation: InvitationRow;
	meeting: MeetingRow;
	party: PartyRow;
	program: ProgramRow;
	mediatorName: string | null;
}

/** Why a link does not open, in the order a party should hear it. */
export type ClosedReason =
	'revoked' | 'reissued' | 'withdrawn' | 'expired' | 'meeting_ended' | 'meeting_cancelled';

export type InvitationLookup =
	| { kind: 'not_found' }
	| { kind: 'closed'; reason: ClosedReason; program: ProgramContact }
	| { kind: 'open'; resolved: ResolvedInvitation };

export const contactOf = (program: ProgramRow): ProgramContact => ({
	name: program.name,
	email: program.contactEmail,
	phone: program.contactPhone
});

/** Looks a link up by the hash of its token and says whether it may be used now. */
export async function lookUpInvitation(
	executor: Executor,
	token: string,
	now: Date
): Promise<InvitationLookup> {
	// A token is 43 base64url characters; anything else cannot match and is not worth a query.
	if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return { kind: 'not_found' };
	const [row] = await executor
		.select({
			invitation: invitations,
			meeting: meetings,
			party: parties,
			program: programs,
			mediatorName: user.name
		})
		.from(invitations)
		.innerJoin(meetings, eq(meetings.id, invitations.meetingId))
		.innerJoin(parties, eq(parties.id, invitations.partyId))
		.innerJoin(cases, eq(cases.id, meetings.caseId))
		.innerJoin(programs, eq(programs.id, cases.programId))
		.leftJoin(user, eq(user.id, cases.mediatorUserId))
		.where(eq(invitations.tokenHash, hashToken(token)));
	if (!row) return { kind: 'not_found' };
	return classify(row, now);
}

export function classify(resolved: ResolvedInvitation, now: Date): InvitationLookup {
	const { invitation, meeting, program } = resolved;
	const status = invitationStatus(invitation, now);
	const closed = (reason: ClosedReason): InvitationLookup => ({
		kind: 'closed',
		reason,
		program: contactOf(program)
	});
	// A withdrawal or revocation says more than "the meeting ended": it is checked first.
	if (status !== INVITATION_STATUSES.active && status !== INVITATION_STATUSES.expired)
		return closed(status);
	if (meeting.status === MEETING_STATUSES.cancelled) return closed('meeting_cancelled');
	if (meeting.status === MEETING_STATUSES.ended) return closed('meeting_ended');
	if (status === INVITATION_STATUSES.expired) return closed('expired');
	return { kind: 'open', resolved };
}
