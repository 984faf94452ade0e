import { and, eq, inArray } from 'drizzle-orm';
import type { TPartyInput } from '#lib/cases/schemas.ts';
import { ERROR_CODES } from '#lib/protocol/errors.ts';
import * as m from '#lib/paraglide/messages.js';
import type { Executor } from '../db/client.ts';
import { invitations, meetings, parties } from '../db/schema.ts';
import { AppError } from '../errors.ts';

/**
 * Makes the case's parties exactly the submitted list: updates those with an id, adds the
 * others, removes the missing ones. A party who was already invited to a meeting cannot be
 * removed (the invitation and its history point at them).
 */
export async function saveParties(
	executor: Executor,
	caseId: string,
	input: TPartyInput[]
): Promise<{ added: number; updated: number; removed: number }> {
	const existing = await executor
		.select({ id: parties.id })
		.from(parties)
		.where(eq(parties.caseId, caseId));
	const existingIds = new Set(existing.map((p) => p.id));
	const keptIds = input.flatMap((p) => (p.id ? [p.id] : []));

	input.forEach((party, i) => {
		if (party.id && !existingIds.has(party.id))
			throw new AppError(ERROR_CODES.invalidInput, m.error_form_invalid(), {
				[`parties.${i}.displayName`]: m.error_invalid()
			});
	});

	const removedIds = [...existingIds].filter((id) => !keptIds.includes(id));
	if (removedIds.length > 0) {
		const [invited] = await executor
			.select({ id: invitations.id })
			.from(invitations)
			.where(inArray(invitations.partyId, removedIds))
			.limit(1);
		const [prepared] = await executor
			.select({ id: meetings.id })
			.from(meetings)
			.where(inArray(meetings.partyId, removedIds))
			.limit(1);
		if (invited || prepared)
			throw new AppError(ERROR_CODES.conflict, m.error_party_in_use(), {
				parties: m.error_party_in_use()
			});
		await executor
			.delete(parties)
			.where(and(eq(parties.caseId, caseId), inArray(parties.id, removedIds)));
	}

	// Victims and offenders first, so that companions (validated to accompany one) find their ids.
	const ids: string[] = new Array(input.length);
	const order = input
		.map((party, index) => ({ party, index }))
		.sort(
			(a, b) =>
				Number(a.party.accompanies !== undefined) - Number(b.party.accompanies !== undefined)
		);
	for (const { party, index } of order) {
		const values = {
			role: party.role,
			displayName: party.displayName,
			email: party.email ?? null,
			phone: party.phone ?? null,
			address: party.address ?? null,
			accompaniesPartyId: party.accompanies === undefined ? null : ids[party.accompanies]
		};
		if (party.id) {
			await executor.update(parties).set(values).where(eq(parties.id, party.id));
			ids[index] = party.id;
		} else {
			const [row] = await executor
				.insert(parties)
				.values({ ...values, caseId })
				.returning({ id: parties.id });
			ids[index] = row.id;
		}
	}
	return {
		added: input.filter((p) => !p.id).length,
		updated: keptIds.length,
		removed: removedIds.length
	};
}
