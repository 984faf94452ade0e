import type { AuditActor } from '../audit/record-audit.ts';
import type { Executor } from '../db/client.ts';
import { meetingMessage, type ProgramForMessages } from './compose.ts';
import { cancelPending, enqueueForParty, type EnqueueResult, type NotifyDeps } from './enqueue.ts';

export const REMINDER_LEAD_MS = 24 * 60 * 60_000;

/** Dedupe keys of an invitation's messages; `invite:<id>:` and `reminder:<id>:` prefix them. */
export const invitationKeys = (invitationId: string) => ({
	invitation: `invite:${invitationId}:sent`,
	reminder: `reminder:${invitationId}:24h`,
	prefixes: [`invite:${invitationId}:`, `reminder:${invitationId}:`]
});

/**
 * Called inside the transaction that issues an invitation, the only moment the link is known:
 * queues the invitation (with the .ics) and, when the meeting is more than a day away, the
 * reminder at 24 hours before, both carrying the link. Messages of the links it replaces are
 * cancelled (their links no longer work).
 *
 * Security: the link then lives in the notification row (body and .ics) until it is sent, and
 * is scrubbed from the row once sent (see the sweeper); staff who see the outbox see it.
 */
export async function queueInvitationNotices(
	executor: Executor,
	deps: NotifyDeps,
	input: {
		actor: AuditActor;
		program: ProgramForMessages & { id: string };
		caseId: string;
		party: {
			id: string;
			displayName: string;
			email: string | null;
			phone: string | null;
			withdrawnAt: Date | null;
		};
		meeting: { id: string; scheduledAt: Date; durationMinutes: number };
		invitationId: string;
		replacedInvitationIds: string[];
		link: string;
		withAccessCode: boolean;
	}
): Promise<{ invitation: EnqueueResult; reminder: EnqueueResult | null }> {
	await cancelPending(
		executor,
		input.replacedInvitationIds.flatMap((id) => invitationKeys(id).prefixes)
	);
	const now = deps.clock.now();
	const keys = invitationKeys(input.invitationId);
	const common = {
		program: input.program,
		partyName: input.party.displayName,
		meeting: input.meeting,
		link: input.link,
		withAccessCode: input.withAccessCode,
		now
	};
	const target = { programId: input.program.id, caseId: input.caseId, actor: input.actor };
	const invitation = await enqueueForParty(
		executor,
		deps,
		{ ...target, dedupeKey: keys.invitation },
		input.party,
		meetingMessage({ kind: 'invitation', ...common })
	);
	const remindAt = new Date(input.meeting.scheduledAt.getTime() - REMINDER_LEAD_MS);
	const reminder =
		remindAt > now
			? await enqueueForParty(
					executor,
					deps,
					{ ...target, dedupeKey: keys.reminder, sendAfter: remindAt },
					input.party,
					meetingMessage({ kind: 'reminder', ...common })
				)
			: null;
	return { invitation, reminder };
}
