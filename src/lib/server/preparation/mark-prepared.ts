import { and, eq, inArray, isNull } from 'drizzle-orm';
import {
	CONSENT_TEXTS,
	CURRENT_CONSENT_VERSION,
	consentTextHash
} from '#lib/cases/consent-text.ts';
import type { Executor } from '../db/client.ts';
import { consents, meetings, parties, screenings } from '../db/schema.ts';

/**
 * Brings a case through the readiness gate in one step: each victim and offender screened
 * suitable, consenting, with a preparation meeting held in person at `at`. For the demo case
 * and for tests and benchmarks whose subject is what comes after — never for a real case,
 * whose preparation is recorded step by step.
 */
export async function markPrepared(executor: Executor, caseId: string, at: Date): Promise<void> {
	const principals = await executor
		.select()
		.from(parties)
		.where(
			and(
				eq(parties.caseId, caseId),
				inArray(parties.role, ['victim', 'offender']),
				isNull(parties.withdrawnAt)
			)
		);
	const text = CONSENT_TEXTS[CURRENT_CONSENT_VERSION]!;
	for (const party of principals) {
		await executor
			.insert(screenings)
			.values({
				partyId: party.id,
				caseId,
				readiness: 'ready',
				safetyConcerns: 'none',
				powerImbalance: 'none',
				motivation: party.role === 'offender' ? 4 : null,
				outcome: 'suitable'
			})
			.onConflictDoNothing();
		const [consent] = await executor
			.select({ id: consents.id })
			.from(consents)
			.where(and(eq(consents.partyId, party.id), isNull(consents.withdrawnAt)));
		if (!consent)
			await executor.insert(consents).values({
				caseId,
				partyId: party.id,
				textVersion: text.version,
				textHash: consentTextHash(text),
				via: 'staff',
				givenAt: at
			});
		await executor.insert(meetings).values({
			caseId,
			kind: 'preparation',
			partyId: party.id,
			scheduledAt: at,
			durationMinutes: 60,
			status: 'ended',
			endedAt: at,
			heldAt: at,
			heldMode: 'in_person'
		});
	}
}
