import type { IncomingMessage } from 'node:http';
import { parseCookie } from 'cookie';
import { and, eq } from 'drizzle-orm';
import type { Identity } from '#lib/protocol/identity.ts';
import type { THandshake } from '#lib/protocol/handshake.ts';
import { seesCase } from '#lib/server/access/staff-access.ts';
import { findPartySessions, partyCookieName } from '#lib/server/invitations/party-sessions.ts';
import type { ResolvedInvitation } from '#lib/server/invitations/resolve-invitation.ts';
import { memberships, meetings, cases } from '#lib/server/db/schema.ts';
import type { Deps } from '#lib/server/deps.ts';
import { seedsOf } from '#lib/server/sessions/session-records.ts';
import type { ParticipantSeed } from '#lib/session/index.ts';
import { BatchedLoader } from './batched-loader.ts';

/**
 * Who is on the other end of a realtime connection, from the cookies of its handshake request:
 * a party's session cookie for that meeting, or a staff session whose holder may see the case.
 * Null when neither holds; the connection is then refused. Parties' cookies are looked up
 * together with those of whoever connects meanwhile (everyone coming back at once after a
 * restart or a failover): a few statements rather than one per person.
 */
export class Identities {
	readonly #deps: Deps;
	readonly #parties: BatchedLoader<string, { resolved: ResolvedInvitation; seat: ParticipantSeed }>;

	constructor(deps: Deps) {
		this.#deps = deps;
		// A party's seat (name, side, whether a victim chose not to be seen) comes with their
		// session, for the whole batch at once: one statement more for its victims, if any.
		this.#parties = new BatchedLoader(
			async (tokens: string[]) => {
				const found = [...(await findPartySessions(deps.db, tokens, deps.clock.now()))];
				// One seat per party, in the order given.
				const seats = await seedsOf(
					deps.db,
					found.map(([, { party }]) => party)
				);
				return new Map(found.map(([token, resolved], i) => [token, { resolved, seat: seats[i]! }]));
			},
			{ missing: () => new NoPartySession() }
		);
	}

	/** Who is connecting, and for a party their seat in the session (staff: seatOf). */
	async resolve(
		request: IncomingMessage,
		handshake: THandshake
	): Promise<{ identity: Identity; seat?: ParticipantSeed } | null> {
		const cookies = parseCookie(request.headers.cookie ?? '');
		if (handshake.as === 'party') {
			const token = cookies[partyCookieName(handshake.meetingId)];
			const party = token
				? await this.#parties.load(token).catch((error: unknown) => {
						if (error instanceof NoPartySession) return null;
						throw error;
					})
				: null;
			if (!party || party.resolved.meeting.id !== handshake.meetingId) return null;
			const { resolved, seat } = party;
			return {
				identity: {
					kind: 'party',
					partyId: resolved.party.id,
					meetingId: resolved.meeting.id,
					displayName: resolved.party.displayName,
					role: resolved.party.role
				},
				seat
			};
		}
		const identity = await this.#staff(request, handshake.meetingId);
		return identity ? { identity } : null;
	}

	async #staff(request: IncomingMessage, meetingId: string): Promise<Identity | null> {
		const { db, auth } = this.#deps;
		const headers = new Headers();
		if (request.headers.cookie) headers.set('cookie', request.headers.cookie);
		const session = await auth.api.getSession({ headers });
		if (!session) return null;
		// The meeting's case and the user's standing in its program, in one statement.
		const [found] = await db
			.select({
				programId: memberships.programId,
				role: memberships.role,
				mediatorUserId: cases.mediatorUserId
			})
			.from(meetings)
			.innerJoin(cases, eq(cases.id, meetings.caseId))
			.innerJoin(
				memberships,
				and(eq(memberships.programId, cases.programId), eq(memberships.userId, session.user.id))
			)
			.where(eq(meetings.id, meetingId));
		if (!found) return null;
		const actor = {
			kind: 'staff' as const,
			userId: session.user.id,
			name: session.user.name,
			programId: found.programId,
			role: found.role
		};
		if (!seesCase(actor, found)) return null;
		return { ...actor, meetingId };
	}
}

/** A cookie that names no open party session. */
class NoPartySession extends Error {}
