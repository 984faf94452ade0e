import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { ERROR_CODES } from '#lib/protocol/errors.ts';
import * as m from '#lib/paraglide/messages.js';
import { STAFF_MIN_PASSWORD_LENGTH } from '../auth/auth.ts';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/client.ts';
import { user } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { parseInput } from '../validation.ts';
import { recordAnswer } from './answer-staff-invitation.ts';
import { insertAccount } from './create-staff-account.ts';
import { pendingInvitationByToken } from './staff-invitations.ts';

export const NewAccountSchema = z
	.object({
		name: z.string().trim().min(1).max(120),
		password: z.string().min(STAFF_MIN_PASSWORD_LENGTH).max(256),
		confirmPassword: z.string()
	})
	.refine((v) => v.password === v.confirmPassword, {
		path: ['confirmPassword'],
		message: 'error_passwords_differ'
	});

/**
 * Someone new to Mend accepts with the invitation's link: their account (with the name and
 * password they choose, under the invited address) and their membership are made together.
 * The link is the proof that the invitation reached them. An address that already has an
 * account must sign in to it to accept — its owner's password, not the link, decides.
 */
export async function joinWithNewAccount(
	deps: { db: Database; clock: Clock },
	token: string,
	input: unknown,
	ip?: string
): Promise<{ email: string; programSlug: string }> {
	const data = parseInput(NewAccountSchema, input);
	const now = deps.clock.now();
	return deps.db.transaction(async (tx) => {
		const found = await pendingInvitationByToken(tx, token, now);
		if (!found) throw new AppError(ERROR_CODES.notFound, m.error_not_found());
		const { invitation, program } = found;
		const [existing] = await tx
			.select({ id: user.id })
			.from(user)
			.where(eq(user.email, invitation.email));
		if (existing) throw new AppError(ERROR_CODES.conflict, m.error_account_exists(), {});
		const userId = await insertAccount(tx, {
			name: data.name,
			email: invitation.email,
			password: data.password
		});
		await recordAnswer(tx, invitation, { answer: 'accept', by: { userId, ip } }, now);
		return { email: invitation.email, programSlug: program.slug };
	});
}
