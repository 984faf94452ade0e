import { and, inArray, like, or } from 'drizzle-orm';
import {
	NOTIFICATION_CHANNELS,
	NOTIFICATION_STATUSES,
	type NotificationChannel
} from '../../cases/casework.ts';
import { AUDIT_ACTIONS, recordAudit, type AuditActor } from '../audit/record-audit.ts';
import type { Clock } from '../clock.ts';
import type { Executor } from '../db/client.ts';
import { notifications } from '../db/schema.ts';
import type { Transports } from './transports.ts';

export interface NotifyDeps {
	clock: Clock;
	/** Absent (or a channel missing): the notification is kept for staff, `outbox_only`. */
	transports?: Transports;
}

export interface Message {
	subject: string;
	body: string;
	ics?: string | null;
}

export interface Target {
	programId: string;
	caseId: string | null;
	/** Makes it once only: a second enqueue with the same key does nothing. */
	dedupeKey: string;
	/** Not before; now when absent. */
	sendAfter?: Date;
	/** Who caused it, for the audit log (the sweeper is `system`). */
	actor: AuditActor;
}

export type EnqueueResult =
	| { queued: true; id: string; channel: NotificationChannel; status: 'queued' | 'outbox_only' }
	| { queued: false; reason: 'no_contact' | 'withdrawn' | 'duplicate' };

/** E-mail when the person has an address, else a text message, else nothing. */
export function channelFor(contact: {
	email: string | null;
	phone: string | null;
}): { channel: NotificationChannel; recipient: string } | null {
	const email = contact.email?.trim();
	if (email) return { channel: NOTIFICATION_CHANNELS.email, recipient: email };
	const phone = contact.phone?.trim();
	if (phone) return { channel: NOTIFICATION_CHANNELS.sms, recipient: phone };
	return null;
}

async function insert(
	executor: Executor,
	deps: NotifyDeps,
	target: Target,
	who: { partyId: string | null; userId: string | null },
	to: { channel: NotificationChannel; recipient: string },
	message: Message
): Promise<EnqueueResult> {
	const status = deps.transports?.[to.channel]
		? NOTIFICATION_STATUSES.queued
		: NOTIFICATION_STATUSES.outboxOnly;
	const [row] = await executor
		.insert(notifications)
		.values({
			programId: target.programId,
			caseId: target.caseId,
			partyId: who.partyId,
			userId: who.userId,
			channel: to.channel,
			recipient: to.recipient,
			subject: message.subject,
			body: message.body,
			ics: message.ics ?? null,
			dedupeKey: target.dedupeKey,
			status,
			sendAfter: target.sendAfter ?? deps.clock.now()
		})
		.onConflictDoNothing({ target: notifications.dedupeKey })
		.returning({ id: notifications.id });
	if (!row) return { queued: false, reason: 'duplicate' };
	await recordAudit(executor, {
		programId: target.programId,
		caseId: target.caseId,
		actor: target.actor,
		action: AUDIT_ACTIONS.notificationQueued,
		// The kind of message (the key's first part), never whom it goes to or what it says.
		detail: {
			notificationId: row.id,
			kind: target.dedupeKey.split(':')[0],
			channel: to.channel,
			status,
			partyId: who.partyId,
			userId: who.userId
		}
	});
	return { queued: true, id: row.id, channel: to.channel, status };
}

/** To a party of the case, by their own contact details (which only staff ever see). */
export async function enqueueForParty(
	executor: Executor,
	deps: NotifyDeps,
	target: Target,
	party: { id: string; email: string | null; phone: string | null; withdrawnAt?: Date | null },
	message: Message
): Promise<EnqueueResult> {
	if (party.withdrawnAt) return { queued: false, reason: 'withdrawn' };
	const to = channelFor(party);
	if (!to) return { queued: false, reason: 'no_contact' };
	return insert(executor, deps, target, { partyId: party.id, userId: null }, to, message);
}

/** To a staff member, by the e-mail of their account. */
export async function enqueueForStaff(
	executor: Executor,
	deps: NotifyDeps,
	target: Target,
	staff: { id: string; email: string },
	message: Message
): Promise<EnqueueResult> {
	const to = channelFor({ email: staff.email, phone: null });
	if (!to) return { queued: false, reason: 'no_contact' };
	return insert(executor, deps, target, { partyId: null, userId: staff.id }, to, message);
}

/**
 * To someone known only by an e-mail address, with no party and no account named: an
 * invitation to a program's staff, which must not say whether the address has an account.
 */
export async function enqueueForAddress(
	executor: Executor,
	deps: NotifyDeps,
	target: Target,
	email: string,
	message: Message
): Promise<EnqueueResult> {
	const to = channelFor({ email, phone: null });
	if (!to) return { queued: false, reason: 'no_contact' };
	return insert(executor, deps, target, { partyId: null, userId: null }, to, message);
}

/**
 * Cancels what has not gone out yet under these key prefixes, e.g. an invitation's messages
 * once the link is replaced or revoked (they would carry a link that no longer works).
 */
export async function cancelPending(executor: Executor, keyPrefixes: string[]): Promise<number> {
	if (keyPrefixes.length === 0) return 0;
	const rows = await executor
		.update(notifications)
		.set({ status: NOTIFICATION_STATUSES.cancelled, lastError: 'superseded' })
		.where(
			and(
				inArray(notifications.status, [
					NOTIFICATION_STATUSES.queued,
					NOTIFICATION_STATUSES.outboxOnly
				]),
				or(...keyPrefixes.map((prefix) => like(notifications.dedupeKey, `${prefix}%`)))
			)
		)
		.returning({ id: notifications.id });
	return rows.length;
}
