import { eq } from 'drizzle-orm';
import { ProgramSettingsSchema } from '#lib/cases/preparation-schemas.ts';
import { assertCan, type StaffActor } from '../access/staff-access.ts';
import { AUDIT_ACTIONS, recordAudit } from '../audit/record-audit.ts';
import type { Database } from '../db/client.ts';
import { programs } from '../db/schema.ts';
import { parseInput } from '../validation.ts';

/**
 * A program admin sets the program's rules: the readiness gate (strict or overridable), and
 * when follow-up contacts and reoffending look-ups fall due (for cases followed up from now on).
 */
export async function updateProgramSettings(
	deps: { db: Database },
	actor: StaffActor,
	input: unknown
): Promise<void> {
	assertCan(actor, 'manageStaff');
	const data = parseInput(ProgramSettingsSchema, input);
	await deps.db.transaction(async (tx) => {
		const [before] = await tx
			.select({
				readinessGate: programs.readinessGate,
				reoffendingMonths: programs.reoffendingMonths,
				checkInDays: programs.checkInDays
			})
			.from(programs)
			.where(eq(programs.id, actor.programId));
		await tx.update(programs).set(data).where(eq(programs.id, actor.programId));
		await recordAudit(tx, {
			programId: actor.programId,
			actor,
			action: AUDIT_ACTIONS.programSettingsChanged,
			detail: {
				readinessGate: { from: before?.readinessGate, to: data.readinessGate },
				reoffendingMonths: { from: before?.reoffendingMonths, to: data.reoffendingMonths },
				checkInDays: { from: before?.checkInDays, to: data.checkInDays }
			}
		});
	});
}
