import {
	acceptorsOf,
	agreementEditRight,
	agreementParties,
	requiredSigners,
	signerRoleOf
} from '#lib/agreement/rights.ts';
import type { SignerRole } from '#lib/agreement/status.ts';
import type { AgreementParty, AgreementState } from '#lib/protocol/collab.ts';
import type { AgendaStep } from '#lib/session/model.ts';
import { dateIn } from '#lib/time.ts';
import { liveSignatures, type AgreementRecord } from './agreement-record.ts';
import { viewerId, type CaseViewer } from './case-viewer.ts';

/** Staff roles that may witness and manage an agreement of a case they can see. */
const canManage = (viewer: CaseViewer): boolean => viewer.kind === 'staff';

/** The role a viewer signs in, if any. */
export function signsAs(record: AgreementRecord, viewer: CaseViewer): SignerRole | null {
	if (viewer.kind === 'staff') return 'mediator';
	return signerRoleOf(record.parties, viewer.partyId, record.case.offenderIsJuvenile);
}

/** Who must sign and whether they have, on the current frozen text. */
export function signersOf(record: AgreementRecord) {
	const signed = liveSignatures(record);
	return requiredSigners(record.parties, record.case.offenderIsJuvenile).map((signer) => {
		const signature =
			signer.role === 'mediator'
				? signed.find((s) => s.role === 'mediator')
				: signed.find((s) => s.partyId === signer.partyId);
		return {
			...signer,
			name: signer.role === 'mediator' ? (signature?.signerName ?? '') : signer.name,
			signed: Boolean(signature)
		};
	});
}

/**
 * What one viewer is told about an agreement: everyone of the case sees the same status,
 * acceptances and signatures (names and roles only); what differs is what they may do.
 */
export function agreementStateFor(
	record: AgreementRecord,
	viewer: CaseViewer,
	step: AgendaStep | null,
	/** The server's clock (dates in the draft must be after today, in the program's zone). */
	now: Date
): AgreementState {
	const { agreement } = record;
	const acceptances: AgreementState['acceptances'] = {};
	for (const a of record.acceptances) (acceptances[a.clause] ??= {})[a.partyId] = a.fingerprint;
	const signers = signersOf(record);
	const role = signsAs(record, viewer);
	const you = viewerId(viewer);
	const mine =
		viewer.kind === 'staff'
			? signers.find((s) => s.role === 'mediator')
			: signers.find((s) => s.partyId === you);
	const acceptors = acceptorsOf(record.parties);
	return {
		kind: 'agreement',
		agreementId: agreement.id,
		version: agreement.version,
		amends: record.amendsHash !== null,
		currency: record.program.currency,
		today: dateIn(now, record.program.timeZone),
		status: agreement.status,
		readOnly: agreement.readOnly,
		hash: agreement.hash,
		parties: agreementParties(record.parties, record.case.offenderIsJuvenile).map(
			(p): AgreementParty => ({ id: p.id, name: p.name, role: p.role as AgreementParty['role'] })
		),
		acceptors,
		acceptances,
		signers,
		signatures: record.signatures.map((s) => ({
			id: s.id,
			role: s.role,
			name: s.signerName,
			signedAt: s.signedAt.toISOString(),
			voided: s.voidedAt !== null
		})),
		executedAt: agreement.executedAt?.toISOString() ?? null,
		you: {
			id: you,
			role: viewer.kind === 'staff' ? 'staff' : viewer.role,
			edit: agreementEditRight(
				agreement,
				viewer.kind === 'staff' ? { kind: 'staff' } : { kind: 'party', role: viewer.role },
				step
			),
			accepts: viewer.kind === 'party' && acceptors.includes(viewer.partyId),
			mustSign: agreement.status === 'frozen' && role !== null && mine?.signed === false,
			signsAs: role,
			manages: canManage(viewer)
		}
	};
}
