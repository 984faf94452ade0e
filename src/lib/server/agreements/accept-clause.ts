import { and, eq } from 'drizzle-orm';
import { clauseIds } from '#lib/agreement/model.ts';
import { acceptorsOf } from '#lib/agreement/rights.ts';
import { clauseFingerprint } from '#lib/agreement/ydoc.ts';
import { AcceptClauseSchema } from '#lib/protocol/agreement-requests.ts';
import { ERROR_CODES } from '#lib/protocol/errors.ts';
import * as m from '#lib/paraglide/messages.js';
import { AUDIT_ACTIONS, recordAudit } from '../audit/record-audit.ts';
import type { Credentials } from './case-viewer.ts';
import { agreementAcceptances } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import type { Planes } from '../planes.ts';
import { parseInput } from '../validation.ts';
import { agreementFor, assertStatus, auditActor } from './agreement-for.ts';

/**
 * A victim or an offender accepts one clause as they read it — or withdraws their acceptance.
 * The fingerprint they send must be the clause's current one: accepting a text that has
 * changed meanwhile is refused, so an acceptance always names the words it accepted.
 */
export async function acceptClause(
	deps: Deps,
	planes: Planes,
	credentials: Credentials,
	agreementId: string,
	input: unknown
): Promise<void> {
	const data = parseInput(AcceptClauseSchema, input);
	const { record, viewer } = await agreementFor(deps, credentials, agreementId);
	if (viewer.kind !== 'party' || !acceptorsOf(record.parties).includes(viewer.partyId))
		throw new AppError(ERROR_CODES.forbidden, m.agreement_error_not_acceptor());
	assertStatus(record, 'drafting');
	const content = await planes.agreements.content(agreementId);
	const clause = clauseIds(content).find((id) => id === data.clause);
	if (!clause) throw new AppError(ERROR_CODES.invalidInput, m.agreement_error_unknown_clause());
	if (data.accept && clauseFingerprint(content, clause) !== data.fingerprint)
		throw new AppError(ERROR_CODES.conflict, m.agreement_error_clause_changed());

	await deps.db.transaction(async (tx) => {
		const where = and(
			eq(agreementAcceptances.agreementId, agreementId),
			eq(agreementAcceptances.clause, clause),
			eq(agreementAcceptances.partyId, viewer.partyId)
		);
		if (data.accept)
			await tx
				.insert(agreementAcceptances)
				.values({ agreementId, clause, partyId: viewer.partyId, fingerprint: data.fingerprint })
				.onConflictDoUpdate({
					target: [
						agreementAcceptances.agreementId,
						agreementAcceptances.clause,
						agreementAcceptances.partyId
					],
					set: { fingerprint: data.fingerprint, at: deps.clock.now() }
				});
		else await tx.delete(agreementAcceptances).where(where);
		await recordAudit(tx, {
			programId: record.case.programId,
			caseId: record.case.id,
			actor: auditActor(viewer),
			action: data.accept ? AUDIT_ACTIONS.clauseAccepted : AUDIT_ACTIONS.clauseAcceptanceWithdrawn,
			detail: { agreementId, clause, fingerprint: data.fingerprint }
		});
	});
	await planes.agreements.changed(agreementId);
}
