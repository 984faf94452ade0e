import { CaseInputSchema } from '#lib/cases/schemas.ts';
import { CASE_STATUSES } from '#lib/cases/vocabulary.ts';
import { yearIn } from '#lib/time.ts';
import { assertCan, type Program, type StaffActor } from '../access/staff-access.ts';
import { AUDIT_ACTIONS, recordAudit } from '../audit/record-audit.ts';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/client.ts';
import { cases } from '../db/schema.ts';
import { parseInput } from '../validation.ts';
import { nextCaseReference } from './case-reference.ts';
import { saveParties } from './save-parties.ts';

/** Takes a referral: the case and its parties, numbered and audited in one transaction. */
export async function createCase(
	deps: { db: Database; clock: Clock },
	actor: StaffActor,
	program: Program,
	input: unknown
): Promise<{ id: string; reference: string }> {
	assertCan(actor, 'manageCases');
	const data = parseInput(CaseInputSchema, input);

	return deps.db.transaction(async (tx) => {
		const reference = await nextCaseReference(
			tx,
			program.id,
			yearIn(deps.clock.now(), program.timeZone)
		);
		const [row] = await tx
			.insert(cases)
			.values({
				programId: program.id,
				reference,
				referralSource: data.referralSource,
				referralStage: data.referralStage,
				offenseCategory: data.offenseCategory,
				description: data.description,
				offenderIsJuvenile: data.offenderIsJuvenile,
				lossesClaimedMinor: data.lossesClaimed,
				status: CASE_STATUSES.referred,
				createdByUserId: actor.userId
			})
			.returning({ id: cases.id });
		await saveParties(tx, row.id, data.parties);
		await recordAudit(tx, {
			programId: program.id,
			caseId: row.id,
			actor,
			action: AUDIT_ACTIONS.caseCreated,
			detail: { reference, parties: data.parties.length }
		});
		return { id: row.id, reference };
	});
}
