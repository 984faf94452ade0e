import { RateLimiterMemory } from 'rate-limiter-flexible';
import * as m from '#lib/paraglide/messages.js';
import { ERROR_CODES } from '#lib/protocol/errors.ts';
import { SignalSchema } from '#lib/protocol/media.ts';
import { err, ok } from '#lib/protocol/result.ts';
import { mediaRoomOf, onOtherSides } from '#lib/session/media-policy.ts';
import { participantRoom } from '../control/attach-control.ts';
import type { MediaBackend } from './backend.ts';
import type { SessionHost } from '../control/session-host.ts';
import type { Logger } from '#lib/server/log.ts';
import { guarded } from '../guarded.ts';
import type { RealtimeServer } from '../realtime.ts';

/** Signals per connection: ICE candidates come in bursts at the start of a call. */
const SIGNALS_PER_10_S = 400;

/**
 * The signalling of browser-to-browser media. A message goes from one participant to another
 * only while the session puts both, connected, in the same media room: a party can never reach
 * the browser of someone in another room, even with a modified client.
 */
export function attachSignalRelay(
	io: RealtimeServer,
	host: SessionHost,
	media: Pick<MediaBackend, 'signalAcrossSides'>,
	log: Logger
): void {
	const limiter = new RateLimiterMemory({
		keyPrefix: 'signal',
		points: SIGNALS_PER_10_S,
		duration: 10
	});
	io.on('connection', (socket) => {
		socket.on(
			'signal',
			guarded(log, 'media: a signal', async (raw, ack) => {
				const reply = typeof ack === 'function' ? ack : () => {};
				const parsed = SignalSchema.safeParse(raw);
				if (!parsed.success)
					return reply(err(ERROR_CODES.invalidInput, m.session_refused_invalid()));
				try {
					await limiter.consume(socket.id);
				} catch {
					return reply(err(ERROR_CODES.rateLimited, m.session_refused_rate_limited()));
				}
				const { meetingId } = socket.data.identity;
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
