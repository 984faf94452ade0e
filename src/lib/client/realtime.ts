import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../protocol/events.ts';
import { PROTOCOL_VERSION, REALTIME_PATH } from '../protocol/version.ts';

export type RealtimeSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * Rural links drop often: keep trying, never give up on the person. The first try comes
 * 150–450 ms after a drop (socket.io's default: 0.5–1.5 s), so that a process taking over a
 * dead one's meetings has its people back within a few seconds; spread (± half), so that they
 * do not all arrive in the same instant; then twice as long each time, up to 5 s.
 */
export const RECONNECTION = { reconnectionDelay: 300, reconnectionDelayMax: 5_000 } as const;

/** Opens the control-plane connection for one meeting, as a party or as staff. */
export function connectRealtime(meetingId: string, as: 'party' | 'staff'): RealtimeSocket {
	return io({
		path: REALTIME_PATH,
		auth: { protocol: PROTOCOL_VERSION, meetingId, as },
		// In a cluster, the process this lands on sends it to the one holding the meeting.
		query: { meeting: meetingId },
		...RECONNECTION
	});
}
