import { randomBytes, randomUUID } from 'node:crypto';
import { hashPassword } from 'better-auth/crypto';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { ERROR_CODES } from '#lib/protocol/errors.ts';
import { STAFF_ROLES, type StaffRole } from '#lib/protocol/roles.ts';
import { values } from '#lib/cases/vocabulary.ts';
import * as m from '#lib/paraglide/messages.js';
import { STAFF_MIN_PASSWORD_LENGTH } from '../auth/auth.ts';
import type { Executor } from '../db/client.ts';
import { account, memberships, user } from '../db/schema.ts';
import { AppError } from '../errors.ts';

export const StaffMemberInputSchema = z.object({
	name: z.string().trim().min(1).max(120),
	email: z
		.email()
		.max(254)
		.transform((e) => e.toLowerCase()),
	role: z.enum(values(STAFF_ROLES))
});

/** A first password for a new account, shown once to the operator who hands it over. */
export const temporaryPassword = (): string => randomBytes(12).toString('base64url');

/**
 * A new account: better-auth's user and credential rows. The caller has checked that no
 * account has this e-mail (the unique index refuses a second one anyway).
 */
export async function insertAccount(
	executor: Executor,
	input: { name: string; email: string; password: string }
): Promise<string> {
	if (input.password.length < STAFF_MIN_PASSWORD_LENGTH) throw new Error('password too short');
	const userId = randomUUID();
	await executor
		.insert(user)
		.values({ id: userId, name: input.name, email: input.email, emailVerified: true });
	await executor.insert(account).values({
		id: randomUUID(),
		accountId: userId,
		providerId: 'credential',
		userId,
		password: await hashPassword(input.password)
	});
	return userId;
}

/**
 * Creates a staff account and its membership in one transaction, or adds an existing account
 * to the program. For the operator (`npm run program:create`), the demo seed and tests only: a
 * program admin invites (invite-colleague.ts), and the invitation's owner decides.
 */
export async function createStaffAccount(
	executor: Executor,
	input: { programId: string; name: string; email: string; role: StaffRole; password: string }
): Promise<{ userId: string; created: boolean }> {
	const [existing] = await executor.select().from(user).where(eq(user.email, input.email));
	const userId = existing?.id ?? (await insertAccount(executor, input));
	const inserted = await executor
		.insert(memberships)
		.values({ programId: input.programId, userId, role: input.role })
		.onConflictDoNothing()
		.returning({ id: memberships.id });
	if (inserted.length === 0)
		throw new AppError(ERROR_CODES.conflict, m.error_already_member(), {
			email: m.error_already_member()
		});
	return { userId, created: !existing };
}
