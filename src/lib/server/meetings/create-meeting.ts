import { and, eq } from 'drizzle-orm';
import { MeetingInputSchema } from '#lib/cases/schemas.ts';
import { MEETING_KINDS, MEETING_STATUSES } from '#lib/cases/vocabulary.ts';
import { ERROR_CODES } from '#lib/protocol/errors.ts';
import { PARTY_ROLES } from '#lib/protocol/roles.ts';
import * as m from '#lib/paraglide/messages.js';
import { zonedToInstant } from '#lib/time.ts';
import {
	assertCan,
	findVisibleCase,
	type Program,
	type StaffActor
} from '../access/staff-access.ts';
import { AUDIT_ACTIONS, recordAudit } from '../audit/record-audit.ts';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/client.ts';
import { meetings, parties } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { parseInput } from '../validation.ts';

/**
 * Schedules a preparation meeting with one victim or offender, or the joint session, at a
 * wall-clock time in the program's time zone.
 */
export async function createMeeting(
	deps: { db: Database; clock: Clock },
	actor: StaffActor,
	program: Program,
	caseId: string,
	input: unknown
): Promise<{ id: string }> {
	assertCan(actor, 'manageMeetings');
	const data = parseInput(MeetingInputSchema, input);
	const scheduledAt = zonedToInstant(data.scheduledAt, program.timeZone);
	if (scheduledAt <= deps.clock.now())
		throw new AppError(ERROR_CODES.invalidInput, m.error_form_invalid(), {
			scheduledAt: m.error_datetime_past()
		});

	return deps.db.transaction(async (tx) => {
		await findVisibleCase(tx, actor, caseId);
		const partyId = data.kind === MEETING_KINDS.preparation ? data.partyId : undefined;
		if (partyId) {
			const [party] = await tx
				.select({ role: parties.role })
				.from(parties)
				.where(and(eq(parties.id, partyId), eq(parties.caseId, caseId)));
			if (party?.role !== PARTY_ROLES.victim && party?.role !== PARTY_ROLES.offender)
				throw new AppError(ERROR_CODES.invalidInput, m.error_form_invalid(), {
					partyId: m.error_prep_party()
				});
		}
		const [row] = await tx
			.insert(meetings)
			.values({
				caseId,
				kind: data.kind,
				partyId: partyId ?? null,
				scheduledAt,
				durationMinutes: data.durationMinutes,
				firstSpeaker: data.firstSpeaker,
				status: MEETING_STATUSES.scheduled
			})
			.returning({ id: meetings.id });
		await recordAudit(tx, {
			programId: actor.programId,
			caseId,
			actor,
			action: AUDIT_ACTIONS.meetingCreated,
			detail: { meetingId: row.id, kind: data.kind, scheduledAt: scheduledAt.toISOString() }
		});
		return { id: row.id };
	});
}
