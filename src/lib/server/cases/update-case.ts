import { eq } from 'drizzle-orm';
import { CaseInputSchema } from '#lib/cases/schemas.ts';
import { assertCan, findVisibleCase, type StaffActor } from '../access/staff-access.ts';
import { AUDIT_ACTIONS, recordAudit } from '../audit/record-audit.ts';
import type { Database } from '../db/client.ts';
import { cases } from '../db/schema.ts';
import { parseInput } from '../validation.ts';
import { saveParties } from './save-parties.ts';

const FIELDS = [
	'referralSource',
	'referralStage',
	'offenseCategory',
	'description',
	'offenderIsJuvenile',
	'lossesClaimedMinor'
] as const;

/** Edits a referral and its parties; the audit records which fields changed, not their values. */
export async function updateCase(
	deps: { db: Database },
	actor: StaffActor,
	caseId: string,
	input: unknown
): Promise<void> {
	assertCan(actor, 'manageCases');
	const data = parseInput(CaseInputSchema, input);

	await deps.db.transaction(async (tx) => {
		const before = await findVisibleCase(tx, actor, caseId);
		const after = {
			referralSource: data.referralSource,
			referralStage: data.referralStage,
			offenseCategory: data.offenseCategory,
			description: data.description,
			offenderIsJuvenile: data.offenderIsJuvenile,
			lossesClaimedMinor: data.lossesClaimed
		};
		const changed = FIELDS.filter((field) => before[field] !== after[field]);
		if (changed.length > 0) await tx.update(cases).set(after).where(eq(cases.id, caseId));
		const partyChanges = await saveParties(tx, caseId, data.parties);
		await recordAudit(tx, {
			programId: actor.programId,
			caseId,
			actor,
			action: AUDIT_ACTIONS.caseUpdated,
			detail: { changed, parties: partyChanges }
		});
	});
}
