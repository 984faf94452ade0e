import { asc, eq } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { memberships, user } from '../db/schema.ts';

/** The program's staff, for the team page and the mediator picker. */
export async function listStaff(executor: Executor, programId: string) {
	return executor
		.select({
			userId: user.id,
			name: user.name,
			email: user.email,
			role: memberships.role,
			twoFactorEnabled: user.twoFactorEnabled
		})
		.from(memberships)
		.innerJoin(user, eq(user.id, memberships.userId))
		.where(eq(memberships.programId, programId))
		.orderBy(asc(user.name));
}
