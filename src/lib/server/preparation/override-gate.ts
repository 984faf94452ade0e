import { eq } from 'drizzle-orm';
import { GateOverrideSchema } from '#lib/cases/preparation-schemas.ts';
import { ERROR_CODES } from '#lib/protocol/errors.ts';
import * as m from '#lib/paraglide/messages.js';
import { assertCan, findVisibleCase, type StaffActor } from '../access/staff-access.ts';
import { AUDIT_ACTIONS, recordAudit } from '../audit/record-audit.ts';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/client.ts';
import { cases, programs } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { parseInput } from '../validation.ts';
import { loadCasePreparation } from './case-preparation.ts';

/**
 * A coordinator lets a joint session open before the gate is met — only where the program's
 * admin allows it, with a reason, and logged with what was missing at that moment.
 */
export async function overrideGate(
	deps: { db: Database; clock: Clock },
	actor: StaffActor,
	caseId: string,
	input: unknown
): Promise<void> {
	assertCan(actor, 'manageCases');
	const data = parseInput(GateOverrideSchema, input);
	await deps.db.transaction(async (tx) => {
		await findVisibleCase(tx, actor, caseId);
		const [program] = await tx
			.select({ gate: programs.readinessGate })
			.from(programs)
			.where(eq(programs.id, actor.programId));
		if (program?.gate !== 'overridable')
			throw new AppError(ERROR_CODES.forbidden, m.gate_error_strict());
		const preparation = await loadCasePreparation(tx, caseId);
		if (!preparation || preparation.gate.open)
			throw new AppError(ERROR_CODES.conflict, m.gate_error_already_open());
		await tx
			.update(cases)
			.set({ gateOverriddenAt: deps.clock.now(), gateOverrideReason: data.reason })
			.where(eq(cases.id, caseId));
		await recordAudit(tx, {
			programId: actor.programId,
			caseId,
			actor,
			action: AUDIT_ACTIONS.gateOverridden,
			detail: { missing: preparation.gate.gaps.map((g) => g.kind) }
		});
	});
}
