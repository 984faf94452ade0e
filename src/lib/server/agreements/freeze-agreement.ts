import { eq } from 'drizzle-orm';
import { agreementHash, canonicalForm } from '#lib/agreement/canonical.ts';
import { clauseIds } from '#lib/agreement/model.ts';
import { acceptorsOf, agreementParties } from '#lib/agreement/rights.ts';
import { validateAgreement } from '#lib/agreement/validate.ts';
import { clauseFingerprint } from '#lib/agreement/ydoc.ts';
import { ERROR_CODES } from '#lib/protocol/errors.ts';
import * as m from '#lib/paraglide/messages.js';
import { dateIn } from '#lib/time.ts';
import { AUDIT_ACTIONS, recordAudit } from '../audit/record-audit.ts';
import { agreements } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import type { Planes } from '../planes.ts';
import { loadAgreementRecord } from './agreement-record.ts';
import { agreementFor, assertStaff, assertStatus, auditActor } from './agreement-for.ts';
import type { Credentials } from './case-viewer.ts';

type MessageFn = () => string;
const messages = m as unknown as Record<string, MessageFn | undefined>;

/**
 * The mediator freezes the draft for signature. Checked on the text as it stands while no
 * edit can come in: complete and consistent (validate.ts), and every clause accepted by every
 * victim and offender as it now reads. The text's canonical form and SHA-256 are recorded,
 * with the head of the live session's log; from then on the document refuses every edit.
 */
export async function freezeAgreement(
	deps: Deps,
	planes: Planes,
	credentials: Credentials,
	agreementId: string
): Promise<{ hash: string }> {
	const { viewer } = await agreementFor(deps, credentials, agreementId);
	assertStaff(viewer);
	return planes.agreements.exclusive(agreementId, async (content) => {
		const record = await loadAgreementRecord(deps.db, agreementId);
		if (!record) throw new AppError(ERROR_CODES.notFound, m.error_not_found());
		assertStatus(record, 'drafting');
		const parties = agreementParties(record.parties, record.case.offenderIsJuvenile);
		const now = deps.clock.now();

		const issues = validateAgreement(content, {
			today: dateIn(now, record.program.timeZone),
			parties: parties.map((p) => p.id)
		});
		if (issues.length > 0)
			throw new AppError(
				ERROR_CODES.invalidInput,
				m.agreement_error_incomplete(),
				Object.fromEntries(issues.map((i) => [i.path, messages[i.message]?.() ?? i.message]))
			);

		const acceptors = acceptorsOf(record.parties);
		const open = clauseIds(content).filter((clause) => {
			const current = clauseFingerprint(content, clause);
			return acceptors.some(
				(partyId) =>
					!record.acceptances.some(
						(a) => a.clause === clause && a.partyId === partyId && a.fingerprint === current
					)
			);
		});
		if (open.length > 0)
			throw new AppError(
				ERROR_CODES.conflict,
				m.agreement_error_not_all_accepted({ count: open.length })
			);

		const canonical = canonicalForm({
			program: record.program.name,
			caseReference: record.case.reference,
			version: record.agreement.version,
			amends: record.amendsHash,
			parties: parties.map((p) => ({ id: p.id, name: p.name, role: p.role })),
			content
		});
		const hash = await agreementHash(canonical);
		const sessionLogHash = await planes.sessions.logHead(record.agreement.meetingId);
		await deps.db.transaction(async (tx) => {
			await tx
				.update(agreements)
				.set({
					status: 'frozen',
					readOnly: false,
					canonical,
					hash,
					sessionLogHash,
					frozenAt: now,
					frozenByUserId: viewer.actor.userId
				})
				.where(eq(agreements.id, agreementId));
			await recordAudit(tx, {
				programId: record.case.programId,
				caseId: record.case.id,
				actor: auditActor(viewer),
				action: AUDIT_ACTIONS.agreementFrozen,
				detail: { agreementId, hash, sessionLogHash }
			});
		});
		return { hash };
	});
}
