import { and, desc, eq, inArray } from 'drizzle-orm';
import { ERROR_CODES } from '../../protocol/errors.ts';
import * as m from '../../paraglide/messages.js';
import { NOTIFICATION_STATUSES, type NotificationStatus } from '../../cases/casework.ts';
import { assertCan, isUuid, type StaffActor } from '../access/staff-access.ts';
import { AUDIT_ACTIONS, recordAudit } from '../audit/record-audit.ts';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/client.ts';
import { cases, notifications } from '../db/schema.ts';
import { AppError } from '../errors.ts';

const LIMIT = 200;

/**
 * A link to join the staff tells whoever opens it whether its address has an account (only a
 * new address can make one there), so the inviting program's staff see it only when they must
 * pass the message on themselves — not while Mend is about to send it, nor after.
 */
const STAFF_INVITATION_LINK = /\/staff-invitation\/[A-Za-z0-9_-]+/g;
const passedOnByStaff = (status: NotificationStatus) =>
	status === NOTIFICATION_STATUSES.outboxOnly || status === NOTIFICATION_STATUSES.failed;

/** The program's notifications, newest due first; only admins and coordinators see them. */
export async function listOutbox(
	deps: { db: Database },
	actor: StaffActor,
	filter: { status?: NotificationStatus } = {}
) {
	assertCan(actor, 'manageOutbox');
	return deps.db
		.select({
			id: notifications.id,
			caseId: notifications.caseId,
			caseReference: cases.reference,
			channel: notifications.channel,
			recipient: notifications.recipient,
			subject: notifications.subject,
			body: notifications.body,
			hasIcs: notifications.ics,
			status: notifications.status,
			sendAfter: notifications.sendAfter,
			sentAt: notifications.sentAt,
			attempts: notifications.attempts,
			lastError: notifications.lastError
		})
		.from(notifications)
		.leftJoin(cases, eq(cases.id, notifications.caseId))
		.where(
			and(
				eq(notifications.programId, actor.programId),
				filter.status ? eq(notifications.status, filter.status) : undefined
			)
		)
		.orderBy(desc(notifications.sendAfter))
		.limit(LIMIT)
		.then((rows) =>
			rows.map(({ hasIcs, ...row }) => ({
				...row,
				body: passedOnByStaff(row.status)
					? row.body
					: row.body.replace(STAFF_INVITATION_LINK, '/staff-invitation/[…]'),
				hasIcs: hasIcs !== null
			}))
		);
}

/** The .ics attached to one notification of the actor's program. */
export async function outboxIcs(deps: { db: Database }, actor: StaffActor, id: string) {
	assertCan(actor, 'manageOutbox');
	if (!isUuid(id)) throw new AppError(ERROR_CODES.notFound, m.error_not_found());
	const [row] = await deps.db
		.select({ ics: notifications.ics })
		.from(notifications)
		.where(and(eq(notifications.id, id), eq(notifications.programId, actor.programId)));
	if (!row?.ics) throw new AppError(ERROR_CODES.notFound, m.error_not_found());
	return row.ics;
}

async function change(
	deps: { db: Database },
	actor: StaffActor,
	id: string,
	from: NotificationStatus[],
	set: Partial<typeof notifications.$inferInsert>,
	action: typeof AUDIT_ACTIONS.notificationCancelled | typeof AUDIT_ACTIONS.notificationRetried
): Promise<void> {
	assertCan(actor, 'manageOutbox');
	if (!isUuid(id)) throw new AppError(ERROR_CODES.notFound, m.error_not_found());
	await deps.db.transaction(async (tx) => {
		const [existing] = await tx
			.select({ caseId: notifications.caseId, status: notifications.status })
			.from(notifications)
			.where(and(eq(notifications.id, id), eq(notifications.programId, actor.programId)));
		if (!existing) throw new AppError(ERROR_CODES.notFound, m.error_not_found());
		// The status is checked again by the UPDATE: a sweep may have claimed it meanwhile.
		const [changed] = await tx
			.update(notifications)
			.set(set)
			.where(and(eq(notifications.id, id), inArray(notifications.status, from)))
			.returning({ status: notifications.status });
		if (!changed) throw new AppError(ERROR_CODES.conflict, m.error_notification_not_changeable());
		await recordAudit(tx, {
			programId: actor.programId,
			caseId: existing.caseId,
			actor,
			action,
			detail: { notificationId: id, from: existing.status, to: changed.status }
		});
	});
}

/** A message not yet sent is not sent (nor shown as to be passed on). */
export function cancelNotification(deps: { db: Database }, actor: StaffActor, id: string) {
	return change(
		deps,
		actor,
		id,
		[NOTIFICATION_STATUSES.queued, NOTIFICATION_STATUSES.outboxOnly],
		{ status: NOTIFICATION_STATUSES.cancelled },
		AUDIT_ACTIONS.notificationCancelled
	);
}

/** A failed message is tried again at the next sweep, with a fresh count of attempts. */
export function retryNotification(
	deps: { db: Database; clock: Clock },
	actor: StaffActor,
	id: string
) {
	// Without a transport for its channel the sweep moves it to outbox_only.
	return change(
		deps,
		actor,
		id,
		[NOTIFICATION_STATUSES.failed],
		{ status: NOTIFICATION_STATUSES.queued, attempts: 0, sendAfter: deps.clock.now() },
		AUDIT_ACTIONS.notificationRetried
	);
}
