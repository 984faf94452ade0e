import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { WebSocket } from 'ws';
import * as authProtocol from 'y-protocols/auth';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import type { AgreementContent } from '#lib/agreement/model.ts';
import { agreementEditRight, notesEditRight, type Editor } from '#lib/agreement/rights.ts';
import { readContent } from '#lib/agreement/ydoc.ts';
import {
	agreementDocName,
	COLLAB_CLOSE,
	COLLAB_MESSAGES,
	EDIT_REFUSALS,
	type CollabPresence,
	type CollabState,
	type EditRefusal,
	type EditRight
} from '#lib/protocol/collab.ts';
import { loadAgreementRecord } from '#lib/server/agreements/agreement-record.ts';
import { agreementStateFor } from '#lib/server/agreements/agreement-state.ts';
import {
	viewerId,
	viewerOfCase,
	type CaseViewer,
	type Credentials
} from '#lib/server/agreements/case-viewer.ts';
import { BatchedAppender } from '#lib/server/db/batched-appender.ts';
import { documentResource } from '#lib/server/db/ownership.ts';
import { DatabaseUnavailableError } from '#lib/server/db/connection-errors.ts';
import type { Deps } from '#lib/server/deps.ts';
import type { AgreementDocuments } from '#lib/server/planes.ts';
import type { AgendaStep } from '#lib/session/model.ts';
import { ConnectionQuota } from '../connection-quota.ts';
import { TokenBucket } from '../token-bucket.ts';
import { COLLAB_LIMITS } from './limits.ts';
import { LiveDocuments, type LiveDocument as Doc } from './live-documents.ts';
import { guarded } from '../guarded.ts';
import { colourOf, PresenceError } from './presence.ts';

export { COLLAB_LIMITS };

const COLUMNS = ['doc', 'update'] as const;

interface Connection {
	ws: WebSocket;
	viewer: CaseViewer;
	credentials: Credentials;
	user: CollabPresence['user'];
	/** Messages and bytes it may still send: taken as they arrive, loaded document or not. */
	messages: TokenBucket;
	bytes: TokenBucket;
	/** The document once joined; null before, and again once it left (or was let go). */
	doc: LiveDocument | null;
	/** Whether it answered the last ping (see #pingAll). */
	alive: boolean;
	closed: boolean;
}

type LiveDocument = Doc<Connection>;

function message(build: (encoder: encoding.Encoder) => void): Uint8Array {
	const encoder = encoding.createEncoder();
	build(encoder);
	return encoding.toUint8Array(encoder);
}

/** What the collaboration plane needs of the live sessions. */
export interface SessionSteps {
	/** The agenda step of a meeting's live session in this process; null when not live. */
	stepOf(meetingId: string): AgendaStep | null;
	/** Loads the meeting's session (rebuilt from its log) if it is not in memory yet. */
	load(meetingId: string): Promise<unknown>;
}

/**
 * Closes a WebSocket with a code and reason, and destroys its socket if the other end has not
 * answered in time (one that stopped reading never reads the close either).
 */
function closeSocket(ws: WebSocket, code: number, reason: string): void {
	const timer = setTimeout(() => ws.terminate(), COLLAB_LIMITS.closeTimeoutMs);
	timer.unref();
	ws.once('close', () => clearTimeout(timer));
	ws.close(code, reason);
}

/**
 * Holds the collaborative documents open in this process and speaks y-websocket's protocol
 * to their connections. The rules it keeps:
 * - an update is appended to the database before any other peer receives it, and before the
 *   server's own copy takes it in (so a sync answer never contains anything not durable);
 * - an edit is accepted only from a connection whose person may edit now (rights.ts), only if
 *   everything it builds on was accepted before, and never while the document is held;
 * - a refused edit is answered with y-protocols' "permission denied" and the reason;
 * - a malformed message closes its connection and touches nothing else;
 * - nothing a connection sends makes the server hold or compute more than COLLAB_LIMITS
 *   allows: connections per person and document, messages and bytes per connection, sync
 *   requests per person (each answer computed once per version of the document), and a
 *   ceiling on what waits to be sent to it — beyond which it is closed as not reading.
 */
export class CollabHost implements AgreementDocuments {
	readonly #deps: Deps;
	readonly #stepOf: (meetingId: string) => AgendaStep | null;
	readonly #appender: BatchedAppender;
	readonly #documents: LiveDocuments<Connection>;
	readonly #revalidate: NodeJS.Timeout;
	readonly #heartbeat: NodeJS.Timeout;
	/** Every open connection, its document loaded or not. */
	readonly #connections = new Set<Connection>();
	readonly #quota = new ConnectionQuota();

	constructor(
		deps: Deps,
		sessions: SessionSteps,
		/** `heartbeatMs`: how often each connection is pinged (COLLAB_LIMITS.heartbeatMs). */
		options: { heartbeatMs?: number } = {}
	) {
		this.#deps = deps;
		this.#stepOf = (meetingId) => sessions.stepOf(meetingId);
		this.#documents = new LiveDocuments(
			deps,
			(meetingId) => sessions.load(meetingId),
			(doc) => this.#letGo(doc)
		);
		this.#appender = new BatchedAppender(
			deps.logWriter,
			'collab_updates',
			COLUMNS,
			deps.log,
			// One write at a time: while it commits, the next tick's updates gather for the next
			// one. Measured (docs/BENCHMARKS.md): with four in flight, 1.7× the commits for the
			// same updates, 10–15 % more CPU, and a longer tail. (Spacing writes 1–2 ms apart
			// halved the commits again, saved no measurable CPU and doubled the median.)
			{ resource: documentResource, parallelism: 1 }
		);
		this.#revalidate = setInterval(() => void this.#revalidateAll(), COLLAB_LIMITS.revalidateMs);
		this.#revalidate.unref();
		this.#heartbeat = setInterval(
			() => this.#pingAll(),
			options.heartbeatMs ?? COLLAB_LIMITS.heartbeatMs
		);
		this.#heartbeat.unref();
	}

	// --- connections ------------------------------------------------------------------

	/**
	 * Takes an accepted WebSocket for a document the viewer may open (checked at the upgrade),
	 * unless the person, or the document, has as many connections as it may: then it is
	 * closed at once, before anything is loaded for it.
	 */
	async open(ws: WebSocket, name: string, viewer: CaseViewer, credentials: Credentials) {
		ws.on('error', () => ws.terminate());
		const person = viewerId(viewer);
		const release = this.#quota.take([
			{ key: `doc:${name}`, max: COLLAB_LIMITS.connectionsPerDocument },
			{ key: `person:${person}:${name}`, max: COLLAB_LIMITS.connectionsPerPersonPerDocument }
		]);
		if (!release) return closeSocket(ws, COLLAB_CLOSE.tooManyConnections, 'too many connections');
		const connection: Connection = {
			ws,
			viewer,
			credentials,
			user: {
				id: person,
				name: viewer.kind === 'party' ? viewer.name : viewer.actor.name,
				role: viewer.kind === 'party' ? viewer.role : 'staff',
				color: colourOf(person)
			},
			messages: new TokenBucket(COLLAB_LIMITS.burstMessages, COLLAB_LIMITS.messagesPerSecond),
			bytes: new TokenBucket(COLLAB_LIMITS.burstBytes, COLLAB_LIMITS.bytesPerSecond),
			doc: null,
			alive: true,
			closed: false
		};
		this.#connections.add(connection);
		// Messages that arrive while the document loads wait for it, in order (within budget).
		const queue: Uint8Array[] = [];
		const { log } = this.#deps;
		ws.on(
			'message',
			guarded(log, 'collab: a message', (data: Buffer, isBinary: boolean) => {
				if (connection.closed) return;
				if (!isBinary) return this.#close(connection, COLLAB_CLOSE.malformed, 'binary only');
				if (!connection.messages.take() || !connection.bytes.take(data.byteLength))
					return this.#close(connection, COLLAB_CLOSE.tooFast, 'too many messages');
				const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
				if (connection.doc) this.#receive(connection.doc, connection, bytes);
				else queue.push(bytes);
			})
		);
		ws.on('pong', () => (connection.alive = true));
		// Its place is given back when the socket is gone, not when it was asked to close.
		ws.on(
			'close',
			guarded(log, 'collab: a close', () => {
				connection.closed = true;
				this.#leave(connection);
				this.#connections.delete(connection);
				release();
			})
		);
		let doc: LiveDocument;
		try {
			doc = await this.#documents.open(name);
		} catch (error) {
			this.#deps.log.error('collab: loading a document failed', {
				doc: name,
				error
			});
			return this.#close(connection, COLLAB_CLOSE.goingAway, 'unavailable');
		}
		if (connection.closed) return;
		this.#join(doc, connection);
		for (const bytes of queue.splice(0)) this.#receive(doc, connection, bytes);
	}

	#join(doc: LiveDocument, connection: Connection): void {
		this.#documents.keep(doc);
		connection.doc = doc;
		doc.connections.add(connection);
		this.#documents.settle(doc);
		this.#send(connection, this.#stateMessage(doc, connection));
		// The server opens the sync: the browser answers with whatever it has that we lack.
		this.#send(
			connection,
			message((e) => {
				encoding.writeVarUint(e, COLLAB_MESSAGES.sync);
				syncProtocol.writeSyncStep1(e, doc.ydoc);
			})
		);
		const present = doc.presence.all();
		if (present) this.#send(connection, awarenessMessage(present));
	}

	/** The connection is out of its document: the others see it go at once. */
	#leave(connection: Connection): void {
		const doc = connection.doc;
		if (!doc) return;
		connection.doc = null;
		doc.connections.delete(connection);
		const removed = doc.presence.remove(connection);
		if (removed) this.#broadcast(doc, awarenessMessage(removed), connection);
		if (doc.connections.size === 0) this.#documents.scheduleUnload(doc);
	}

	#receive(doc: LiveDocument, connection: Connection, bytes: Uint8Array): void {
		if (connection.closed) return;
		try {
			const decoder = decoding.createDecoder(bytes);
			const type = decoding.readVarUint(decoder);
			switch (type) {
				case COLLAB_MESSAGES.sync: {
					const step = decoding.readVarUint(decoder);
					if (step === syncProtocol.messageYjsSyncStep1) {
						const stateVector = decoding.readVarUint8Array(decoder);
						Y.decodeStateVector(stateVector); // a malformed one closes the connection now
						if (!this.#syncBudget(doc, connection).take())
							return this.#close(connection, COLLAB_CLOSE.tooFast, 'too many sync requests');
						this.#answerSync(doc, connection, stateVector);
					} else if (
						step === syncProtocol.messageYjsSyncStep2 ||
						step === syncProtocol.messageYjsUpdate
					) {
						const update = decoding.readVarUint8Array(decoder);
						// A plain update message is passed on as received; a sync answer as an update.
						const plain =
							step === syncProtocol.messageYjsUpdate && decoder.pos === bytes.byteLength;
						this.#edit(doc, connection, update, plain ? bytes : null);
					} else throw new Error('unknown sync step');
					break;
				}
				case COLLAB_MESSAGES.awareness: {
					const update = decoding.readVarUint8Array(decoder);
					const accepted = doc.presence.apply(connection, connection.user, update);
					if (accepted) this.#broadcast(doc, awarenessMessage(accepted), connection);
					break;
				}
				case COLLAB_MESSAGES.queryAwareness: {
					const present = doc.presence.all();
					if (present) this.#send(connection, awarenessMessage(present));
					break;
				}
				default:
					throw new Error(`unknown message type ${type}`);
			}
		} catch (error) {
			// Not the protocol (or presence under another's name): this connection ends, no more.
			this.#close(
				connection,
				COLLAB_CLOSE.malformed,
				error instanceof PresenceError ? 'presence refused' : 'malformed message'
			);
		}
	}

	/**
	 * An update from a connection: refused, or accepted — appended, then applied to the
	 * server's copy and sent to everyone else. Throws for an update Yjs cannot decode.
	 */
	#edit(
		doc: LiveDocument,
		connection: Connection,
		update: Uint8Array,
		received: Uint8Array | null
	): void {
		const { structs, ds } = Y.decodeUpdate(update);
		// An empty update (a sync answer with nothing new) needs no right.
		if (structs.length === 0 && ds.clients.size === 0) return;
		const checked = this.#checkEdit(doc, connection, structs, update.byteLength);
		if (typeof checked === 'string') {
			// Nor does one with only deletions made here already: a copy that reconnects (a
			// support person's, say) sends back every deletion it got. Checked only when refusing,
			// not on every keystroke: the check walks the whole document.
			if (structs.length === 0 && this.#deletionsKnown(doc, ds)) return;
			return this.#refuseEdit(doc, connection, structs, checked);
		}
		for (const [client, end] of checked)
			if (end > (doc.accepted.get(client) ?? 0)) doc.accepted.set(client, end);
		doc.bytes += update.byteLength;

		// A view, not a copy: the received message is not reused by anyone.
		const row = Buffer.from(update.buffer, update.byteOffset, update.byteLength);
		const durable = this.#appender.append(doc.name, [doc.name, row], doc.epoch);
		doc.inFlight.add(durable);
		durable.then(
			() => {
				doc.inFlight.delete(durable);
				this.#documents.stored(doc, update);
				this.#broadcast(
					doc,
					received ??
						message((e) => {
							encoding.writeVarUint(e, COLLAB_MESSAGES.sync);
							syncProtocol.writeUpdate(e, update);
						}),
					connection
				);
			},
			() => {
				// Not durable, so nobody may have it (or another process owns the document now).
				doc.inFlight.delete(durable);
				this.#letGo(doc);
			}
		);
	}

	/** Every copy of this document starts again, from whoever owns it (reconnecting). */
	#letGo(doc: LiveDocument): void {
		for (const other of doc.connections) this.#close(other, COLLAB_CLOSE.goingAway, 'retry');
		this.#documents.unload(doc);
	}

	/**
	 * Answers a sync request with what the server's copy holds beyond the asker's state
	 * vector: computed once per version of the copy (the same bytes for every asker that
	 * lacks the same), and sent only within the connection's ceiling (#send).
	 */
	#answerSync(doc: LiveDocument, connection: Connection, stateVector: Uint8Array): void {
		this.#documents.settle(doc);
		this.#send(connection, doc.answers.answer(doc.ydoc, doc.version, stateVector));
	}

	/** The sync requests a person may still make on a document, all their tabs together. */
	#syncBudget(doc: LiveDocument, connection: Connection): TokenBucket {
		let budget = doc.syncBudgets.get(connection.user.id);
		if (!budget) {
			budget = new TokenBucket(COLLAB_LIMITS.syncBurst, COLLAB_LIMITS.syncPerSecond);
			doc.syncBudgets.set(connection.user.id, budget);
		}
		return budget;
	}

	/** Whether every deletion in `ds` is already in the server's copy. */
	#deletionsKnown(doc: LiveDocument, ds: ReturnType<typeof Y.decodeUpdate>['ds']): boolean {
		this.#documents.settle(doc);
		// Merged ranges: a range already deleted here lies within one of them.
		const known = doc.answers.deletions(doc.ydoc, doc.version).clients;
		for (const [client, ranges] of ds.clients) {
			const have = known.get(client) ?? [];
			for (const { clock, len } of ranges)
				if (!have.some((r) => r.clock <= clock && clock + len <= r.clock + r.len)) return false;
		}
		return true;
	}

	#rightOf(doc: LiveDocument, viewer: CaseViewer): EditRight {
		const editor: Editor =
			viewer.kind === 'staff' ? { kind: 'staff' } : { kind: 'party', role: viewer.role };
		if (doc.held) return { canEdit: false, reason: EDIT_REFUSALS.frozen };
		if (!doc.record) return notesEditRight(editor);
		return agreementEditRight(
			doc.record.agreement,
			editor,
			this.#stepOf(doc.record.agreement.meetingId)
		);
	}

	/**
	 * Why an update may not be taken, or, when it may, where it ends per Yjs client. Each
	 * client's structs must continue what was accepted from it: a gap, or a client whose edit
	 * was refused, means the browser holds edits the server never accepted, and its copy has
	 * to start again.
	 */
	#checkEdit(
		doc: LiveDocument,
		connection: Connection,
		structs: ReturnType<typeof Y.decodeUpdate>['structs'],
		bytes: number
	): EditRefusal | Map<number, number> {
		const right = this.#rightOf(doc, connection.viewer);
		if (!right.canEdit) return right.reason;
		// Only what adds to the document is refused for its size: shortening it must stay possible.
		if (structs.length > 0 && doc.bytes + bytes > COLLAB_LIMITS.maxDocumentBytes)
			return EDIT_REFUSALS.tooLarge;
		const ends = new Map<number, number>();
		for (const struct of structs) {
			const { client, clock } = struct.id;
			if (doc.refused.has(connection.user.id, client)) return EDIT_REFUSALS.resync;
			if (!ends.has(client) && clock > (doc.accepted.get(client) ?? 0)) return EDIT_REFUSALS.resync;
			ends.set(client, Math.max(ends.get(client) ?? 0, clock + struct.length));
		}
		return ends;
	}

	/** Refuses an update: nothing more is taken from its clients under this person. */
	#refuseEdit(
		doc: LiveDocument,
		connection: Connection,
		structs: ReturnType<typeof Y.decodeUpdate>['structs'],
		reason: EditRefusal
	): void {
		for (const { id } of structs) doc.refused.add(connection.user.id, id.client);
		this.#refuse(connection, reason);
	}

	#refuse(connection: Connection, reason: EditRefusal): void {
		this.#send(
			connection,
			message((e) => {
				encoding.writeVarUint(e, COLLAB_MESSAGES.auth);
				authProtocol.writePermissionDenied(e, reason);
			})
		);
	}

	/**
	 * Sends, unless what already waits for this connection passed the ceiling: then nothing
	 * more is queued and it is closed as not reading. (Dropping messages instead would leave
	 * its copy missing updates for good; y-websocket reconnects, and its resync brings
	 * everything it missed.)
	 */
	#send(connection: Connection, bytes: Uint8Array): void {
		if (connection.closed || connection.ws.readyState !== connection.ws.OPEN) return;
		if (connection.ws.bufferedAmount > COLLAB_LIMITS.maxBufferedBytes) {
			this.#deps.log.warn('collab: closed a connection that does not read', {
				doc: connection.doc?.name,
				waitingBytes: connection.ws.bufferedAmount
			});
			return this.#close(connection, COLLAB_CLOSE.notReading, 'not reading');
		}
		connection.ws.send(bytes);
	}

	#broadcast(doc: LiveDocument, bytes: Uint8Array, except?: Connection): void {
		for (const connection of doc.connections)
			if (connection !== except) this.#send(connection, bytes);
	}

	/** Closes a connection: out of its document at once, its socket given time to close. */
	#close(connection: Connection, code: number, reason: string): void {
		if (connection.closed) return;
		connection.closed = true;
		this.#leave(connection);
		closeSocket(connection.ws, code, reason);
	}

	/** Destroys the sockets that did not answer the last ping, and pings the others. */
	#pingAll(): void {
		for (const connection of this.#connections) {
			if (!connection.alive) {
				connection.ws.terminate();
				continue;
			}
			connection.alive = false;
			if (connection.ws.readyState === connection.ws.OPEN) connection.ws.ping();
		}
	}

	// --- state ------------------------------------------------------------------------

	#stateMessage(doc: LiveDocument, connection: Connection): Uint8Array {
		const state: CollabState = doc.record
			? agreementStateFor(
					doc.record,
					connection.viewer,
					this.#stepOf(doc.record.agreement.meetingId),
					this.#deps.clock.now()
				)
			: { kind: 'notes', edit: this.#rightOf(doc, connection.viewer) };
		return message((e) => {
			encoding.writeVarUint(e, COLLAB_MESSAGES.state);
			encoding.writeVarString(e, JSON.stringify(state));
		});
	}

	#pushState(doc: LiveDocument): void {
		for (const connection of doc.connections)
			this.#send(connection, this.#stateMessage(doc, connection));
	}

	/** A meeting's session changed step: who may edit its agreement changed with it. */
	meetingChanged(meetingId: string): void {
		for (const doc of this.#documents.loaded())
			if (doc.record?.agreement.meetingId === meetingId) this.#pushState(doc);
	}

	// --- access -----------------------------------------------------------------------

	/** Checks every open connection now (planes.ts): see #revalidateAll. */
	recheckAccess(): Promise<void> {
		return this.#revalidateAll();
	}

	/** A link revoked or a staff member removed while connected: their connection ends. */
	async #revalidateAll(): Promise<void> {
		for (const doc of [...this.#documents.loaded()])
			for (const connection of [...doc.connections]) {
				const still = await viewerOfCase(
					this.#deps,
					connection.credentials,
					connection.viewer.caseId
				).catch(() => connection.viewer);
				if (!still) this.#close(connection, COLLAB_CLOSE.accessEnded, 'access ended');
			}
	}

	/** Closes one party's connections to every document (they withdrew). */
	closeParty(partyId: string): void {
		for (const doc of this.#documents.loaded())
			for (const connection of doc.connections)
				if (connection.viewer.kind === 'party' && connection.viewer.partyId === partyId)
					this.#close(connection, COLLAB_CLOSE.accessEnded, 'access ended');
	}

	// --- AgreementDocuments (for the use cases) ----------------------------------------

	async content(agreementId: string): Promise<AgreementContent> {
		const doc = await this.#documents.open(agreementDocName(agreementId));
		this.#documents.settle(doc);
		return readContent(doc.ydoc);
	}

	async exclusive<T>(
		agreementId: string,
		use: (content: AgreementContent) => Promise<T>
	): Promise<T> {
		// Edits waiting for the database are not durable until it is back: fail now, not then.
		if (!this.#deps.database.available) throw new DatabaseUnavailableError();
		const doc = await this.#documents.open(agreementDocName(agreementId));
		// Use cases hold the document one after the other, in the order they asked.
		const before = doc.lastHolder;
		let letGo!: () => void;
		doc.lastHolder = new Promise((resolve) => (letGo = resolve));
		await before;
		doc.held = true;
		try {
			await Promise.allSettled([...doc.inFlight]);
			this.#documents.settle(doc);
			return await use(readContent(doc.ydoc));
		} finally {
			try {
				doc.record = (await loadAgreementRecord(this.#deps.db, agreementId)) ?? doc.record;
			} finally {
				doc.held = false;
				letGo();
				this.#pushState(doc);
			}
		}
	}

	async changed(agreementId: string): Promise<void> {
		const doc = this.#documents.get(agreementDocName(agreementId));
		if (!doc) return;
		doc.record = (await loadAgreementRecord(this.#deps.db, agreementId)) ?? doc.record;
		this.#pushState(doc);
	}

	/** Stops: every accepted update durable, every connection closed. */
	async close(): Promise<void> {
		clearInterval(this.#revalidate);
		clearInterval(this.#heartbeat);
		for (const connection of this.#connections)
			this.#close(connection, COLLAB_CLOSE.goingAway, 'server stopping');
		this.#documents.close();
		await this.#appender.drain();
	}
}

function awarenessMessage(update: Uint8Array): Uint8Array {
	return message((e) => {
		encoding.writeVarUint(e, COLLAB_MESSAGES.awareness);
		encoding.writeVarUint8Array(e, update);
	});
}
