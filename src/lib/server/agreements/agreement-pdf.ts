import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { ERROR_CODES } from '#lib/protocol/errors.ts';
import * as m from '#lib/paraglide/messages.js';
import { AUDIT_ACTIONS, recordAudit } from '../audit/record-audit.ts';
import { agreements, cases, programs } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { liveSignatures, loadAgreementRecord } from './agreement-record.ts';
import { agreementFor, auditActor } from './agreement-for.ts';
import type { Credentials } from './case-viewer.ts';

/** The signed agreement's PDF, for its parties and the staff of its case. */
export async function agreementPdf(
	deps: Deps,
	credentials: Credentials,
	agreementId: string
): Promise<{ bytes: Uint8Array<ArrayBuffer>; fileName: string }> {
	const { record, viewer } = await agreementFor(deps, credentials, agreementId);
	const [row] = await deps.db
		.select({ pdf: agreements.pdf })
		.from(agreements)
		.where(eq(agreements.id, agreementId));
	if (!row?.pdf) throw new AppError(ERROR_CODES.notFound, m.agreement_error_not_executed());
	await recordAudit(deps.db, {
		programId: record.case.programId,
		caseId: record.case.id,
		actor: auditActor(viewer),
		action: AUDIT_ACTIONS.agreementDownloaded,
		detail: { agreementId }
	});
	return {
		bytes: new Uint8Array(row.pdf),
		fileName: `agreement-${record.case.reference}-v${record.agreement.version}.pdf`
	};
}

/** What the public verification page says about a file. */
export type Verification =
	| { genuine: false; sha256: string }
	| {
			genuine: true;
			sha256: string;
			program: string;
			caseReference: string;
			version: number;
			/** superseded: a later, signed amendment replaces it. */
			status: 'executed' | 'superseded';
			executedAt: string;
			agreementHash: string;
			signers: { role: string; name: string; signedAt: string }[];
	  };

/** Largest file the verification page takes. */
export const MAX_VERIFY_BYTES = 10 * 1024 * 1024;

/**
 * Whether a file is exactly a PDF Mend issued: its SHA-256 must be that of a signed
 * agreement's PDF. One changed byte gives another hash, and the answer is "not genuine".
 * It says only what the PDF itself shows (names and roles of the signers, dates).
 */
export async function verifyAgreementPdf(deps: Deps, bytes: Uint8Array): Promise<Verification> {
	return verifyAgreementHash(deps, createHash('sha256').update(bytes).digest('hex'));
}

/**
 * The same answer from the file's SHA-256 alone: the page computes it in the browser, so the
 * file never leaves the reader's device (the upload is the fallback without JavaScript).
 */
export async function verifyAgreementHash(deps: Deps, sha256: string): Promise<Verification> {
	const [row] = await deps.db
		.select({ id: agreements.id })
		.from(agreements)
		.innerJoin(cases, eq(cases.id, agreements.caseId))
		.innerJoin(programs, eq(programs.id, cases.programId))
		.where(eq(agreements.pdfHash, sha256));
	const record = row ? await loadAgreementRecord(deps.db, row.id) : null;
	if (!record || !record.agreement.executedAt || !record.agreement.hash)
		return { genuine: false, sha256 };
	return {
		genuine: true,
		sha256,
		program: record.program.name,
		caseReference: record.case.reference,
		version: record.agreement.version,
		status: record.agreement.status === 'superseded' ? 'superseded' : 'executed',
		executedAt: record.agreement.executedAt.toISOString(),
		agreementHash: record.agreement.hash,
		signers: liveSignatures(record).map((s) => ({
			role: s.role,
			name: s.signerName,
			signedAt: s.signedAt.toISOString()
		}))
	};
}
