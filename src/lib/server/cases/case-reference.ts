import { sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { caseCounters } from '../db/schema.ts';

/**
 * The next human reference of a program's case in `year`, e.g. 2026-0007. The counter row is
 * locked by the upsert, so two referrals taken at once never share a number.
 */
export async function nextCaseReference(
	executor: Executor,
	programId: string,
	year: number
): Promise<string> {
	const [row] = await executor
		.insert(caseCounters)
		.values({ programId, year, last: 1 })
		.onConflictDoUpdate({
			target: [caseCounters.programId, caseCounters.year],
			set: { last: sql`${caseCounters.last} + 1` }
		})
		.returning({ last: caseCounters.last });
	return `${year}-${String(row.last).padStart(4, '0')}`;
}
