import type { Identity } from './identity.ts';
import type { Result } from './result.ts';

export interface ClientToServerEvents {
	hello: (ack: (result: Result<Identity>) => void) => void;
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by the session issue
export interface ServerToClientEvents {}
