import { eq } from 'drizzle-orm';
import { CloseCaseSchema } from '#lib/cases/follow-up-schemas.ts';
import type { CaseClosure } from '#lib/cases/casework.ts';
import { CASE_STATUSES } from '#lib/cases/vocabulary.ts';
import { assertCan, findVisibleCase, type StaffActor } from '../access/staff-access.ts';
import { AUDIT_ACTIONS, recordAudit } from '../audit/record-audit.ts';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/client.ts';
import { cases } from '../db/schema.ts';
import { parseInput } from '../validation.ts';
import { assertOpen } from './plan-records.ts';

/**
 * Closes the case with its outcome — completed, partially completed, not completed, or closed
 * without an agreement — and the reason, which the audit entry keeps (cases have no column for
 * it). Coordinators close cases; a closed case's plan can no longer change, while check-ins,
 * surveys and reoffending look-ups go on.
 */
export async function closeCase(
	deps: { db: Database; clock: Clock },
	actor: StaffActor,
	caseId: string,
	input: unknown
): Promise<{ closure: CaseClosure }> {
	assertCan(actor, 'manageCases');
	const { closure, reason } = parseInput(CloseCaseSchema, input);
	return deps.db.transaction(async (tx) => {
		const row = await findVisibleCase(tx, actor, caseId);
		assertOpen(row);
		await tx
			.update(cases)
			.set({ status: CASE_STATUSES.closed, closure, closedAt: deps.clock.now() })
			.where(eq(cases.id, caseId));
		await recordAudit(tx, {
			programId: actor.programId,
			caseId,
			actor,
			action: AUDIT_ACTIONS.caseClosed,
			detail: { closure, reason, previousStatus: row.status }
		});
		return { closure };
	});
}
