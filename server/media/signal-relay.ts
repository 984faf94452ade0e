import * as m from '#lib/paraglide/messages.js';
import { ERROR_CODES } from '#lib/protocol/errors.ts';
import { SignalSchema } from '#lib/protocol/media.ts';
import { err, ok } from '#lib/protocol/result.ts';
import { mediaRoomOf, onOtherSides } from '#lib/session/media-policy.ts';
import { participantRoom } from '../control/attach-control.ts';
import type { MediaBackend } from './backend.ts';
import type { SessionHost } from '../control/session-host.ts';
import type { Deps } from '#lib/server/deps.ts';
import { limiterOf, type Limit } from '#lib/server/limiters.ts';
import { guarded } from '../guarded.ts';
import type { RealtimeServer } from '../realtime.ts';

/**
 * What one person may signal, all their tabs together, in any 10 s: ICE candidates come in
 * bursts at the start of a call (some 20 per link, a few hundred bytes each, and an offer of a
 * few KB), and a mediator in a room of six opens five links at once — about 60 KB. The bytes are
 * what a browser at the other end has to receive: a modified client sending 64 KB descriptions
 * as fast as it could once pushed megabytes a second at someone on a rural link.
 */
export const SIGNAL_LIMITS = { messagesPer10s: 400, bytesPer10s: 256 * 1024 } as const;
/** Counted per person in a meeting, all their tabs together (and every process's, with Redis). */
export const SIGNAL_MESSAGES: Limit = {
	keyPrefix: 'signal',
	points: SIGNAL_LIMITS.messagesPer10s,
	durationS: 10,
	perMeeting: true
};
export const SIGNAL_BYTES: Limit = {
	keyPrefix: 'signal-bytes',
	points: SIGNAL_LIMITS.bytesPer10s,
	durationS: 10,
	perMeeting: true
};

/**
 * The signalling of browser-to-browser media. A message goes from one participant to another
 * only while the session puts both, connected, in the same media room: a party can never reach
 * the browser of someone in another room, even with a modified client.
 */
export function attachSignalRelay(
	io: RealtimeServer,
	host: SessionHost,
	deps: Pick<Deps, 'log' | 'redis'> & { media: Pick<MediaBackend, 'signalAcrossSides'> }
): void {
	const { log, media } = deps;
	const messages = limiterOf(deps, SIGNAL_MESSAGES);
	const bytes = limiterOf(deps, SIGNAL_BYTES);
	io.on('connection', (socket) => {
		socket.on(
			'signal',
			guarded(log, 'media: a signal', async (raw, ack) => {
				const reply = typeof ack === 'function' ? ack : () => {};
				const parsed = SignalSchema.safeParse(raw);
				if (!parsed.success)
					return reply(err(ERROR_CODES.invalidInput, m.session_refused_invalid()));
				const { identity } = socket.data;
				const person = `${identity.meetingId}:${identity.kind === 'staff' ? identity.userId : identity.partyId}`;
				try {
					await messages.consume(person);
					await bytes.consume(person, JSON.stringify(parsed.data.payload).length);
				} catch {
					return reply(err(ERROR_CODES.rateLimited, m.session_refused_rate_limited()));
				}
				const { meetingId } = identity;
				const from = socket.data.seatId;
				const state = host.current(meetingId);
				const room = state && from ? mediaRoomOf(state, from) : null;
				if (!state || !from || !room || mediaRoomOf(state, parsed.data.to) !== room)
					return reply(err(ERROR_CODES.forbidden, m.media_not_together()));
				// Between the sides, only what the media backend lets pass (with TURN: nothing that tells
				// where the other is, hide-addresses.ts). Dropped quietly: a browser sends every
				// candidate it has, and only those at the TURN server could connect anyway.
				const payload = onOtherSides(state, from, parsed.data.to)
					? (media.signalAcrossSides?.(parsed.data.payload) ?? null)
					: parsed.data.payload;
				if (payload)
					io.to(participantRoom(meetingId, parsed.data.to)).emit('signal', { from, payload });
				reply(ok(null));
			})
		);
	});
}
