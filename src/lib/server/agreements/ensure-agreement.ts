import { and, desc, eq, inArray } from 'drizzle-orm';
import * as Y from 'yjs';
import { initialiseDocument } from '#lib/agreement/ydoc.ts';
import { agreementDocName } from '#lib/protocol/collab.ts';
import { AUDIT_ACTIONS, recordAudit } from '../audit/record-audit.ts';
import { appendUpdate, loadDocument } from '../collab/document-store.ts';
import type { Database } from '../db/client.ts';
import { agreements } from '../db/schema.ts';

/**
 * The agreement a joint session drafts, made when its mediator opens the drafting step.
 * - A version still open (drafting or frozen) moves to this meeting: drafting continues where
 *   an earlier session left it.
 * - Otherwise, after an executed version, this is an amendment: version n+1, naming the one
 *   it amends and starting from its text.
 * - Otherwise version 1 starts empty, with its structure made here (not by a browser, so that
 *   two browsers never make two competing structures).
 */
export async function ensureAgreementForMeeting(
	db: Database,
	meeting: { meetingId: string; caseId: string; programId: string },
	actorUserId: string | null
): Promise<{ id: string; created: boolean }> {
	return db.transaction(async (tx) => {
		const versions = await tx
			.select({
				id: agreements.id,
				status: agreements.status,
				version: agreements.version,
				meetingId: agreements.meetingId
			})
			.from(agreements)
			.where(eq(agreements.caseId, meeting.caseId))
			.orderBy(desc(agreements.version));
		const actor = actorUserId
			? { kind: 'staff' as const, userId: actorUserId }
			: { kind: 'system' as const };
		const open = versions.find((v) => v.status === 'drafting' || v.status === 'frozen');
		if (open) {
			if (open.meetingId !== meeting.meetingId) {
				await tx
					.update(agreements)
					.set({ meetingId: meeting.meetingId })
					.where(eq(agreements.id, open.id));
				await recordAudit(tx, {
					programId: meeting.programId,
					caseId: meeting.caseId,
					actor,
					action: AUDIT_ACTIONS.agreementMoved,
					detail: { agreementId: open.id, meetingId: meeting.meetingId }
				});
			}
			return { id: open.id, created: false };
		}

		const amends = versions.find((v) => v.status === 'executed');
		const [row] = await tx
			.insert(agreements)
			.values({
				caseId: meeting.caseId,
				meetingId: meeting.meetingId,
				version: (versions[0]?.version ?? 0) + 1,
				amendsId: amends?.id ?? null,
				status: 'drafting'
			})
			.returning({ id: agreements.id });
		const initial = amends ? await loadDocument(tx, agreementDocName(amends.id)) : { state: null };
		const doc = new Y.Doc();
		if (initial.state) Y.applyUpdate(doc, initial.state);
		initialiseDocument(doc);
		await appendUpdate(tx, agreementDocName(row!.id), Y.encodeStateAsUpdate(doc));
		doc.destroy();
		await recordAudit(tx, {
			programId: meeting.programId,
			caseId: meeting.caseId,
			actor,
			action: AUDIT_ACTIONS.agreementStarted,
			detail: { agreementId: row!.id, meetingId: meeting.meetingId, amends: amends?.id ?? null }
		});
		return { id: row!.id, created: true };
	});
}

/** The version a meeting's people work on: the one drafted in it, or the case's latest. */
export async function agreementOfMeeting(
	db: Database,
	meeting: { meetingId: string; caseId: string }
): Promise<string | null> {
	const [own] = await db
		.select({ id: agreements.id })
		.from(agreements)
		.where(
			and(
				eq(agreements.meetingId, meeting.meetingId),
				inArray(agreements.status, ['drafting', 'frozen', 'executed'])
			)
		)
		.orderBy(desc(agreements.version))
		.limit(1);
	if (own) return own.id;
	const [latest] = await db
		.select({ id: agreements.id })
		.from(agreements)
		.where(eq(agreements.caseId, meeting.caseId))
		.orderBy(desc(agreements.version))
		.limit(1);
	return latest?.id ?? null;
}
