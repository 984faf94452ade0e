import { ERROR_CODES } from '#lib/protocol/errors.ts';
import * as m from '#lib/paraglide/messages.js';
import { isUuid } from '../access/staff-access.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { loadAgreementRecord, type AgreementRecord } from './agreement-record.ts';
import { viewerOfCase, type CaseViewer, type Credentials } from './case-viewer.ts';

/**
 * The agreement and who is asking, if they may see it. An agreement of another case or
 * program is answered exactly like one that does not exist.
 */
export async function agreementFor(
	deps: Deps,
	credentials: Credentials,
	agreementId: string
): Promise<{ record: AgreementRecord; viewer: CaseViewer }> {
	const notFound = new AppError(ERROR_CODES.notFound, m.error_not_found());
	if (!isUuid(agreementId)) throw notFound;
	const record = await loadAgreementRecord(deps.db, agreementId);
	if (!record) throw notFound;
	const viewer = await viewerOfCase(deps, credentials, record.case.id);
	if (!viewer) throw notFound;
	return { record, viewer };
}

/** Guard: only staff of the case (the mediator, a coordinator) may do this. */
export function assertStaff(
	viewer: CaseViewer
): asserts viewer is Extract<CaseViewer, { kind: 'staff' }> {
	if (viewer.kind !== 'staff')
		throw new AppError(ERROR_CODES.forbidden, m.agreement_error_staff_only());
}

export function assertStatus(record: AgreementRecord, status: 'drafting' | 'frozen'): void {
	if (record.agreement.status !== status)
		throw new AppError(
			ERROR_CODES.conflict,
			status === 'drafting' ? m.agreement_error_not_drafting() : m.agreement_error_not_frozen()
		);
}

/** The audit log's view of the viewer. */
export const auditActor = (viewer: CaseViewer) =>
	viewer.kind === 'staff'
		? { kind: 'staff' as const, userId: viewer.actor.userId, ip: viewer.actor.ip }
		: { kind: 'party' as const, partyId: viewer.partyId, ip: viewer.ip };
