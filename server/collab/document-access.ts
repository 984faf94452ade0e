import { and, eq } from 'drizzle-orm';
import type { CollabDocName } from '#lib/protocol/collab.ts';
import {
	viewerOfCase,
	type CaseViewer,
	type Credentials
} from '#lib/server/agreements/case-viewer.ts';
import { agreements, parties } from '#lib/server/db/schema.ts';
import type { Deps } from '#lib/server/deps.ts';
import { notesSideOf } from '#lib/server/collab/notes-side.ts';

export type DocumentAccess =
	| { ok: true; viewer: CaseViewer; caseId: string }
	/** 401: no valid session at all; 403: a session, not for this document. */
	| { ok: false; status: 401 | 403 | 503 };

/**
 * Whether the credentials may open the document, decided before the WebSocket is accepted.
 * - an agreement: any party of its case (through their party session), staff who may see it;
 * - a side's private notes: that victim or offender, the people accompanying them, and staff —
 *   never the other side.
 * A document that does not exist is answered like one of another case.
 */
export async function accessDocument(
	deps: Deps,
	target: CollabDocName,
	credentials: Credentials
): Promise<DocumentAccess> {
	const refused = { ok: false, status: credentials.cookieHeader ? 403 : 401 } as const;
	let caseId: string;
	if (target.kind === 'agreement') {
		const [row] = await deps.db
			.select({ caseId: agreements.caseId })
			.from(agreements)
			.where(eq(agreements.id, target.agreementId));
		if (!row) return refused;
		caseId = row.caseId;
	} else {
		const [owner] = await deps.db
			.select({ role: parties.role })
			.from(parties)
			.where(and(eq(parties.id, target.partyId), eq(parties.caseId, target.caseId)));
		if (owner?.role !== 'victim' && owner?.role !== 'offender') return refused;
		caseId = target.caseId;
	}
	const viewer = await viewerOfCase(deps, credentials, caseId);
	if (!viewer) return refused;
	if (target.kind === 'notes' && viewer.kind === 'party' && !(await onSide(deps, viewer, target)))
		return refused;
	return { ok: true, viewer, caseId };
}

async function onSide(
	deps: Deps,
	viewer: Extract<CaseViewer, { kind: 'party' }>,
	target: Extract<CollabDocName, { kind: 'notes' }>
): Promise<boolean> {
	return (await notesSideOf(deps.db, viewer.partyId)) === target.partyId;
}
