import type { Identity } from './identity.ts';
import type { Result } from './result.ts';
import type { SessionView } from './session-view.ts';

export interface ClientToServerEvents {
	hello: (ack: (result: Result<Identity>) => void) => void;
	/** Any command of the live session; the payload is parsed by `SessionCommandSchema`. */
	command: (command: unknown, ack: (result: Result<{ seq: number }>) => void) => void;
}

export interface ServerToClientEvents {
	/** The receiver's own view of the session, after every change that concerns them. */
	view: (view: SessionView) => void;
}
