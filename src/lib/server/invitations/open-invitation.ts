import { eq } from 'drizzle-orm';
import type { MeetingKind } from '#lib/cases/vocabulary.ts';
import type { PartyRole } from '#lib/protocol/roles.ts';
import { AUDIT_ACTIONS, recordAudit } from '../audit/record-audit.ts';
import type { Clock } from '../clock.ts';
import type { Database, Executor } from '../db/client.ts';
import { invitations, parties } from '../db/schema.ts';
import { findPartySession, startPartySession, type StartedPartySession } from './party-sessions.ts';
import {
	contactOf,
	lookUpInvitation,
	type ClosedReason,
	type ProgramContact,
	type ResolvedInvitation
} from './resolve-invitation.ts';

/**
 * What a party sees of their meeting: their own name and role, when, with whom as mediator,
 * and how to reach the program. Never another party's contact details.
 */
export interface PartyMeetingView {
	meetingId: string;
	meetingKind: MeetingKind;
	scheduledAt: Date;
	durationMinutes: number;
	timeZone: string;
	program: ProgramContact;
	partyName: string;
	partyRole: PartyRole;
	/** For a guardian or support person: the name of the person they accompany. */
	accompanyingName: string | null;
	mediatorName: string | null;
}

export type JoinPage =
	| { kind: 'not_found' }
	| { kind: 'closed'; reason: ClosedReason; program: ProgramContact }
	| { kind: 'code_required'; program: ProgramContact; lockedUntil: Date | null }
	| { kind: 'ready'; view: PartyMeetingView };

export async function partyMeetingView(
	executor: Executor,
	resolved: ResolvedInvitation
): Promise<PartyMeetingView> {
	const { meeting, party, program } = resolved;
	let accompanyingName: string | null = null;
	if (party.accompaniesPartyId) {
		const [accompanied] = await executor
			.select({ displayName: parties.displayName })
			.from(parties)
			.where(eq(parties.id, party.accompaniesPartyId));
		accompanyingName = accompanied?.displayName ?? null;
	}
	return {
		meetingId: meeting.id,
		meetingKind: meeting.kind,
		scheduledAt: meeting.scheduledAt,
		durationMinutes: meeting.durationMinutes,
		timeZone: program.timeZone,
		program: contactOf(program),
		partyName: party.displayName,
		partyRole: party.role,
		accompanyingName,
		mediatorName: resolved.mediatorName
	};
}

/** Enters with the session: the page plus, the first time, the session the browser keeps. */
export async function enterMeeting(
	db: Database,
	resolved: ResolvedInvitation,
	ip: string | undefined,
	now: Date
): Promise<{ page: JoinPage; session: StartedPartySession; party: ResolvedInvitation }> {
	const session = await db.transaction(async (tx) => {
		const started = await startPartySession(tx, resolved.invitation);
		await tx
			.update(invitations)
			.set({ lastOpenedAt: now, failedCodeAttempts: 0 })
			.where(eq(invitations.id, resolved.invitation.id));
		await recordAudit(tx, {
			programId: resolved.program.id,
			caseId: resolved.meeting.caseId,
			actor: { kind: 'party', partyId: resolved.party.id, ip },
			action: AUDIT_ACTIONS.invitationOpened,
			detail: { invitationId: resolved.invitation.id, meetingId: resolved.meeting.id }
		});
		return started;
	});
	return {
		page: { kind: 'ready', view: await partyMeetingView(db, resolved) },
		session,
		party: resolved
	};
}

/**
 * Opening a link. A browser that already entered with this link goes straight in; otherwise a
 * link without an access code enters at once, and one with a code asks for it.
 */
export async function openInvitation(
	deps: { db: Database; clock: Clock },
	request: {
		token: string;
		/** The party session cookie this browser holds for a meeting, if any. */
		sessionFor: (meetingId: string) => string | undefined;
		ip?: string;
	}
): Promise<{ page: JoinPage; session?: StartedPartySession; party?: ResolvedInvitation }> {
	const now = deps.clock.now();
	const lookup = await lookUpInvitation(deps.db, request.token, now);
	if (lookup.kind === 'not_found') return { page: lookup };
	if (lookup.kind === 'closed') return { page: lookup };

	const { resolved } = lookup;
	const current = await findPartySession(deps.db, request.sessionFor(resolved.meeting.id), now);
	if (current?.invitation.id === resolved.invitation.id)
		return {
			page: { kind: 'ready', view: await partyMeetingView(deps.db, resolved) },
			party: resolved
		};

	if (resolved.invitation.accessCodeHash) {
		const lockedUntil = resolved.invitation.codeLockedUntil;
		return {
			page: {
				kind: 'code_required',
				program: contactOf(resolved.program),
				lockedUntil: lockedUntil && lockedUntil > now ? lockedUntil : null
			}
		};
	}
	return enterMeeting(deps.db, resolved, request.ip, now);
}
