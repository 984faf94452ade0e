import { ERROR_CODES } from '#lib/protocol/errors.ts';
import * as m from '#lib/paraglide/messages.js';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/client.ts';
import { AppError } from '../errors.ts';
import { findPartySession, partyCookieName } from '../invitations/party-sessions.ts';
import { lookUpInvitation, type ResolvedInvitation } from '../invitations/resolve-invitation.ts';

/**
 * The party acting from their invitation page: the link must be valid and this browser must
 * hold the session made with it (so a forwarded link without its access code acts for nobody).
 */
export async function partyOfLink(
	deps: { db: Database; clock: Clock },
	token: string,
	cookie: (name: string) => string | undefined
): Promise<ResolvedInvitation> {
	const now = deps.clock.now();
	const lookup = await lookUpInvitation(deps.db, token, now);
	if (lookup.kind !== 'open') throw new AppError(ERROR_CODES.forbidden, m.error_forbidden());
	const session = await findPartySession(
		deps.db,
		cookie(partyCookieName(lookup.resolved.meeting.id)),
		now
	);
	if (!session || session.invitation.id !== lookup.resolved.invitation.id)
		throw new AppError(ERROR_CODES.forbidden, m.error_forbidden());
	return session;
}
