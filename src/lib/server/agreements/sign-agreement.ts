import { eq } from 'drizzle-orm';
import { SignSchema } from '#lib/protocol/agreement-requests.ts';
import { ERROR_CODES } from '#lib/protocol/errors.ts';
import * as m from '#lib/paraglide/messages.js';
import { AUDIT_ACTIONS, recordAudit } from '../audit/record-audit.ts';
import { agreements, agreementSignatures } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { ensureFollowUps } from '../follow-up/ensure-follow-ups.ts';
import type { Planes } from '../planes.ts';
import { parseInput } from '../validation.ts';
import { liveSignatures, loadAgreementRecord } from './agreement-record.ts';
import { signersOf, signsAs } from './agreement-state.ts';
import { agreementFor, assertStatus, auditActor } from './agreement-for.ts';
import type { Credentials } from './case-viewer.ts';
import { executeAgreement } from './execute-agreement.ts';
import { checkSignatureDrawing } from './signature-drawing.ts';

/**
 * The drawing of a signing request, checked in full (`checkSignatureDrawing`): what is stored is
 * exactly what the agreement's PDF can show. A drawing that fails is refused with a field
 * message, and nothing is stored.
 */
async function drawingOf(dataUrl: string | null | undefined): Promise<Uint8Array | null> {
	if (!dataUrl) return null;
	const bytes = new Uint8Array(Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64'));
	const check = await checkSignatureDrawing(bytes);
	if (!check.ok)
		throw new AppError(ERROR_CODES.invalidInput, m.error_form_invalid(), {
			drawing: m.error_drawing()
		});
	return bytes;
}

/**
 * A signer signs the frozen text: their typed full name, an optional drawing, and an explicit
 * "I agree", bound to the hash of the text they were shown. The evidence kept: who (as the
 * case records know them), how they were identified, when, from which address and browser.
 * The last required signature executes the agreement, in the same transaction.
 */
export async function signAgreement(
	deps: Deps,
	planes: Planes,
	credentials: Credentials & { userAgent: string | null },
	agreementId: string,
	input: unknown
): Promise<{ executed: boolean }> {
	const data = parseInput(SignSchema, input);
	const { record, viewer } = await agreementFor(deps, credentials, agreementId);
	const role = signsAs(record, viewer);
	if (!role) throw new AppError(ERROR_CODES.forbidden, m.agreement_error_not_signer());
	// Decoding costs more than the rest: only for someone who may sign.
	const drawing = await drawingOf(data.drawing);

	const executed = await deps.db.transaction(async (tx) => {
		// One signer at a time per agreement: the last one, and only that one, executes it.
		await tx
			.select({ id: agreements.id })
			.from(agreements)
			.where(eq(agreements.id, agreementId))
			.for('update');
		const current = await loadAgreementRecord(tx, agreementId);
		if (!current) throw new AppError(ERROR_CODES.notFound, m.error_not_found());
		assertStatus(current, 'frozen');
		if (data.hash !== current.agreement.hash)
			throw new AppError(ERROR_CODES.conflict, m.agreement_error_hash_mismatch());
		const already = liveSignatures(current).some((s) =>
			viewer.kind === 'staff' ? s.role === 'mediator' : s.partyId === viewer.partyId
		);
		if (already) throw new AppError(ERROR_CODES.conflict, m.agreement_error_already_signed());

		const now = deps.clock.now();
		const [signature] = await tx
			.insert(agreementSignatures)
			.values({
				agreementId,
				signedHash: data.hash,
				role,
				partyId: viewer.kind === 'party' ? viewer.partyId : null,
				userId: viewer.kind === 'staff' ? viewer.actor.userId : null,
				signerName: viewer.kind === 'party' ? viewer.name : viewer.actor.name,
				typedName: data.typedName,
				drawing: drawing ? Buffer.from(drawing) : null,
				identifiedBy: viewer.identifiedBy,
				ipAddress: credentials.ip ?? null,
				userAgent: credentials.userAgent?.slice(0, 400) ?? null,
				signedAt: now
			})
			.returning({ id: agreementSignatures.id });
		await recordAudit(tx, {
			programId: current.case.programId,
			caseId: current.case.id,
			actor: auditActor(viewer),
			action: AUDIT_ACTIONS.agreementSigned,
			detail: { agreementId, signatureId: signature!.id, role, hash: data.hash }
		});

		const signed = await loadAgreementRecord(tx, agreementId);
		if (!signed || signersOf(signed).some((s) => !s.signed)) return false;
		await executeAgreement(tx, signed, {
			now,
			// Printed in everyone's copy: Mend's own address, never one the last signer's request named.
			verifyUrl: `${deps.publicUrl.href}/verify`,
			log: deps.log
		});
		return true;
	});
	await planes.agreements.changed(agreementId);
	// The follow-up contacts (check-ins, surveys, reoffending look-ups) are due from now on.
	if (executed) {
		const [row] = await deps.db
			.select({ caseId: agreements.caseId })
			.from(agreements)
			.where(eq(agreements.id, agreementId));
		if (row) await ensureFollowUps(deps, row.caseId);
	}
	return { executed };
}
