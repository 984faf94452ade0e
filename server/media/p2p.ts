import type { Clock } from '#lib/server/clock.ts';
import type { Logger } from '#lib/server/log.ts';
import type { MediaConfig } from '../config.ts';
import type { MediaBackend } from './backend.ts';
import { acrossSides } from './hide-addresses.ts';
import { watchRelayAddresses } from './turn-addresses.ts';
import { mintTurnCredential } from './turn-credentials.ts';

/**
 * Built-in media: WebRTC between the browsers of one media room, signalled through Mend
 * (server/media/signal-relay.ts relays only between people the policy puts together). The
 * server cannot stop a browser from sending; it stops relaying, tells everyone whom to close
 * and whom not to play, and a browser that obeys stops sending.
 *
 * With TURN configured, the two sides of a case meet only through it: each browser is told to
 * use relays only toward the other side (`relayOnly`), and only candidates at the TURN servers'
 * addresses pass between them (hide-addresses.ts), so neither learns where the other is.
 */
export async function createP2PBackend(
	config: Extract<MediaConfig, { kind: 'p2p' }>,
	deps: { clock: Clock; log: Logger }
): Promise<MediaBackend> {
	const relays = config.turnUrls.length
		? await watchRelayAddresses(config.turnUrls, deps.log)
		: null;
	return {
		kind: 'p2p',
		transportFor: (_meetingId, participantId, _name, assignment) =>
			assignment.room
				? {
						kind: 'p2p',
						iceServers: config.turnRest
							? [
									...config.iceServers,
									mintTurnCredential(config.turnRest, participantId, deps.clock.now())
								]
							: config.iceServers,
						relayOnly: relays
							? assignment.peers.filter((peer) => peer.otherSide).map((peer) => peer.id)
							: []
					}
				: null,
		// Without TURN the sides connect directly anyway (Mend warns at start): nothing to hide.
		signalAcrossSides: (payload) => (relays ? acrossSides(payload, relays) : payload),
		stop: () => relays?.stop()
	};
}
