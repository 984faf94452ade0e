import { eq } from 'drizzle-orm';
import { ERROR_CODES } from '#lib/protocol/errors.ts';
import * as m from '#lib/paraglide/messages.js';
import { findVisibleCase, isUuid, type StaffActor } from '../access/staff-access.ts';
import type { Executor } from '../db/client.ts';
import { meetings } from '../db/schema.ts';
import { AppError } from '../errors.ts';

/** A meeting of a case this actor may see, or not_found (exactly as if it did not exist). */
export async function findVisibleMeeting(executor: Executor, actor: StaffActor, meetingId: string) {
	if (!isUuid(meetingId)) throw new AppError(ERROR_CODES.notFound, m.error_not_found());
	const [meeting] = await executor.select().from(meetings).where(eq(meetings.id, meetingId));
	if (!meeting) throw new AppError(ERROR_CODES.notFound, m.error_not_found());
	const caseRow = await findVisibleCase(executor, actor, meeting.caseId);
	return { meeting, case: caseRow };
}
