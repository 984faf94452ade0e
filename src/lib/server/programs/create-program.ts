import { z } from 'zod';
import { STAFF_ROLES } from '#lib/protocol/roles.ts';
import { isTimeZone } from '#lib/time.ts';
import { AUDIT_ACTIONS, recordAudit } from '../audit/record-audit.ts';
import type { Database } from '../db/client.ts';
import { programs } from '../db/schema.ts';
import { createStaffAccount, temporaryPassword } from '../staff/create-staff-account.ts';
import { parseInput } from '../validation.ts';

export const ProgramInputSchema = z.object({
	slug: z.string().regex(/^[a-z0-9][a-z0-9-]{1,40}$/, 'error_slug'),
	name: z.string().trim().min(1).max(160),
	timeZone: z.string().refine(isTimeZone, 'error_time_zone'),
	currency: z
		.string()
		.regex(/^[A-Z]{3}$/, 'error_currency')
		.default('USD'),
	contactEmail: z.email().optional(),
	contactPhone: z.string().max(40).optional(),
	adminName: z.string().trim().min(1).max(120),
	adminEmail: z.email().transform((e) => e.toLowerCase())
});

/**
 * Creates a program and its first admin (an operator's task: there is no sign-up). Returns the
 * admin's temporary password when a new account was made.
 */
export async function createProgram(db: Database, input: unknown) {
	const data = parseInput(ProgramInputSchema, input);
	const password = temporaryPassword();
	return db.transaction(async (tx) => {
		const [program] = await tx
			.insert(programs)
			.values({
				slug: data.slug,
				name: data.name,
				timeZone: data.timeZone,
				currency: data.currency,
				contactEmail: data.contactEmail ?? null,
				contactPhone: data.contactPhone ?? null
			})
			.returning();
		const { userId, created } = await createStaffAccount(tx, {
			programId: program.id,
			name: data.adminName,
			email: data.adminEmail,
			role: STAFF_ROLES.admin,
			password
		});
		await recordAudit(tx, {
			programId: program.id,
			actor: { kind: 'system' },
			action: AUDIT_ACTIONS.staffMemberAdded,
			detail: { userId, role: STAFF_ROLES.admin, newAccount: created }
		});
		return { program, adminPassword: created ? password : null };
	});
}
