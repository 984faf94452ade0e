import * as m from '#lib/paraglide/messages.js';
import { ERROR_CODES } from '#lib/protocol/errors.ts';
import { err, ok } from '#lib/protocol/result.ts';
import { ALWAYS_ALLOWED, SessionCommandSchema } from '#lib/protocol/session-commands.ts';
import { describeDatabaseError, isConnectionError } from '#lib/server/db/connection-errors.ts';
import type { Deps } from '#lib/server/deps.ts';
import { OwnershipLostError } from '#lib/server/db/ownership.ts';
import { limiterOf, type Limit } from '#lib/server/limiters.ts';
import type { MediaBackend } from '../media/backend.ts';
import { asSent } from '../serialized.ts';
import { guarded } from '../guarded.ts';
import type { RealtimeServer } from '../realtime.ts';
import { refusalMessage } from './refusal-messages.ts';
import { SessionHost, seatOf, type LiveSession } from './session-host.ts';

/** socket.io room of one participant's connections (several tabs or devices). */
export const participantRoom = (meetingId: string, participantId: string): string =>
	`p:${meetingId}:${participantId}`;

/**
 * Commands per person in a meeting, all their tabs and devices together (all connected to the
 * process holding the meeting, whichever they reached): 20 in any 2 s window. Leaving (a break,
 * withdrawing) is never limited.
 */
export const COMMANDS_PER_2_S = 20;
export const COMMAND_LIMIT: Limit = {
	keyPrefix: 'command',
	points: COMMANDS_PER_2_S,
	durationS: 2,
	perMeeting: true
};

/**
 * The control plane's transport: each connection is seated in its meeting's session, its
 * commands parsed, rate-limited and handed to the host, which answers and broadcasts.
 */
export function attachControl(io: RealtimeServer, deps: Deps, media: MediaBackend): SessionHost {
	const host = new SessionHost(deps, media, {
		sendView: (meetingId, participantId, view, media) => {
			const to = io.to(participantRoom(meetingId, participantId));
			if (media) to.emit('view', asSent(view), media);
			else to.emit('view', asSent(view));
		},
		sendMedia: (meetingId, participantId, update) =>
			io.to(participantRoom(meetingId, participantId)).emit('media', update),
		disconnect: (meetingId, participantId) =>
			io.in(participantRoom(meetingId, participantId)).disconnectSockets(true)
	});
	const limiter = limiterOf(deps, COMMAND_LIMIT);
	/** Whether one more command of this person (`meetingId:seatId`) fits the limit. */
	const withinLimit = (person: string) =>
		limiter.consume(person).then(
			() => true,
			() => false
		);

	io.on('connection', (socket) => {
		const identity = socket.data.identity;
		let session: LiveSession | null = null;
		let closed = false;
		let seatId: string | null = null;

		const seated = (async () => {
			// A party's as read with their identity (realtime.ts); staff's from the identity itself.
			const seat = socket.data.seat ?? seatOf(identity);
			seatId = seat.id;
			socket.data.seatId = seat.id;
			await socket.join(participantRoom(identity.meetingId, seat.id));
			const joined = await host.connect(identity.meetingId, seat);
			// The connection may have dropped while the session was loading.
			if (closed) host.disconnect(joined, seat.id);
			else session = joined;
			return joined;
		})();
		seated.catch((error) => {
			if (isConnectionError(error)) {
				// The database did not answer: the browser comes back by itself (a dropped link, to
				// socket.io), where a server's disconnect would tell it to give up.
				deps.log.debug('control: seating waits for the database', {
					error: describeDatabaseError(error)
				});
				return socket.conn.close();
			}
			deps.log.error('control: seating failed', { error });
			socket.disconnect(true);
		});

		// Leaving runs from socket.io's own close, where nothing catches: a fault in it is
		// logged, never the end of the process (the connection is gone either way).
		socket.on(
			'disconnect',
			guarded(deps.log, 'control: a disconnect', () => {
				closed = true;
				if (session && seatId) host.disconnect(session, seatId);
			})
		);

		socket.on(
			'command',
			guarded(deps.log, 'control: a command', async (raw, ack) => {
				if (typeof ack !== 'function') return;
				const parsed = SessionCommandSchema.safeParse(raw);
				if (!parsed.success) return ack(err(ERROR_CODES.invalidInput, m.session_refused_invalid()));
				try {
					const joined = await seated;
					if (
						!ALWAYS_ALLOWED.has(parsed.data.type) &&
						!(await withinLimit(`${identity.meetingId}:${seatId}`))
					)
						return ack(err(ERROR_CODES.rateLimited, m.session_refused_rate_limited()));
					const result = await host.dispatch(joined, seatId as string, parsed.data);
					ack(
						result.ok
							? ok({ seq: result.seq })
							: err(result.code, refusalMessage(result.reason, result.detail))
					);
				} catch (error) {
					// Another process owns the session now (ownership.ts): its connections are let go
					// and come back to it; nothing of this command was stored.
					if (error instanceof OwnershipLostError)
						return ack(err(ERROR_CODES.unavailable, m.session_refused_moved()));
					deps.log.error('control: command failed', { error });
					ack(err(ERROR_CODES.internal, m.error_unexpected()));
				}
			})
		);
	});

	return host;
}
