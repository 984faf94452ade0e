import { randomBytes, randomUUID } from 'node:crypto';
import { hashPassword } from 'better-auth/crypto';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { ERROR_CODES } from '#lib/protocol/errors.ts';
import { STAFF_ROLES, type StaffRole } from '#lib/protocol/roles.ts';
import { values } from '#lib/cases/vocabulary.ts';
import * as m from '#lib/paraglide/messages.js';
import { assertCan, type StaffActor } from '../access/staff-access.ts';
import { AUDIT_ACTIONS, recordAudit } from '../audit/record-audit.ts';
import { STAFF_MIN_PASSWORD_LENGTH } from '../auth/auth.ts';
import type { Database, Executor } from '../db/client.ts';
import { account, memberships, user } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { parseInput } from '../validation.ts';

export const StaffMemberInputSchema = z.object({
	name: z.string().trim().min(1).max(120),
	email: z
		.email()
		.max(254)
		.transform((e) => e.toLowerCase()),
	role: z.enum(values(STAFF_ROLES))
});

/** A first password for a new account, shown once to the admin who hands it over. */
export const temporaryPassword = (): string => randomBytes(12).toString('base64url');

/**
 * Creates a staff account (better-auth's user + credential rows) and its membership in one
 * transaction, or adds an existing account to the program. Used by program admins and the
 * demo seed; there is no public sign-up.
 */
export async function createStaffAccount(
	executor: Executor,
	input: { programId: string; name: string; email: string; role: StaffRole; password: string }
): Promise<{ userId: string; created: boolean }> {
	if (input.password.length < STAFF_MIN_PASSWORD_LENGTH) throw new Error('password too short');
	const [existing] = await executor.select().from(user).where(eq(user.email, input.email));
	let userId = existing?.id;
	if (!userId) {
		userId = randomUUID();
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
	}
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

/** A program admin adds a colleague; returns the temporary password when an account was made. */
export async function addStaffMember(
	deps: { db: Database },
	actor: StaffActor,
	input: unknown
): Promise<{ userId: string; temporaryPassword: string | null }> {
	assertCan(actor, 'manageStaff');
	const data = parseInput(StaffMemberInputSchema, input);
	const password = temporaryPassword();
	return deps.db.transaction(async (tx) => {
		const { userId, created } = await createStaffAccount(tx, {
			...data,
			programId: actor.programId,
			password
		});
		await recordAudit(tx, {
			programId: actor.programId,
			actor,
			action: AUDIT_ACTIONS.staffMemberAdded,
			detail: { userId, role: data.role, newAccount: created }
		});
		return { userId, temporaryPassword: created ? password : null };
	});
}
