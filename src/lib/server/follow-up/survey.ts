import { and, eq, isNull } from 'drizzle-orm';
import { surveySchema } from '#lib/cases/follow-up-schemas.ts';
import { FOLLOW_UP_KINDS } from '#lib/cases/casework.ts';
import { ERROR_CODES } from '#lib/protocol/errors.ts';
import { PARTY_ROLES, type PartyRole } from '#lib/protocol/roles.ts';
import * as m from '#lib/paraglide/messages.js';
import { AUDIT_ACTIONS, recordAudit } from '../audit/record-audit.ts';
import type { Clock } from '../clock.ts';
import type { Database, Executor } from '../db/client.ts';
import { cases, followUps, parties, programs } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { contactOf, type ProgramContact } from '../invitations/resolve-invitation.ts';
import { hashToken } from '../tokens.ts';
import { parseInput } from '../validation.ts';

/** What a survey link shows: nothing of the case, only who is asked and how to reach the program. */
export type SurveyPage =
	| { kind: 'not_found' }
	| { kind: 'answered'; program: ProgramContact }
	| { kind: 'open'; program: ProgramContact; role: PartyRole; isVictim: boolean };

async function lookUp(executor: Executor, token: string) {
	// A token is 43 base64url characters; anything else cannot match and is not worth a query.
	if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
	const [row] = await executor
		.select({ followUp: followUps, role: parties.role, program: programs })
		.from(followUps)
		.innerJoin(parties, eq(parties.id, followUps.partyId))
		.innerJoin(cases, eq(cases.id, followUps.caseId))
		.innerJoin(programs, eq(programs.id, cases.programId))
		.where(
			and(eq(followUps.tokenHash, hashToken(token)), eq(followUps.kind, FOLLOW_UP_KINDS.survey))
		);
	return row ?? null;
}

export async function openSurvey(deps: { db: Database }, token: string): Promise<SurveyPage> {
	const row = await lookUp(deps.db, token);
	if (!row) return { kind: 'not_found' };
	const program = contactOf(row.program);
	if (row.followUp.doneAt) return { kind: 'answered', program };
	return { kind: 'open', program, role: row.role, isVictim: row.role === PARTY_ROLES.victim };
}

/**
 * A party's answers, through their own link, once: the row is taken only if still unanswered,
 * so two submissions at once cannot both count. Invalid answers change nothing. The audit
 * names the survey, never the answers.
 */
export async function answerSurvey(
	deps: { db: Database; clock: Clock },
	request: { token: string; input: unknown; ip?: string }
): Promise<void> {
	const row = await lookUp(deps.db, request.token);
	if (!row) throw new AppError(ERROR_CODES.notFound, m.error_not_found());
	if (row.followUp.doneAt) throw new AppError(ERROR_CODES.conflict, m.error_survey_answered());
	const isVictim = row.role === PARTY_ROLES.victim;
	const answers = parseInput(surveySchema(isVictim), request.input);

	await deps.db.transaction(async (tx) => {
		const [taken] = await tx
			.update(followUps)
			.set({
				doneAt: deps.clock.now(),
				result: {
					kind: FOLLOW_UP_KINDS.survey,
					satisfaction: answers.satisfaction,
					fairness: answers.fairness,
					...(isVictim && answers.lessFear ? { lessFear: answers.lessFear } : {}),
					wouldRecommend: answers.wouldRecommend,
					...(answers.comment ? { comment: answers.comment } : {})
				}
			})
			.where(and(eq(followUps.id, row.followUp.id), isNull(followUps.doneAt)))
			.returning({ id: followUps.id });
		if (!taken) throw new AppError(ERROR_CODES.conflict, m.error_survey_answered());
		await recordAudit(tx, {
			programId: row.program.id,
			caseId: row.followUp.caseId,
			actor: { kind: 'party', partyId: row.followUp.partyId!, ip: request.ip },
			action: AUDIT_ACTIONS.surveyAnswered,
			detail: { followUpId: row.followUp.id }
		});
	});
}
