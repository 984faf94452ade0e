import { and, asc, eq, getTableColumns, isNull } from 'drizzle-orm';
import type { CaseParty } from '#lib/agreement/rights.ts';
import type { Executor } from '../db/client.ts';
import {
	agreementAcceptances,
	agreementSignatures,
	agreements,
	cases,
	parties,
	programs
} from '../db/schema.ts';

// The PDF's bytes stay in the database until someone downloads them.
const { pdf, ...agreementColumns } = getTableColumns(agreements);
const { drawing, ...signatureColumns } = getTableColumns(agreementSignatures);

export type AgreementRow = Omit<typeof agreements.$inferSelect, 'pdf'>;
export type SignatureRow = Omit<typeof agreementSignatures.$inferSelect, 'drawing'>;

/** An agreement version with everything its state and its rules need. */
export interface AgreementRecord {
	agreement: AgreementRow;
	case: {
		id: string;
		programId: string;
		reference: string;
		offenderIsJuvenile: boolean;
		mediatorUserId: string | null;
	};
	program: { id: string; name: string; timeZone: string; currency: string };
	/** Every party of the case (names and roles only). */
	parties: CaseParty[];
	acceptances: { clause: string; partyId: string; fingerprint: string }[];
	/** All signatures, voided ones included, oldest first. */
	signatures: SignatureRow[];
	/** The hash of the version this one amends. */
	amendsHash: string | null;
}

export async function loadAgreementRecord(
	executor: Executor,
	agreementId: string
): Promise<AgreementRecord | null> {
	const [row] = await executor
		.select({ agreement: agreementColumns, case: cases, program: programs })
		.from(agreements)
		.innerJoin(cases, eq(cases.id, agreements.caseId))
		.innerJoin(programs, eq(programs.id, cases.programId))
		.where(eq(agreements.id, agreementId));
	if (!row) return null;
	// One query after the other: the executor may be a transaction, one connection, which
	// must not be sent a query while another is running (node-postgres deprecates it).
	const caseParties = await executor
		.select()
		.from(parties)
		.where(eq(parties.caseId, row.case.id))
		.orderBy(asc(parties.createdAt), asc(parties.id));
	const acceptances = await executor
		.select({
			clause: agreementAcceptances.clause,
			partyId: agreementAcceptances.partyId,
			fingerprint: agreementAcceptances.fingerprint
		})
		.from(agreementAcceptances)
		.where(eq(agreementAcceptances.agreementId, agreementId));
	const signatures = await executor
		.select(signatureColumns)
		.from(agreementSignatures)
		.where(eq(agreementSignatures.agreementId, agreementId))
		.orderBy(asc(agreementSignatures.signedAt));
	const amended = row.agreement.amendsId
		? await executor
				.select({ hash: agreements.hash })
				.from(agreements)
				.where(eq(agreements.id, row.agreement.amendsId))
		: [];
	return {
		agreement: row.agreement,
		case: {
			id: row.case.id,
			programId: row.case.programId,
			reference: row.case.reference,
			offenderIsJuvenile: row.case.offenderIsJuvenile,
			mediatorUserId: row.case.mediatorUserId
		},
		program: {
			id: row.program.id,
			name: row.program.name,
			timeZone: row.program.timeZone,
			currency: row.program.currency
		},
		parties: caseParties.map((p) => ({
			id: p.id,
			role: p.role,
			name: p.displayName,
			accompanies: p.accompaniesPartyId
		})),
		acceptances,
		signatures,
		amendsHash: amended[0]?.hash ?? null
	};
}

/** Signatures that still count: given on the current frozen text, not voided. */
export const liveSignatures = (record: AgreementRecord): SignatureRow[] =>
	record.signatures.filter((s) => s.voidedAt === null && s.signedHash === record.agreement.hash);

/** Voids every signature still standing (the draft is reopened). */
export async function voidSignatures(
	executor: Executor,
	agreementId: string,
	at: Date,
	reason: string
): Promise<number> {
	const voided = await executor
		.update(agreementSignatures)
		.set({ voidedAt: at, voidedReason: reason })
		.where(
			and(eq(agreementSignatures.agreementId, agreementId), isNull(agreementSignatures.voidedAt))
		)
		.returning({ id: agreementSignatures.id });
	return voided.length;
}
