import { eq } from 'drizzle-orm';
import { MEETING_STATUSES } from '#lib/cases/vocabulary.ts';
import { ERROR_CODES } from '#lib/protocol/errors.ts';
import * as m from '#lib/paraglide/messages.js';
import { assertCan, type StaffActor } from '../access/staff-access.ts';
import { AUDIT_ACTIONS, recordAudit } from '../audit/record-audit.ts';
import type { Database } from '../db/client.ts';
import { meetings } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { findVisibleMeeting } from './find-visible-meeting.ts';

/** Cancels a meeting that has not taken place; its links then say so. */
export async function cancelMeeting(
	deps: { db: Database },
	actor: StaffActor,
	meetingId: string
): Promise<void> {
	assertCan(actor, 'manageMeetings');
	await deps.db.transaction(async (tx) => {
		const { meeting } = await findVisibleMeeting(tx, actor, meetingId);
		if (meeting.status !== MEETING_STATUSES.scheduled)
			throw new AppError(ERROR_CODES.conflict, m.error_meeting_not_scheduled());
		await tx
			.update(meetings)
			.set({ status: MEETING_STATUSES.cancelled })
			.where(eq(meetings.id, meetingId));
		await recordAudit(tx, {
			programId: actor.programId,
			caseId: meeting.caseId,
			actor,
			action: AUDIT_ACTIONS.meetingCancelled,
			detail: { meetingId }
		});
	});
}
