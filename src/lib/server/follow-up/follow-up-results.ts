import { and, eq } from 'drizzle-orm';
import { CheckInSchema, ReoffendingSchema } from '#lib/cases/follow-up-schemas.ts';
import { FOLLOW_UP_KINDS, type FollowUpKind, type FollowUpResult } from '#lib/cases/casework.ts';
import { ERROR_CODES } from '#lib/protocol/errors.ts';
import * as m from '#lib/paraglide/messages.js';
import { assertCan, findVisibleCase, isUuid, type StaffActor } from '../access/staff-access.ts';
import { AUDIT_ACTIONS, recordAudit } from '../audit/record-audit.ts';
import type { Clock } from '../clock.ts';
import type { Database, Executor } from '../db/client.ts';
import { followUps, parties, programs } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { surveyMessage } from '../notifications/compose.ts';
import {
	cancelPending,
	enqueueForParty,
	type EnqueueResult,
	type NotifyDeps
} from '../notifications/enqueue.ts';
import type { PublicUrl } from '../public-url.ts';
import { hashToken, newToken } from '../tokens.ts';
import { parseInput } from '../validation.ts';

/** The case's follow-up of that kind, or not found (another case's id included). */
async function findFollowUp(tx: Executor, caseId: string, followUpId: string, kind: FollowUpKind) {
	const [row] = isUuid(followUpId)
		? await tx
				.select()
				.from(followUps)
				.where(and(eq(followUps.id, followUpId), eq(followUps.caseId, caseId)))
		: [];
	if (!row || row.kind !== kind) throw new AppError(ERROR_CODES.notFound, m.error_not_found());
	return row;
}

/**
 * Stores a result staff obtained (a check-in, a reoffending look-up). Recording again
 * corrects it; the audit says so. Goes on after the case is closed: that is when most are due.
 */
async function recordResult(
	deps: { db: Database; clock: Clock },
	actor: StaffActor,
	caseId: string,
	followUpId: string,
	result: FollowUpResult,
	detail: Record<string, unknown>
): Promise<void> {
	assertCan(actor, 'manageMeetings');
	await deps.db.transaction(async (tx) => {
		await findVisibleCase(tx, actor, caseId);
		const row = await findFollowUp(tx, caseId, followUpId, result.kind);
		await tx
			.update(followUps)
			.set({ result, doneAt: deps.clock.now(), recordedByUserId: actor.userId })
			.where(eq(followUps.id, row.id));
		await recordAudit(tx, {
			programId: actor.programId,
			caseId,
			actor,
			action: AUDIT_ACTIONS.followUpRecorded,
			detail: { followUpId: row.id, kind: row.kind, corrected: row.doneAt !== null, ...detail }
		});
	});
}

/** Whether the party was reached at a check-in, with a staff-only note. */
export async function recordCheckIn(
	deps: { db: Database; clock: Clock },
	actor: StaffActor,
	caseId: string,
	input: unknown
): Promise<void> {
	const data = parseInput(CheckInSchema, input);
	await recordResult(
		deps,
		actor,
		caseId,
		data.followUpId,
		{ kind: FOLLOW_UP_KINDS.checkIn, reached: data.reached, note: data.note || undefined },
		{ reached: data.reached }
	);
}

/** Whether the offender reoffended by this look-up, and where that is known from. */
export async function recordReoffending(
	deps: { db: Database; clock: Clock },
	actor: StaffActor,
	caseId: string,
	input: unknown
): Promise<void> {
	const data = parseInput(ReoffendingSchema, input);
	await recordResult(
		deps,
		actor,
		caseId,
		data.followUpId,
		{ kind: FOLLOW_UP_KINDS.reoffending, reoffended: data.reoffended, source: data.source },
		{ reoffended: data.reoffended, source: data.source }
	);
}

/**
 * Makes the link of one survey, to be sent to its party: 256 bits, shown once to the staff
 * member, of which only the SHA-256 is kept. Making it again replaces it (a lost link); an
 * answered survey has no link to make.
 */
export async function issueSurveyLink(
	deps: { db: Database; publicUrl: Pick<PublicUrl, 'href'> } & NotifyDeps,
	actor: StaffActor,
	caseId: string,
	followUpId: string
): Promise<{ followUpId: string; url: string; sent: EnqueueResult | null }> {
	assertCan(actor, 'manageMeetings');
	const token = newToken();
	return deps.db.transaction(async (tx) => {
		await findVisibleCase(tx, actor, caseId);
		const row = await findFollowUp(tx, caseId, followUpId, FOLLOW_UP_KINDS.survey);
		if (row.doneAt) throw new AppError(ERROR_CODES.conflict, m.error_survey_answered());
		await tx
			.update(followUps)
			.set({ tokenHash: hashToken(token) })
			.where(eq(followUps.id, row.id));
		await recordAudit(tx, {
			programId: actor.programId,
			caseId,
			actor,
			action: AUDIT_ACTIONS.surveyLinkIssued,
			detail: { followUpId: row.id, partyId: row.partyId, replaced: row.tokenHash !== null }
		});
		// Mend's own address, never the request's: the link is sent to the party.
		const url = `${deps.publicUrl.href}/survey/${token}`;
		// Sent to the party through the outbox (or kept there for staff to pass on); a message
		// with the link this one replaces, not yet sent, would carry a dead link.
		await cancelPending(tx, [`survey:${row.id}:`]);
		const [party] = row.partyId
			? await tx.select().from(parties).where(eq(parties.id, row.partyId))
			: [];
		const [program] = await tx.select().from(programs).where(eq(programs.id, actor.programId));
		const sent =
			party && program
				? await enqueueForParty(
						tx,
						deps,
						{
							programId: actor.programId,
							caseId,
							dedupeKey: `survey:${row.id}:${hashToken(token).slice(0, 16)}`,
							actor
						},
						party,
						surveyMessage({
							program,
							partyName: party.displayName,
							url
						})
					)
				: null;
		return { followUpId: row.id, url, sent };
	});
}
