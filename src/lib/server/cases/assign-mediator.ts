import { and, eq } from 'drizzle-orm';
import { AssignMediatorSchema } from '#lib/cases/schemas.ts';
import { CASE_STATUSES } from '#lib/cases/vocabulary.ts';
import { ERROR_CODES } from '#lib/protocol/errors.ts';
import { STAFF_ROLES } from '#lib/protocol/roles.ts';
import * as m from '#lib/paraglide/messages.js';
import { assertCan, findVisibleCase, type StaffActor } from '../access/staff-access.ts';
import { AUDIT_ACTIONS, recordAudit } from '../audit/record-audit.ts';
import type { Database } from '../db/client.ts';
import { cases, memberships } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { parseInput } from '../validation.ts';

/** Gives the case to a mediator of the same program; the case then shows in their list. */
export async function assignMediator(
	deps: { db: Database },
	actor: StaffActor,
	caseId: string,
	input: unknown
): Promise<void> {
	assertCan(actor, 'manageCases');
	const { mediatorUserId } = parseInput(AssignMediatorSchema, input);

	await deps.db.transaction(async (tx) => {
		const row = await findVisibleCase(tx, actor, caseId);
		const [member] = await tx
			.select({ role: memberships.role })
			.from(memberships)
			.where(
				and(eq(memberships.programId, actor.programId), eq(memberships.userId, mediatorUserId))
			);
		if (member?.role !== STAFF_ROLES.mediator)
			throw new AppError(ERROR_CODES.invalidInput, m.error_form_invalid(), {
				mediatorUserId: m.error_not_a_mediator()
			});
		await tx
			.update(cases)
			.set({
				mediatorUserId,
				status: row.status === CASE_STATUSES.referred ? CASE_STATUSES.inProgress : row.status
			})
			.where(eq(cases.id, caseId));
		await recordAudit(tx, {
			programId: actor.programId,
			caseId,
			actor,
			action: AUDIT_ACTIONS.mediatorAssigned,
			detail: { mediatorUserId, previous: row.mediatorUserId }
		});
	});
}
