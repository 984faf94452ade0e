import * as m from '../paraglide/messages.js';
import { ERROR_CODES } from '../protocol/errors.ts';
import type { Identity } from '../protocol/identity.ts';
import type { Result } from '../protocol/result.ts';
import type { SessionCommand } from '../protocol/session-commands.ts';
import type { SessionView } from '../protocol/session-view.ts';
import { connectRealtime, type RealtimeSocket } from './realtime.ts';

/** The longest wait between tries while Mend's database does not answer. */
const UNAVAILABLE_RETRY_MAX_MS = 10_000;

/** Where the control-plane connection stands, as the person should see it. */
export type ConnectionState =
	| { kind: 'connecting' }
	| { kind: 'connected'; identity: Identity }
	| { kind: 'reconnecting' }
	/** Refused for good (link revoked, withdrawn, meeting ended): reloading shows why. */
	| { kind: 'closed'; code: string };

/**
 * A live connection to one meeting: its state, the latest view of the session, and commands.
 * socket.io reconnects by itself; the server puts the person back where they were and sends
 * their view again.
 */
export class MeetingConnection<V extends SessionView = SessionView> {
	#state = $state<ConnectionState>({ kind: 'connecting' });
	#view = $state<V | null>(null);
	/** Difference between the server's clock and ours (ms), for timers everyone agrees on. */
	#clockOffset = $state(0);
	#lastError = $state<string | null>(null);
	/** Refusals in a row because Mend's database did not answer, and the next try. */
	#unavailableTries = 0;
	#retry: ReturnType<typeof setTimeout> | undefined;
	readonly socket: RealtimeSocket;
	readonly meetingId: string;

	constructor(meetingId: string, as: 'party' | 'staff') {
		this.meetingId = meetingId;
		this.socket = connectRealtime(meetingId, as);
		this.socket.on('connect', () => {
			this.#unavailableTries = 0;
			this.socket.emit('hello', (result) => {
				this.#state = result.ok
					? { kind: 'connected', identity: result.value }
					: { kind: 'closed', code: result.error.code };
			});
		});
		this.socket.on('view', (view) => {
			// Views can cross on a reconnect: keep the newest.
			if (this.#view && view.seq < this.#view.seq) return;
			this.#view = view as V;
			this.#clockOffset = view.serverTime - Date.now();
		});
		this.socket.on('disconnect', (reason) => {
			if (this.#state.kind === 'closed') return;
			// The server closing us (withdrawn, ended) is final; anything else is a dropped link.
			this.#state =
				reason === 'io server disconnect'
					? { kind: 'closed', code: 'closed' }
					: { kind: 'reconnecting' };
		});
		this.socket.on('connect_error', (error) => {
			if (error.message === ERROR_CODES.unavailable) {
				// Mend could not check who this is (its database did not answer): socket.io gives up
				// on a refusal, so this connection tries again itself, a little later each time.
				this.#state = { kind: 'reconnecting' };
				const waitMs = Math.min(UNAVAILABLE_RETRY_MAX_MS, 1_000 * 2 ** this.#unavailableTries++);
				this.#retry = setTimeout(() => this.socket.connect(), waitMs * (0.5 + Math.random()));
				return;
			}
			if (!this.socket.active) this.#state = { kind: 'closed', code: error.message };
			else if (this.#state.kind !== 'connecting') this.#state = { kind: 'reconnecting' };
		});
	}

	get state(): ConnectionState {
		return this.#state;
	}

	get view(): V | null {
		return this.#view;
	}

	get lastError(): string | null {
		return this.#lastError;
	}

	/** Now, by the server's clock (ms). */
	serverNow(): number {
		return Date.now() + this.#clockOffset;
	}

	/** Sends a command; a refusal's message is kept in `lastError` for the page to show. */
	async send(command: SessionCommand): Promise<Result<{ seq: number }>> {
		this.#lastError = null;
		try {
			const result = await this.socket.timeout(10_000).emitWithAck('command', command);
			if (!result.ok) this.#lastError = result.error.message;
			return result;
		} catch {
			this.#lastError = m.session_no_answer();
			return { ok: false, error: { code: 'internal', message: this.#lastError } };
		}
	}

	/** Runs `callback` once this connection is seated and has said hello. */
	onceConnected(callback: () => void): void {
		const check = () => {
			if (this.#state.kind !== 'connected') return setTimeout(check, 100);
			callback();
		};
		check();
	}

	clearError(): void {
		this.#lastError = null;
	}

	close(): void {
		clearTimeout(this.#retry);
		this.socket.close();
	}
}
