import { createHmac } from 'node:crypto';
import type { IceServer } from '#lib/protocol/media.ts';

/**
 * How long a minted TURN credential is valid. It is minted each time a person's media
 * assignment changes (they join, move, reconnect), so each new connection starts with a fresh
 * one; it must still outlast a long meeting, since a link that fails late in it makes its new
 * allocation with the credential it was opened with. Short enough that one copied out of a
 * browser is useless by the next day.
 */
export const TURN_CREDENTIAL_TTL_MS = 12 * 60 * 60_000;

/**
 * A TURN server entry with a credential for one participant, as coturn checks it with
 * `use-auth-secret` (the "TURN REST API"): username `<expiry, unix seconds>:<participant id>`,
 * credential base64(HMAC-SHA1(secret, username)). Nothing is stored; coturn recomputes it.
 */
export function mintTurnCredential(
	turn: { urls: string[]; secret: string },
	participantId: string,
	now: Date,
	ttlMs = TURN_CREDENTIAL_TTL_MS
): IceServer {
	const expiry = Math.floor((now.getTime() + ttlMs) / 1000);
	const username = `${expiry}:${participantId}`;
	const credential = createHmac('sha1', turn.secret).update(username).digest('base64');
	return { urls: turn.urls, username, credential };
}
