import { and, eq } from 'drizzle-orm';
import { ERROR_CODES } from '#lib/protocol/errors.ts';
import * as m from '#lib/paraglide/messages.js';
import { findVisibleCase, isUuid, type StaffActor } from '../access/staff-access.ts';
import type { Executor } from '../db/client.ts';
import { parties } from '../db/schema.ts';
import { AppError } from '../errors.ts';

/** A victim or offender of a case the actor may see (anything else reads as "not found"). */
export async function visiblePrincipal(
	executor: Executor,
	actor: StaffActor,
	caseId: string,
	partyId: string
) {
	const row = await findVisibleCase(executor, actor, caseId);
	// Not an id at all (a form's field, as posted): no such party, not a database error.
	if (!isUuid(partyId)) throw new AppError(ERROR_CODES.notFound, m.error_not_found());
	const [party] = await executor
		.select()
		.from(parties)
		.where(and(eq(parties.id, partyId), eq(parties.caseId, row.id)));
	if (!party || (party.role !== 'victim' && party.role !== 'offender'))
		throw new AppError(ERROR_CODES.notFound, m.error_not_found());
	return { caseRow: row, party };
}
