import * as decoding from 'lib0/decoding';
import * as authProtocol from 'y-protocols/auth';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import {
	COLLAB_CLOSE,
	COLLAB_MESSAGES,
	COLLAB_PATH,
	type CollabPresence,
	type CollabState,
	type EditRefusal
} from '../../protocol/collab.ts';

/** Where the document's connection stands, as the person should see it. */
export type CollabStatus = 'connecting' | 'synced' | 'reconnecting' | 'closed';

/** Someone else on the document, as the server introduced them. */
export interface Peer extends CollabPresence {
	clientId: number;
}

/**
 * One collaborative document in the browser: a Yjs document kept in step with the server by
 * y-websocket's provider, the server's word on what this person may do (`state`), and who
 * else is here (`peers`). The server decides; this only shows and asks.
 *
 * When the server refuses an edit (the draft became read-only or frozen between the keystroke
 * and its arrival, or the copy here holds something the server never took), the local copy is
 * thrown away and a fresh one is loaded from the server: what is on screen is always what
 * everyone else has.
 */
export class CollabDocument<S extends CollabState = CollabState> {
	readonly name: string;
	readonly #meetingId: string | null;
	/** The current copy; replaced (never mutated into another) after a refusal. */
	#doc = $state.raw<Y.Doc>(new Y.Doc());
	#provider: WebsocketProvider | null = null;
	#state = $state.raw<S | null>(null);
	#status = $state<CollabStatus>('connecting');
	/** Why the server closed it for good (COLLAB_CLOSE), once `status` is 'closed'. */
	#closeCode = $state<number | null>(null);
	#peers = $state.raw<Peer[]>([]);
	#refusal = $state<EditRefusal | null>(null);
	#cursor: CollabPresence['cursor'] = null;
	#destroyed = false;

	/** `meetingId` for a party (their session is per meeting); null for staff. */
	constructor(name: string, meetingId: string | null) {
		this.name = name;
		this.#meetingId = meetingId;
		this.#connect();
	}

	get doc(): Y.Doc {
		return this.#doc;
	}
	get state(): S | null {
		return this.#state;
	}
	get status(): CollabStatus {
		return this.#status;
	}
	get closeCode(): number | null {
		return this.#closeCode;
	}
	get peers(): Peer[] {
		return this.#peers;
	}
	/** The last refused edit's reason, until the person edits successfully again. */
	get refusal(): EditRefusal | null {
		return this.#refusal;
	}
	get canEdit(): boolean {
		const state: CollabState | null = this.#state;
		const edit = state?.kind === 'agreement' ? state.you.edit : state?.edit;
		return this.#status === 'synced' && edit?.canEdit === true;
	}

	/** Tells the others where this person's cursor is (or that they left the field). */
	setCursor(cursor: CollabPresence['cursor']): void {
		this.#cursor = cursor;
		this.#provider?.awareness.setLocalStateField('cursor', cursor);
	}

	destroy(): void {
		this.#destroyed = true;
		this.#provider?.destroy();
		this.#doc.destroy();
	}

	#connect(): void {
		const doc = new Y.Doc();
		this.#doc = doc;
		const base = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${COLLAB_PATH}`;
		const provider = new WebsocketProvider(base, this.name, doc, {
			params: this.#meetingId ? { meeting: this.#meetingId } : {},
			// Another tab is another connection the server checks, never a side channel.
			disableBc: true,
			maxBackoffTime: 5_000
		});
		this.#provider = provider;
		provider.messageHandlers[COLLAB_MESSAGES.state] = (_encoder, decoder) => {
			this.#state = JSON.parse(decoding.readVarString(decoder)) as S;
		};
		provider.messageHandlers[COLLAB_MESSAGES.auth] = (_encoder, decoder) => {
			authProtocol.readAuthMessage(decoder, doc, (_doc, reason) =>
				this.#refused(provider, reason as EditRefusal)
			);
		};
		provider.on('sync', (synced: boolean) => {
			if (provider !== this.#provider || !synced) return;
			this.#status = 'synced';
			// y-websocket does not forward a page's first presence: say it again once in, so
			// that the others see this person before they first click into a field.
			provider.awareness.setLocalStateField('cursor', this.#cursor);
		});
		provider.on('status', ({ status }: { status: string }) => {
			if (provider !== this.#provider || this.#status === 'closed') return;
			if (status === 'disconnected') this.#status = 'reconnecting';
		});
		provider.on('connection-close', (event: CloseEvent | null) => {
			if (provider !== this.#provider) return;
			// Access ended (link revoked, withdrawn), too many tabs: reconnecting cannot help.
			if (
				event?.code === COLLAB_CLOSE.accessEnded ||
				event?.code === COLLAB_CLOSE.tooManyConnections ||
				!provider.shouldConnect
			) {
				this.#closeCode = event?.code ?? null;
				this.#status = 'closed';
			}
		});
		provider.awareness.setLocalState({ cursor: this.#cursor });
		provider.awareness.on('change', () => {
			if (provider !== this.#provider) return;
			const peers: Peer[] = [];
			for (const [clientId, value] of provider.awareness.getStates()) {
				const presence = value as Partial<CollabPresence>;
				if (clientId !== doc.clientID && presence.user)
					peers.push({ clientId, user: presence.user, cursor: presence.cursor ?? null });
			}
			this.#peers = peers;
		});
		doc.on('update', (_update: Uint8Array, origin: unknown) => {
			if (origin !== provider) this.#refusal = null;
		});
	}

	#refused(provider: WebsocketProvider, reason: EditRefusal): void {
		if (provider !== this.#provider || this.#destroyed) return;
		this.#refusal = reason;
		// The server dropped something this copy holds: start again from the server's copy.
		const old = this.#doc;
		provider.destroy();
		this.#status = 'connecting';
		this.#connect();
		old.destroy();
	}
}
