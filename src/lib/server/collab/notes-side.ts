import { eq } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { parties } from '../db/schema.ts';

/**
 * Whose private notes a party writes in: their own (a victim or an offender), or those of the
 * person they accompany (a guardian, a support person). The page that opens the notes and the
 * server that admits the connection ask this same question.
 */
export async function notesSideOf(executor: Executor, partyId: string): Promise<string | null> {
	const [me] = await executor
		.select({ role: parties.role, accompanies: parties.accompaniesPartyId })
		.from(parties)
		.where(eq(parties.id, partyId));
	if (me?.role === 'victim' || me?.role === 'offender') return partyId;
	return me?.accompanies ?? null;
}
