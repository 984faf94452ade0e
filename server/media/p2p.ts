import type { IceServer } from '#lib/protocol/media.ts';
import type { MediaBackend } from './backend.ts';

/**
 * Built-in media: WebRTC between the browsers of one media room, signalled through Mend
 * (server/media/signal-relay.ts relays only between people the policy puts together). The
 * server cannot stop a browser from sending; it stops relaying, tells everyone whom to close
 * and whom not to play, and a browser that obeys stops sending.
 */
export function createP2PBackend(iceServers: IceServer[]): MediaBackend {
	return {
		kind: 'p2p',
		transportFor: (_meetingId, _participantId, _name, assignment) =>
			assignment.room ? { kind: 'p2p', iceServers } : null
	};
}
