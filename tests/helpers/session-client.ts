import { io, type Socket } from 'socket.io-client';
import { expect } from 'vitest';
import type { ClientToServerEvents, ServerToClientEvents } from '#lib/protocol/events.ts';
import type { MediaUpdate } from '#lib/protocol/media.ts';
import type { Result } from '#lib/protocol/result.ts';
import type { SessionCommand } from '#lib/protocol/session-commands.ts';
import type { MediatorView, PartyView, SessionView } from '#lib/protocol/session-view.ts';
import { PROTOCOL_VERSION, REALTIME_PATH } from '#lib/protocol/version.ts';

/**
 * A real socket.io client in a live session, as a browser holding `cookie` would be: it
 * keeps the latest view it received and sends commands with acknowledgements.
 */
export class SessionClient<V extends SessionView = SessionView> {
	readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
	views: V[] = [];
	/** Every media assignment received, in order. */
	media: MediaUpdate[] = [];
	#waiters: { test: (view: V) => boolean; resolve: (view: V) => void }[] = [];

	constructor(
		baseUrl: string,
		options: { cookie: string; meetingId: string; as: 'party' | 'staff'; reconnection?: boolean }
	) {
		this.socket = io(baseUrl, {
			path: REALTIME_PATH,
			transports: ['websocket'],
			forceNew: true,
			reconnection: options.reconnection ?? false,
			reconnectionDelay: 100,
			reconnectionDelayMax: 500,
			extraHeaders: { cookie: options.cookie },
			// Names the meeting in the handshake's URL, as the browser's client does: a process
			// that does not hold the meeting's case forwards the connection to the one that does
			// (the auth below reaches the server only once the connection is made).
			query: { meeting: options.meetingId },
			auth: { protocol: PROTOCOL_VERSION, meetingId: options.meetingId, as: options.as }
		});
		this.socket.on('media', (update) => this.media.push(update));
		this.socket.on('view', (view, media) => {
			if (media) this.media.push(media);
			this.views.push(view as V);
			this.#waiters = this.#waiters.filter((w) => {
				if (!w.test(view as V)) return true;
				w.resolve(view as V);
				return false;
			});
		});
	}

	get view(): V {
		const view = this.views.at(-1);
		if (!view) throw new Error('no view received yet');
		return view;
	}

	/** The first view (already received or coming) that passes `test`. */
	until(test: (view: V) => boolean, timeoutMs = 5000): Promise<V> {
		const seen = this.views.at(-1);
		if (seen && test(seen)) return Promise.resolve(seen);
		return new Promise((resolve, reject) => {
			const timer = setTimeout(
				() => reject(new Error(`no matching view; last: ${JSON.stringify(this.views.at(-1))}`)),
				timeoutMs
			);
			this.#waiters.push({
				test,
				resolve: (view) => {
					clearTimeout(timer);
					resolve(view);
				}
			});
		});
	}

	/** The newest media update (already received or coming) that passes `test`. */
	async mediaUntil(test: (update: MediaUpdate) => boolean, timeoutMs = 5000): Promise<MediaUpdate> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const found = [...this.media].reverse().find(test);
			if (found) return found;
			if (Date.now() > deadline)
				throw new Error(`no matching media update; last: ${JSON.stringify(this.media.at(-1))}`);
			await new Promise((resolve) => setTimeout(resolve, 20));
		}
	}

	send(
		command: SessionCommand | Record<string, unknown> | unknown
	): Promise<Result<{ seq: number }>> {
		return this.socket.timeout(5000).emitWithAck('command', command);
	}

	/** Sends a command that must be accepted; returns the seq it produced. */
	async do(command: SessionCommand): Promise<number> {
		const result = await this.send(command);
		expect(result, JSON.stringify(command)).toMatchObject({ ok: true });
		return (result as { value: { seq: number } }).value.seq;
	}

	/** Resolves when connected (or rejects with the refusal). */
	connected(): Promise<this> {
		if (this.socket.connected) return Promise.resolve(this);
		return new Promise((resolve, reject) => {
			this.socket.once('connect', () => resolve(this));
			this.socket.once('connect_error', reject);
		});
	}

	close(): void {
		this.socket.close();
	}
}

export type MediatorClient = SessionClient<MediatorView>;
export type PartyClient = SessionClient<PartyView>;
