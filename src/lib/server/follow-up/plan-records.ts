import { and, eq } from 'drizzle-orm';
import { PlanRecordSchema } from '#lib/cases/follow-up-schemas.ts';
import { recordKindFor } from '#lib/cases/plan-status.ts';
import { CASE_STATUSES } from '#lib/cases/vocabulary.ts';
import { ERROR_CODES } from '#lib/protocol/errors.ts';
import * as m from '#lib/paraglide/messages.js';
import { dateIn } from '#lib/time.ts';
import {
	assertCan,
	findVisibleCase,
	isUuid,
	type CaseRow,
	type Program,
	type StaffActor
} from '../access/staff-access.ts';
import { AUDIT_ACTIONS, recordAudit } from '../audit/record-audit.ts';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/client.ts';
import { planItems, planRecords } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { parseInput } from '../validation.ts';

/** A closed case's plan is final: what it came to is what it was closed as. */
export function assertOpen(row: CaseRow): void {
	if (row.status === CASE_STATUSES.closed || row.closedAt)
		throw new AppError(ERROR_CODES.conflict, m.error_case_closed());
}

const invalid = (field: string, message: string) =>
	new AppError(ERROR_CODES.invalidInput, m.error_form_invalid(), { [field]: message });

/**
 * Records a payment (whole or part), hours worked, or "done" (the letter passed on, a
 * commitment confirmed) against an item of the case's plan in force. Staff who work the case
 * record it: coordinators, and the mediator assigned. The day is the program's, never later
 * than today there; the record's kind must be the one the item takes.
 */
export async function recordPlanProgress(
	deps: { db: Database; clock: Clock },
	actor: StaffActor,
	program: Program,
	caseId: string,
	input: unknown
): Promise<{ id: string }> {
	assertCan(actor, 'manageMeetings');
	const data = parseInput(PlanRecordSchema, input);
	if (data.occurredOn > dateIn(deps.clock.now(), program.timeZone))
		throw invalid('occurredOn', m.error_date_future());

	return deps.db.transaction(async (tx) => {
		const row = await findVisibleCase(tx, actor, caseId);
		assertOpen(row);
		const [item] = await tx
			.select()
			.from(planItems)
			.where(and(eq(planItems.id, data.planItemId), eq(planItems.caseId, caseId)));
		if (!item) throw new AppError(ERROR_CODES.notFound, m.error_not_found());
		if (item.supersededAt) throw new AppError(ERROR_CODES.conflict, m.error_plan_item_superseded());
		if (recordKindFor(item) !== data.kind) throw invalid('kind', m.error_plan_kind_mismatch());

		const [record] = await tx
			.insert(planRecords)
			.values({
				planItemId: item.id,
				caseId,
				kind: data.kind,
				amountMinor: data.kind === 'payment' ? data.amount : null,
				hours: data.kind === 'hours' ? data.hours : null,
				occurredOn: data.occurredOn,
				note: data.note,
				recordedByUserId: actor.userId
			})
			.returning({ id: planRecords.id });
		await recordAudit(tx, {
			programId: actor.programId,
			caseId,
			actor,
			action: AUDIT_ACTIONS.planRecorded,
			detail: {
				recordId: record.id,
				planItemId: item.id,
				kind: data.kind,
				amountMinor: data.kind === 'payment' ? data.amount : undefined,
				hours: data.kind === 'hours' ? data.hours : undefined,
				occurredOn: data.occurredOn
			}
		});
		return record;
	});
}

/** Removes a record made by mistake; the audit keeps what it said (not its note). */
export async function removePlanRecord(
	deps: { db: Database },
	actor: StaffActor,
	caseId: string,
	recordId: string
): Promise<void> {
	assertCan(actor, 'manageMeetings');
	if (!isUuid(recordId)) throw new AppError(ERROR_CODES.notFound, m.error_not_found());
	await deps.db.transaction(async (tx) => {
		const row = await findVisibleCase(tx, actor, caseId);
		assertOpen(row);
		const [removed] = await tx
			.delete(planRecords)
			.where(and(eq(planRecords.id, recordId), eq(planRecords.caseId, caseId)))
			.returning();
		if (!removed) throw new AppError(ERROR_CODES.notFound, m.error_not_found());
		await recordAudit(tx, {
			programId: actor.programId,
			caseId,
			actor,
			action: AUDIT_ACTIONS.planRecordRemoved,
			detail: {
				recordId,
				planItemId: removed.planItemId,
				kind: removed.kind,
				amountMinor: removed.amountMinor ?? undefined,
				hours: removed.hours ?? undefined,
				occurredOn: removed.occurredOn
			}
		});
	});
}
