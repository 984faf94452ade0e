import type { Identity } from './identity.ts';
import type { MediaUpdate, SignalPayload } from './media.ts';
import type { Result } from './result.ts';
import type { SessionView } from './session-view.ts';

export interface ClientToServerEvents {
	hello: (ack: (result: Result<Identity>) => void) => void;
	/** Any command of the live session; the payload is parsed by `SessionCommandSchema`. */
	command: (command: unknown, ack: (result: Result<{ seq: number }>) => void) => void;
	/** A WebRTC signal for one peer (browser-to-browser mode); parsed by `SignalSchema`. */
	signal: (message: unknown, ack: (result: Result<null>) => void) => void;
}

export interface ServerToClientEvents {
	/**
	 * The receiver's own view of the session, after every change that concerns them; with the
	 * new media assignment when that changed in the same step (one message, not two).
	 */
	view: (view: SessionView, media?: MediaUpdate) => void;
	/** The receiver's media: room, rights, peers and transport, when it changed on its own. */
	media: (update: MediaUpdate) => void;
	/** A WebRTC signal from a peer in the same media room. */
	signal: (message: { from: string; payload: SignalPayload }) => void;
}
