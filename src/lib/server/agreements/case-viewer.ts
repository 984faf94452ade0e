import { parseCookie } from 'cookie';
import { and, eq } from 'drizzle-orm';
import type { PartyRole } from '#lib/protocol/roles.ts';
import { findVisibleCase, type StaffActor } from '../access/staff-access.ts';
import type { Deps } from '../deps.ts';
import { memberships, cases } from '../db/schema.ts';
import { isAppError } from '../errors.ts';
import { findPartySession, partyCookieName } from '../invitations/party-sessions.ts';

/**
 * Someone allowed to look at a case's agreement: one of its parties, through a valid party
 * session of one of the case's meetings, or a member of staff who may see the case.
 * `identifiedBy` is what a signature's audit certificate says about how they were known.
 */
export type CaseViewer =
	| {
			kind: 'party';
			partyId: string;
			role: PartyRole;
			name: string;
			caseId: string;
			programId: string;
			meetingId: string;
			identifiedBy: string;
			ip?: string;
	  }
	| {
			kind: 'staff';
			actor: StaffActor;
			caseId: string;
			identifiedBy: string;
	  };

/** What a request carries: its cookies, and the meeting whose party session it speaks for. */
export interface Credentials {
	cookieHeader: string | null;
	/** Set by a party's page (its cookie is per meeting); absent for staff. */
	meetingId: string | null;
	ip?: string;
}

export const viewerId = (viewer: CaseViewer): string =>
	viewer.kind === 'party' ? viewer.partyId : `staff:${viewer.actor.userId}`;

/** Who the credentials belong to, if they may see `caseId`; null otherwise (refuse). */
export async function viewerOfCase(
	deps: Deps,
	credentials: Credentials,
	caseId: string
): Promise<CaseViewer | null> {
	const cookies = parseCookie(credentials.cookieHeader ?? '');
	if (credentials.meetingId) {
		const resolved = await findPartySession(
			deps.db,
			cookies[partyCookieName(credentials.meetingId)],
			deps.clock.now()
		);
		if (!resolved || resolved.meeting.caseId !== caseId) return null;
		return {
			kind: 'party',
			partyId: resolved.party.id,
			role: resolved.party.role,
			name: resolved.party.displayName,
			caseId,
			programId: resolved.program.id,
			meetingId: resolved.meeting.id,
			identifiedBy: resolved.invitation.accessCodeHash
				? 'personal invitation link and access code'
				: 'personal invitation link',
			ip: credentials.ip
		};
	}

	const headers = new Headers();
	if (credentials.cookieHeader) headers.set('cookie', credentials.cookieHeader);
	const session = await deps.auth.api.getSession({ headers });
	if (!session) return null;
	const [membership] = await deps.db
		.select({ programId: memberships.programId, role: memberships.role })
		.from(cases)
		.innerJoin(
			memberships,
			and(eq(memberships.programId, cases.programId), eq(memberships.userId, session.user.id))
		)
		.where(eq(cases.id, caseId));
	if (!membership) return null;
	const actor: StaffActor = {
		kind: 'staff',
		userId: session.user.id,
		name: session.user.name,
		programId: membership.programId,
		role: membership.role,
		ip: credentials.ip
	};
	try {
		await findVisibleCase(deps.db, actor, caseId);
	} catch (error) {
		if (isAppError(error)) return null;
		throw error;
	}
	return {
		kind: 'staff',
		actor,
		caseId,
		identifiedBy: session.user.twoFactorEnabled
			? 'staff account, password and two-factor code'
			: 'staff account and password'
	};
}
