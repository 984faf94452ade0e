import { createHash } from 'node:crypto';
import { and, eq, inArray, isNull } from 'drizzle-orm';
import { CANONICAL_FORMAT, readCanonical } from '#lib/agreement/canonical.ts';
import type { AgreementContent } from '#lib/agreement/model.ts';
import type { PlanItemKind } from '#lib/agreement/status.ts';
import { AUDIT_ACTIONS, recordAudit } from '../audit/record-audit.ts';
import type { Executor } from '../db/client.ts';
import { agreements, agreementSignatures, planItems, user } from '../db/schema.ts';
import type { Logger } from '../log.ts';
import { liveSignatures, type AgreementRecord } from './agreement-record.ts';
import type { AgreementPdfInput, SignatureDrawing } from './pdf-input.ts';
import { renderAgreementPdf } from './render-pdf.ts';
import { checkSignatureDrawing } from './signature-drawing.ts';

type NewPlanItem = typeof planItems.$inferInsert;

/**
 * What the agreement asks to be done, one row per thing due: each instalment (or the lump
 * sum), the service hours, each behavioural or other commitment, and the apology letter the
 * program passes on. Amounts and dates exactly as signed.
 */
export function planOf(
	content: AgreementContent,
	base: { caseId: string; agreementId: string },
	partyIds: readonly string[],
	offenders: readonly string[]
): NewPlanItem[] {
	const responsible = (id: string) => (partyIds.includes(id) ? id : null);
	const item = (fields: Omit<NewPlanItem, 'caseId' | 'agreementId'>): NewPlanItem => ({
		...base,
		...fields
	});
	const items: NewPlanItem[] = [];
	for (const o of content.obligations) {
		const common = {
			obligationId: o.id,
			kind: o.kind as PlanItemKind,
			responsiblePartyId: responsible(o.responsible),
			description: o.description
		};
		if (o.kind === 'payment') {
			const due =
				o.schedule.kind === 'lump_sum'
					? [{ dueDate: o.schedule.dueDate, amountMinor: o.amountMinor }]
					: o.schedule.instalments;
			for (const instalment of due)
				items.push(
					item({ ...common, dueDate: instalment.dueDate, amountMinor: instalment.amountMinor })
				);
		} else if (o.kind === 'service')
			items.push(item({ ...common, dueDate: o.byDate, hours: o.hours }));
		else items.push(item({ ...common, dueDate: o.byDate }));
	}
	if (content.apology.delivery === 'letter')
		items.push(
			item({
				obligationId: null,
				kind: 'apology_letter',
				responsiblePartyId: offenders[0] ?? null,
				description: content.apology.note,
				dueDate: null
			})
		);
	return items;
}

/**
 * Every required signature is in: the agreement is executed. Its PDF is made from the frozen
 * canonical text (what was hashed, not the live document) and kept with its own SHA-256 for
 * the public check; its obligations become the follow-up plan; the version it amends, and
 * that version's plan, are superseded. Runs inside the last signer's transaction.
 */
export async function executeAgreement(
	tx: Executor,
	record: AgreementRecord,
	options: {
		now: Date;
		/** Where anyone holding the PDF checks it: Mend's own address, never a request's. */
		verifyUrl: string;
		log: Pick<Logger, 'warn'>;
	}
): Promise<void> {
	const { now, verifyUrl } = options;
	const { agreement } = record;
	if (!agreement.canonical || !agreement.hash || !agreement.frozenAt)
		throw new Error('executing an agreement that is not frozen');
	const frozen = readCanonical(agreement.canonical);
	const signatures = liveSignatures(record);
	const drawings = await tx
		.select({ id: agreementSignatures.id, drawing: agreementSignatures.drawing })
		.from(agreementSignatures)
		.where(
			inArray(
				agreementSignatures.id,
				signatures.map((s) => s.id)
			)
		);
	// A stored drawing is checked again, as at signing: one stored before that check existed, or
	// damaged since, is shown as not reproduced and the agreement is executed all the same.
	const drawingOf = async (
		signatureId: string,
		stored: Uint8Array | null | undefined
	): Promise<SignatureDrawing> => {
		if (!stored) return { kind: 'none' };
		const png = new Uint8Array(stored);
		const check = await checkSignatureDrawing(png);
		if (check.ok) return { kind: 'png', png };
		options.log.warn('a drawn signature cannot be reproduced in the agreement’s PDF', {
			agreementId: agreement.id,
			signatureId,
			problem: check.problem
		});
		return { kind: 'unreadable' };
	};
	const [frozenBy] = agreement.frozenByUserId
		? await tx.select({ name: user.name }).from(user).where(eq(user.id, agreement.frozenByUserId))
		: [];

	const input: AgreementPdfInput = {
		program: record.program,
		caseReference: frozen.caseReference,
		version: frozen.version,
		amends: frozen.amends,
		parties: frozen.parties as AgreementPdfInput['parties'],
		content: frozen.content,
		canonicalFormat: CANONICAL_FORMAT,
		agreementHash: agreement.hash,
		sessionLogHash: agreement.sessionLogHash,
		frozenAt: agreement.frozenAt,
		frozenBy: frozenBy?.name ?? '',
		executedAt: now,
		signatures: await Promise.all(
			signatures.map(async (s) => ({
				name: s.signerName,
				role: s.role,
				typedName: s.typedName,
				drawing: await drawingOf(s.id, drawings.find((d) => d.id === s.id)?.drawing),
				signedAt: s.signedAt,
				identifiedBy: s.identifiedBy,
				signedHash: s.signedHash
			}))
		),
		verifyUrl
	};
	const pdf = await renderAgreementPdf(input);
	const pdfHash = createHash('sha256').update(pdf).digest('hex');
	await tx
		.update(agreements)
		.set({ status: 'executed', executedAt: now, pdf: Buffer.from(pdf), pdfHash })
		.where(eq(agreements.id, agreement.id));

	if (agreement.amendsId) {
		await tx
			.update(agreements)
			.set({ status: 'superseded' })
			.where(eq(agreements.id, agreement.amendsId));
		await tx
			.update(planItems)
			.set({ supersededAt: now })
			.where(and(eq(planItems.agreementId, agreement.amendsId), isNull(planItems.supersededAt)));
		await recordAudit(tx, {
			programId: record.case.programId,
			caseId: record.case.id,
			actor: { kind: 'system' },
			action: AUDIT_ACTIONS.agreementSuperseded,
			detail: { agreementId: agreement.amendsId, by: agreement.id }
		});
	}
	const partyIds = record.parties.map((p) => p.id);
	const offenders = record.parties.filter((p) => p.role === 'offender').map((p) => p.id);
	const items = planOf(
		frozen.content,
		{ caseId: record.case.id, agreementId: agreement.id },
		partyIds,
		offenders
	);
	if (items.length > 0) await tx.insert(planItems).values(items);
	await recordAudit(tx, {
		programId: record.case.programId,
		caseId: record.case.id,
		actor: { kind: 'system' },
		action: AUDIT_ACTIONS.agreementExecuted,
		detail: { agreementId: agreement.id, hash: agreement.hash, pdfHash, planItems: items.length }
	});
}
