import type { IncomingMessage } from 'node:http';
import { parseCookie } from 'cookie';
import { and, eq } from 'drizzle-orm';
import type { Identity } from '#lib/protocol/identity.ts';
import type { THandshake } from '#lib/protocol/handshake.ts';
import { findVisibleMeeting } from '#lib/server/meetings/find-visible-meeting.ts';
import { findPartySession, partyCookieName } from '#lib/server/invitations/party-sessions.ts';
import { memberships, meetings, cases } from '#lib/server/db/schema.ts';
import type { Deps } from '#lib/server/deps.ts';
import { isAppError } from '#lib/server/errors.ts';

/**
 * Who is on the other end of a realtime connection, from the cookies of its handshake request:
 * a party's session cookie for that meeting, or a staff session whose holder may see the case.
 * Null when neither holds; the connection is then refused.
 */
export async function resolveIdentity(
	deps: Deps,
	request: IncomingMessage,
	handshake: THandshake
): Promise<Identity | null> {
	const cookies = parseCookie(request.headers.cookie ?? '');
	const now = deps.clock.now();

	if (handshake.as === 'party') {
		const resolved = await findPartySession(
			deps.db,
			cookies[partyCookieName(handshake.meetingId)],
			now
		);
		if (!resolved || resolved.meeting.id !== handshake.meetingId) return null;
		return {
			kind: 'party',
			partyId: resolved.party.id,
			meetingId: resolved.meeting.id,
			displayName: resolved.party.displayName,
			role: resolved.party.role
		};
	}

	const headers = new Headers();
	if (request.headers.cookie) headers.set('cookie', request.headers.cookie);
	const session = await deps.auth.api.getSession({ headers });
	if (!session) return null;
	const [membership] = await deps.db
		.select({ programId: memberships.programId, role: memberships.role })
		.from(meetings)
		.innerJoin(cases, eq(cases.id, meetings.caseId))
		.innerJoin(
			memberships,
			and(eq(memberships.programId, cases.programId), eq(memberships.userId, session.user.id))
		)
		.where(eq(meetings.id, handshake.meetingId));
	if (!membership) return null;
	const actor = {
		kind: 'staff' as const,
		userId: session.user.id,
		name: session.user.name,
		programId: membership.programId,
		role: membership.role
	};
	try {
		await findVisibleMeeting(deps.db, actor, handshake.meetingId);
	} catch (error) {
		if (isAppError(error)) return null;
		throw error;
	}
	return { ...actor, meetingId: handshake.meetingId };
}
