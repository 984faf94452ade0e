import { eq } from 'drizzle-orm';
import { SetReadOnlySchema } from '#lib/protocol/agreement-requests.ts';
import { AUDIT_ACTIONS, recordAudit } from '../audit/record-audit.ts';
import { agreements } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import type { Planes } from '../planes.ts';
import { parseInput } from '../validation.ts';
import { agreementFor, assertStaff, assertStatus, auditActor } from './agreement-for.ts';
import type { Credentials } from './case-viewer.ts';

/** The mediator holds the draft still for everyone (to read it through), or lets it go. */
export async function setReadOnly(
	deps: Deps,
	planes: Planes,
	credentials: Credentials,
	agreementId: string,
	input: unknown
): Promise<void> {
	const { readOnly } = parseInput(SetReadOnlySchema, input);
	const { record, viewer } = await agreementFor(deps, credentials, agreementId);
	assertStaff(viewer);
	assertStatus(record, 'drafting');
	await deps.db.transaction(async (tx) => {
		await tx.update(agreements).set({ readOnly }).where(eq(agreements.id, agreementId));
		await recordAudit(tx, {
			programId: record.case.programId,
			caseId: record.case.id,
			actor: auditActor(viewer),
			action: AUDIT_ACTIONS.agreementReadOnlySet,
			detail: { agreementId, readOnly }
		});
	});
	await planes.agreements.changed(agreementId);
}
