import { eq } from 'drizzle-orm';
import { AccessCodeSchema } from '#lib/cases/schemas.ts';
import { ERROR_CODES } from '#lib/protocol/errors.ts';
import * as m from '#lib/paraglide/messages.js';
import { AUDIT_ACTIONS, recordAudit } from '../audit/record-audit.ts';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/client.ts';
import { invitations } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { accessCodeMatches } from '../tokens.ts';
import { parseInput } from '../validation.ts';
import { enterMeeting, type JoinPage } from './open-invitation.ts';
import type { StartedPartySession } from './party-sessions.ts';
import { lookUpInvitation } from './resolve-invitation.ts';

export interface AccessCodePolicy {
	maxAttempts: number;
	lockMs: number;
}

/**
 * Checks the access code of a protected link. After `maxAttempts` wrong codes the link is
 * locked for `lockMs`; the count lives in the database, so a restart does not reset it, and
 * it is committed before the error is returned.
 */
export async function enterAccessCode(
	deps: { db: Database; clock: Clock; config: { accessCode: AccessCodePolicy } },
	request: { token: string; code: unknown; ip?: string }
): Promise<{ page: JoinPage; session?: StartedPartySession }> {
	const now = deps.clock.now();
	const lookup = await lookUpInvitation(deps.db, request.token, now);
	if (lookup.kind !== 'open') return { page: lookup };
	const { resolved } = lookup;
	const { code } = parseInput(AccessCodeSchema, { code: request.code });
	const policy = deps.config.accessCode;

	const outcome = await deps.db.transaction(async (tx) => {
		const [invitation] = await tx
			.select()
			.from(invitations)
			.where(eq(invitations.id, resolved.invitation.id))
			.for('update');
		if (invitation.codeLockedUntil && invitation.codeLockedUntil > now)
			return { kind: 'locked' as const, until: invitation.codeLockedUntil };
		if (!invitation.accessCodeHash || (await accessCodeMatches(code, invitation.accessCodeHash)))
			return { kind: 'match' as const };

		const attempts = invitation.failedCodeAttempts + 1;
		const locks = attempts >= policy.maxAttempts;
		const until = new Date(now.getTime() + policy.lockMs);
		await tx
			.update(invitations)
			.set(
				locks ? { failedCodeAttempts: 0, codeLockedUntil: until } : { failedCodeAttempts: attempts }
			)
			.where(eq(invitations.id, invitation.id));
		await recordAudit(tx, {
			programId: resolved.program.id,
			caseId: resolved.meeting.caseId,
			actor: { kind: 'party', partyId: resolved.party.id, ip: request.ip },
			action: locks ? AUDIT_ACTIONS.accessCodeLocked : AUDIT_ACTIONS.accessCodeFailed,
			detail: { invitationId: invitation.id, attempts }
		});
		return locks
			? { kind: 'locked' as const, until }
			: { kind: 'wrong' as const, remaining: policy.maxAttempts - attempts };
	});

	if (outcome.kind === 'locked') {
		const minutes = Math.max(1, Math.ceil((outcome.until.getTime() - now.getTime()) / 60_000));
		throw new AppError(ERROR_CODES.rateLimited, m.error_access_code_locked({ minutes }), {
			code: m.error_access_code_locked({ minutes })
		});
	}
	if (outcome.kind === 'wrong')
		throw new AppError(ERROR_CODES.invalidInput, m.error_form_invalid(), {
			code: m.error_access_code_wrong({ remaining: outcome.remaining })
		});
	return enterMeeting(deps.db, resolved, request.ip, now);
}
