import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as authProtocol from 'y-protocols/auth';
import * as syncProtocol from 'y-protocols/sync';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import type { AgreementContent } from '#lib/agreement/model.ts';
import { readContent } from '#lib/agreement/ydoc.ts';
import {
	COLLAB_MESSAGES,
	COLLAB_PATH,
	type AgreementState,
	type CollabState
} from '#lib/protocol/collab.ts';
import { loadDocument } from '#lib/server/collab/document-store.ts';
import type { TestServer } from './server.ts';

/** What a browser sends with its WebSocket: its cookies and the page's origin. */
export interface CollabCredentials {
	cookie: string;
	/** A party's page names its meeting (its cookie is per meeting); staff pages do not. */
	meetingId?: string;
}

/**
 * A WebSocket class for y-websocket that sends the headers a browser would: y-websocket
 * creates `new WebSocketPolyfill(url, protocols)`, and only `ws` lets Node add headers.
 */
function webSocketWith(headers: Record<string, string>): typeof globalThis.WebSocket {
	return class BrowserLikeWebSocket extends WebSocket {
		constructor(url: string | URL, protocols?: string | string[]) {
			super(url, protocols, { headers });
		}
	} as unknown as typeof globalThis.WebSocket;
}

export const collabUrl = (baseUrl: string) => `${baseUrl.replace(/^http/, 'ws')}${COLLAB_PATH}`;

/**
 * A real y-websocket client on one collaborative document, as a browser page holding
 * `credentials` would be: it keeps its own Y.Doc, the server's state messages (type 100) and
 * every refusal (auth "permission denied") and close it received.
 */
export class CollabClient {
	readonly doc: Y.Doc;
	readonly provider: WebsocketProvider;
	readonly states: CollabState[] = [];
	readonly refusals: string[] = [];
	readonly closes: { code: number; reason: string }[] = [];

	constructor(baseUrl: string, docName: string, credentials: CollabCredentials, doc = new Y.Doc()) {
		this.doc = doc;
		this.provider = new WebsocketProvider(collabUrl(baseUrl), docName, doc, {
			params: credentials.meetingId ? { meeting: credentials.meetingId } : {},
			WebSocketPolyfill: webSocketWith({ cookie: credentials.cookie, origin: baseUrl }),
			disableBc: true,
			maxBackoffTime: 500
		});
		this.provider.messageHandlers[COLLAB_MESSAGES.state] = (_encoder, decoder) => {
			this.states.push(JSON.parse(decoding.readVarString(decoder)) as CollabState);
		};
		this.provider.messageHandlers[COLLAB_MESSAGES.auth] = (_encoder, decoder) => {
			authProtocol.readAuthMessage(decoder, this.doc, (_doc, reason) => this.refusals.push(reason));
		};
		this.provider.on('connection-close', (event) => {
			if (event) this.closes.push({ code: event.code, reason: String(event.reason) });
		});
	}

	/** Resolves once the first sync with the server is done. */
	synced(timeoutMs = 5000): Promise<this> {
		if (this.provider.synced) return Promise.resolve(this);
		return new Promise((resolve, reject) => {
			const timer = setTimeout(
				() => reject(new Error(`not synced; closes: ${JSON.stringify(this.closes)}`)),
				timeoutMs
			);
			const done = (synced: boolean) => {
				if (!synced) return;
				clearTimeout(timer);
				this.provider.off('sync', done);
				resolve(this);
			};
			this.provider.on('sync', done);
		});
	}

	/** The latest state the server sent. */
	get state(): CollabState | undefined {
		return this.states.at(-1);
	}

	get agreement(): AgreementState {
		const state = this.state;
		if (state?.kind !== 'agreement')
			throw new Error(`no agreement state: ${JSON.stringify(state)}`);
		return state;
	}

	get content(): AgreementContent {
		return readContent(this.doc);
	}

	text(name: string): string {
		return this.doc.getText(name).toString();
	}

	/** Types `text` at the end of a Y.Text, as one keystroke-sized update. */
	type(name: string, text: string): void {
		const field = this.doc.getText(name);
		field.insert(field.length, text);
	}

	disconnect(): void {
		this.provider.disconnect();
	}

	/** Reconnects and waits for the sync with the server. */
	async reconnect(): Promise<this> {
		this.provider.connect();
		return this.synced();
	}

	/**
	 * Resolves once the server has answered everything this client sent so far: a sync
	 * request of our own on the same socket, whose answer comes after any refusal of what
	 * went before it (the server handles a connection's messages in order).
	 */
	async answered(): Promise<void> {
		const ws = this.provider.ws as unknown as WebSocket | null;
		if (!ws) throw new Error('not connected');
		await new Promise<void>((resolve) => {
			// y-websocket asks for ArrayBuffers.
			const onMessage = (data: ArrayBuffer) => {
				const bytes = new Uint8Array(data);
				if (bytes[0] !== COLLAB_MESSAGES.sync || bytes[1] !== syncProtocol.messageYjsSyncStep2)
					return;
				ws.off('message', onMessage);
				resolve();
			};
			ws.on('message', onMessage);
			const encoder = encoding.createEncoder();
			encoding.writeVarUint(encoder, COLLAB_MESSAGES.sync);
			syncProtocol.writeSyncStep1(encoder, this.doc);
			ws.send(encoding.toUint8Array(encoder));
		});
	}

	destroy(): void {
		this.provider.destroy();
	}
}

/**
 * A document open in a browser page, as the page keeps it (src/lib/client/collab/
 * collab-document.svelte.ts): when the server refuses an edit — the copy holds something the
 * server never took, as when the process holding the document died before storing it — the
 * copy is thrown away and a fresh one is loaded from the server. `client` is the copy of the
 * moment.
 */
export class CollabPage {
	client: CollabClient;
	/** The refusals that made the page start again, in order. */
	readonly refusals: string[] = [];
	readonly #open: () => CollabClient;
	#destroyed = false;

	constructor(baseUrl: string, docName: string, credentials: CollabCredentials) {
		this.#open = () => {
			const client = new CollabClient(baseUrl, docName, credentials);
			const keep = client.provider.messageHandlers[COLLAB_MESSAGES.auth]!;
			client.provider.messageHandlers[COLLAB_MESSAGES.auth] = (
				...args: Parameters<typeof keep>
			) => {
				keep(...args);
				// Once y-websocket has handled the message, not from inside its handler.
				setTimeout(() => this.#startAgain(client));
			};
			return client;
		};
		this.client = this.#open();
	}

	#startAgain(client: CollabClient): void {
		if (this.#destroyed || client !== this.client || client.refusals.length === 0) return;
		this.refusals.push(...client.refusals);
		client.destroy();
		this.client = this.#open();
	}

	text(name: string): string {
		return this.client.text(name);
	}

	/** Types at the end of a Y.Text of the copy on screen now. */
	type(name: string, text: string): void {
		this.client.type(name, text);
	}

	/** Resolves once the copy on screen is synced with the server. */
	async synced(timeoutMs = 5000): Promise<this> {
		await this.client.synced(timeoutMs);
		return this;
	}

	destroy(): void {
		this.#destroyed = true;
		this.client.destroy();
	}
}

const WORDS = 'the offender agrees to repay the victim for the window and to write a letter'.split(
	' '
);

/**
 * Writes into a draft as people drafting together leave it — words inserted all over the
 * text, each its own piece — until what it sent comes close to `bytes`, and waits until the
 * server has taken every update (none refused). Returns the bytes sent.
 */
export async function fillDraft(client: CollabClient, bytes: number): Promise<number> {
	let sent = 0;
	let last = 0;
	const count = (update: Uint8Array) => {
		last = update.byteLength;
		sent += last;
	};
	client.doc.on('update', count);
	const harm = client.doc.getText('harm');
	// Words per update: 1500 while far from the ceiling, then as many as half of what is left
	// takes at the size a word has cost so far, down to one, so that it ends close under it.
	let words = 1500;
	while (words > 0) {
		client.doc.transact(() => {
			for (let i = 0; i < words; i++) {
				const word = `${WORDS[Math.floor(Math.random() * WORDS.length)]} `;
				harm.insert(Math.floor(Math.random() * (harm.length + 1)), word);
			}
		});
		const perWord = last / words;
		words = Math.min(1500, Math.floor((bytes - sent) / (perWord * 2)));
	}
	client.doc.off('update', count);
	await client.answered();
	if (client.refusals.length > 0) throw new Error(`refused: ${client.refusals.join(', ')}`);
	return sent;
}

/** Opens a client and waits until it is synced. */
export async function openCollab(
	baseUrl: string,
	docName: string,
	credentials: CollabCredentials
): Promise<CollabClient> {
	return new CollabClient(baseUrl, docName, credentials).synced();
}

/**
 * Tries a bare WebSocket upgrade, as a browser would start one: resolves with the HTTP status
 * of a refusal, or 101 when a WebSocket was opened (then closed at once).
 */
export function upgradeStatus(
	baseUrl: string,
	docName: string,
	options: { cookie?: string; meetingId?: string; origin?: string } = {}
): Promise<number> {
	const url = new URL(`${collabUrl(baseUrl)}/${docName}`);
	if (options.meetingId) url.searchParams.set('meeting', options.meetingId);
	const headers: Record<string, string> = {};
	if (options.cookie) headers.cookie = options.cookie;
	if (options.origin) headers.origin = options.origin;
	return new Promise((resolve, reject) => {
		const ws = new WebSocket(url, { headers });
		ws.on('unexpected-response', (_request, response) => {
			resolve(response.statusCode ?? 0);
			ws.terminate();
		});
		ws.on('open', () => {
			resolve(101);
			ws.close();
		});
		ws.on('error', (error) => reject(error));
	});
}

/** What a server's database holds of a document, read as an agreement. */
export async function storedAgreement(
	server: TestServer,
	docName: string
): Promise<AgreementContent> {
	const { state } = await loadDocument(server.deps.db, docName);
	const doc = new Y.Doc();
	if (state) Y.applyUpdate(doc, state);
	return readContent(doc);
}
