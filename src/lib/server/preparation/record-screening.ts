import { ScreeningSchema } from '#lib/cases/preparation-schemas.ts';
import { ERROR_CODES } from '#lib/protocol/errors.ts';
import * as m from '#lib/paraglide/messages.js';
import { assertCan, type StaffActor } from '../access/staff-access.ts';
import { AUDIT_ACTIONS, recordAudit } from '../audit/record-audit.ts';
import type { Database } from '../db/client.ts';
import { screenings } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { parseInput } from '../validation.ts';
import { visiblePrincipal } from './preparation-actor.ts';

/**
 * The mediator's screening of one victim or offender: readiness, safety, power imbalance,
 * needs, the offender's motivation, and the outcome. One current record per party; each
 * change is in the audit log (field names and outcome, never the notes).
 */
export async function recordScreening(
	deps: { db: Database },
	actor: StaffActor,
	caseId: string,
	input: unknown
): Promise<void> {
	assertCan(actor, 'manageMeetings');
	const data = parseInput(ScreeningSchema, input);
	await deps.db.transaction(async (tx) => {
		const { party } = await visiblePrincipal(tx, actor, caseId, data.partyId);
		if (party.role === 'offender' && data.motivation === undefined)
			throw new AppError(ERROR_CODES.invalidInput, m.error_form_invalid(), {
				motivation: m.error_required()
			});
		const values = {
			caseId,
			readiness: data.readiness,
			safetyConcerns: data.safetyConcerns,
			safetyNotes: data.safetyNotes,
			powerImbalance: data.powerImbalance,
			needsInterpreter: data.needsInterpreter,
			interpreterLanguage: data.needsInterpreter ? (data.interpreterLanguage ?? null) : null,
			needsSupportPerson: data.needsSupportPerson,
			motivation: party.role === 'offender' ? (data.motivation ?? null) : null,
			outcome: data.outcome,
			outcomeReason: data.outcomeReason ?? null,
			screenedByUserId: actor.userId
		};
		await tx
			.insert(screenings)
			.values({ partyId: party.id, ...values })
			.onConflictDoUpdate({ target: screenings.partyId, set: values });
		await recordAudit(tx, {
			programId: actor.programId,
			caseId,
			actor,
			action: AUDIT_ACTIONS.screeningRecorded,
			detail: { partyId: party.id, outcome: data.outcome }
		});
	});
}
