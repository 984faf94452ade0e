import { and, eq, gt, inArray } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import {
	cases,
	invitations,
	meetings,
	parties,
	partySessions,
	programs,
	user
} from '../db/schema.ts';
import { hashToken, newToken } from '../tokens.ts';
import { classify, type ResolvedInvitation } from './resolve-invitation.ts';

/**
 * One cookie per meeting, so that a person invited to two meetings (a preparation meeting and
 * the joint session) can hold both in one browser.
 */
export const partyCookieName = (meetingId: string): string =>
	`mend_party_${meetingId.replaceAll('-', '')}`;

export interface StartedPartySession {
	token: string;
	expiresAt: Date;
	cookieName: string;
}

/** What a party's browser keeps after entering: valid as long as the invitation is. */
export async function startPartySession(
	executor: Executor,
	invitation: { id: string; meetingId: string; expiresAt: Date }
): Promise<StartedPartySession> {
	const token = newToken();
	await executor.insert(partySessions).values({
		invitationId: invitation.id,
		tokenHash: hashToken(token),
		expiresAt: invitation.expiresAt
	});
	return {
		token,
		expiresAt: invitation.expiresAt,
		cookieName: partyCookieName(invitation.meetingId)
	};
}

/**
 * The invitation behind a party session cookie, if both still hold: a revoked, withdrawn or
 * expired invitation, or an ended meeting, ends every session made with it.
 */
export async function findPartySession(
	executor: Executor,
	sessionToken: string | undefined,
	now: Date
): Promise<ResolvedInvitation | null> {
	if (!sessionToken) return null;
	return (await findPartySessions(executor, [sessionToken], now)).get(sessionToken) ?? null;
}

/**
 * `findPartySession` for several cookies in one statement (a process that many parties come
 * back to at once): the open ones, by cookie value.
 */
export async function findPartySessions(
	executor: Executor,
	sessionTokens: readonly string[],
	now: Date
): Promise<Map<string, ResolvedInvitation>> {
	const byHash = new Map(
		sessionTokens
			.filter((token) => /^[A-Za-z0-9_-]{43}$/.test(token))
			.map((token) => [hashToken(token), token])
	);
	const found = new Map<string, ResolvedInvitation>();
	if (byHash.size === 0) return found;
	const rows = await executor
		.select({
			tokenHash: partySessions.tokenHash,
			invitation: invitations,
			meeting: meetings,
			party: parties,
			program: programs,
			mediatorName: user.name
		})
		.from(partySessions)
		.innerJoin(invitations, eq(invitations.id, partySessions.invitationId))
		.innerJoin(meetings, eq(meetings.id, invitations.meetingId))
		.innerJoin(parties, eq(parties.id, invitations.partyId))
		.innerJoin(cases, eq(cases.id, meetings.caseId))
		.innerJoin(programs, eq(programs.id, cases.programId))
		.leftJoin(user, eq(user.id, cases.mediatorUserId))
		.where(
			and(inArray(partySessions.tokenHash, [...byHash.keys()]), gt(partySessions.expiresAt, now))
		);
	for (const { tokenHash, ...row } of rows) {
		const lookup = classify(row, now);
		const token = byHash.get(tokenHash);
		if (lookup.kind === 'open' && token) found.set(token, lookup.resolved);
	}
	return found;
}
