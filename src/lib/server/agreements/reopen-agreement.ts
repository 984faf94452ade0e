import { eq } from 'drizzle-orm';
import { ReopenSchema } from '#lib/protocol/agreement-requests.ts';
import { AUDIT_ACTIONS, recordAudit } from '../audit/record-audit.ts';
import { agreements } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import type { Planes } from '../planes.ts';
import { parseInput } from '../validation.ts';
import { voidSignatures } from './agreement-record.ts';
import { agreementFor, assertStaff, assertStatus, auditActor } from './agreement-for.ts';
import type { Credentials } from './case-viewer.ts';

/**
 * The mediator unfreezes the text to change something. Every signature given so far is
 * voided — kept, marked void with the reason, shown struck through — since it named a text
 * that is about to change; the acceptances stay, and hold only for clauses left unchanged.
 */
export async function reopenAgreement(
	deps: Deps,
	planes: Planes,
	credentials: Credentials,
	agreementId: string,
	input: unknown
): Promise<{ voided: number }> {
	const { reason } = parseInput(ReopenSchema, input);
	const { record, viewer } = await agreementFor(deps, credentials, agreementId);
	assertStaff(viewer);
	const voided = await deps.db.transaction(async (tx) => {
		const [locked] = await tx
			.select({ status: agreements.status })
			.from(agreements)
			.where(eq(agreements.id, agreementId))
			.for('update');
		assertStatus(
			{ ...record, agreement: { ...record.agreement, status: locked!.status } },
			'frozen'
		);
		const now = deps.clock.now();
		const count = await voidSignatures(tx, agreementId, now, reason);
		await tx
			.update(agreements)
			.set({
				status: 'drafting',
				canonical: null,
				hash: null,
				sessionLogHash: null,
				frozenAt: null,
				frozenByUserId: null
			})
			.where(eq(agreements.id, agreementId));
		await recordAudit(tx, {
			programId: record.case.programId,
			caseId: record.case.id,
			actor: auditActor(viewer),
			action: AUDIT_ACTIONS.agreementReopened,
			detail: { agreementId, reason, voidedSignatures: count, hash: record.agreement.hash }
		});
		return count;
	});
	await planes.agreements.changed(agreementId);
	return { voided };
}
