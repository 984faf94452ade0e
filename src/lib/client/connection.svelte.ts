import type { Identity } from '../protocol/identity.ts';
import { connectRealtime, type RealtimeSocket } from './realtime.ts';

/** Where the control-plane connection stands, as the person should see it. */
export type ConnectionState =
	| { kind: 'connecting' }
	| { kind: 'connected'; identity: Identity }
	| { kind: 'reconnecting' }
	| { kind: 'refused'; code: string };

/** A live connection to one meeting; `state` is reactive. */
export class MeetingConnection {
	#state = $state<ConnectionState>({ kind: 'connecting' });
	readonly socket: RealtimeSocket;

	constructor(meetingId: string, as: 'party' | 'staff') {
		this.socket = connectRealtime(meetingId, as);
		this.socket.on('connect', () => {
			this.socket.emit('hello', (result) => {
				this.#state = result.ok
					? { kind: 'connected', identity: result.value }
					: { kind: 'refused', code: result.error.code };
			});
		});
		this.socket.on('disconnect', () => {
			if (this.#state.kind !== 'refused') this.#state = { kind: 'reconnecting' };
		});
		this.socket.on('connect_error', (error) => {
			// A refusal by the server is final; a network error is retried by socket.io.
			if (!this.socket.active) this.#state = { kind: 'refused', code: error.message };
			else if (this.#state.kind === 'connected') this.#state = { kind: 'reconnecting' };
		});
	}

	get state(): ConnectionState {
		return this.#state;
	}

	close(): void {
		this.socket.close();
	}
}
