import { and, eq } from 'drizzle-orm';
import { MeetingHeldSchema } from '#lib/cases/preparation-schemas.ts';
import { ERROR_CODES } from '#lib/protocol/errors.ts';
import * as m from '#lib/paraglide/messages.js';
import { assertCan, findVisibleCase, type StaffActor } from '../access/staff-access.ts';
import { AUDIT_ACTIONS, recordAudit } from '../audit/record-audit.ts';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/client.ts';
import { meetings } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { parseInput } from '../validation.ts';

/**
 * A preparation meeting counts as held: run in Mend (its session ended — recorded then by the
 * session host) or recorded here by staff, e.g. held in person. Not before its time.
 */
export async function recordMeetingHeld(
	deps: { db: Database; clock: Clock },
	actor: StaffActor,
	caseId: string,
	input: unknown
): Promise<void> {
	assertCan(actor, 'manageMeetings');
	const data = parseInput(MeetingHeldSchema, input);
	await deps.db.transaction(async (tx) => {
		await findVisibleCase(tx, actor, caseId);
		const [meeting] = await tx
			.select()
			.from(meetings)
			.where(and(eq(meetings.id, data.meetingId), eq(meetings.caseId, caseId)));
		if (!meeting) throw new AppError(ERROR_CODES.notFound, m.error_not_found());
		if (meeting.kind !== 'preparation' || meeting.status === 'cancelled')
			throw new AppError(ERROR_CODES.conflict, m.meeting_held_error_kind());
		if (meeting.scheduledAt > deps.clock.now())
			throw new AppError(ERROR_CODES.conflict, m.meeting_held_error_future());
		await tx
			.update(meetings)
			.set({ heldAt: deps.clock.now(), heldMode: data.mode })
			.where(eq(meetings.id, meeting.id));
		await recordAudit(tx, {
			programId: actor.programId,
			caseId,
			actor,
			action: AUDIT_ACTIONS.meetingHeld,
			detail: { meetingId: meeting.id, mode: data.mode }
		});
	});
}
