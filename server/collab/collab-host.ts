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
	parseDocName,
	type CollabDocName,
	type CollabPresence,
	type CollabState,
	type EditRefusal,
	type EditRight
} from '#lib/protocol/collab.ts';
import {
	loadAgreementRecord,
	type AgreementRecord
} from '#lib/server/agreements/agreement-record.ts';
import { agreementStateFor } from '#lib/server/agreements/agreement-state.ts';
import {
	viewerId,
	viewerOfCase,
	type CaseViewer,
	type Credentials
} from '#lib/server/agreements/case-viewer.ts';
import { loadDocument, saveSnapshot } from '#lib/server/collab/document-store.ts';
import { BatchedAppender } from '#lib/server/db/batched-appender.ts';
import type { Deps } from '#lib/server/deps.ts';
import type { AgreementDocuments } from '#lib/server/planes.ts';
import type { AgendaStep } from '#lib/session/model.ts';
import { Presence, PresenceError } from './presence.ts';

/** Limits, in one place. */
export const COLLAB_LIMITS = {
	/** A document's stored size beyond which edits are refused (an agreement is a few KB). */
	maxDocumentBytes: 2 * 1024 * 1024,
	/** Messages per connection: a burst of this many… */
	burstMessages: 400,
	/** …then this many a second (typing sends an update and a cursor per key). */
	messagesPerSecond: 200,
	/** Durable updates are applied to the server's copy at the latest this long after… */
	settleMs: 100,
	/** …or once this many are waiting (it is read whenever someone syncs, compacts or freezes). */
	settleUpdates: 256,
	/** A document nobody has open stays in memory this long. */
	idleUnloadMs: 30_000,
	/** How often an open connection's right to the document is checked again. */
	revalidateMs: 60_000
} as const;

const COLUMNS = ['doc', 'update'] as const;

interface Connection {
	ws: WebSocket;
	viewer: CaseViewer;
	credentials: Credentials;
	user: CollabPresence['user'];
	tokens: number;
	refilledAt: number;
	closed: boolean;
}

interface LiveDocument {
	name: string;
	target: CollabDocName;
	/** The server's copy: every durable update, once `#settle` has applied `unapplied`. */
	ydoc: Y.Doc;
	/** Durable updates not yet applied to `ydoc` (applied together, in one transaction). */
	unapplied: Uint8Array[];
	settleTimer: NodeJS.Timeout | null;
	presence: Presence;
	connections: Set<Connection>;
	/** Per Yjs client, the clock up to which updates were accepted (durable or on their way). */
	accepted: Map<number, number>;
	/**
	 * Yjs clients with an edit refused, with who sent it (`<client>:<viewer id>`): that copy
	 * holds the edit and sends it again on every reconnect — it must never get in later (once
	 * read-only is lifted, say). Nothing more is taken from that person under that client;
	 * their page starts again from the server's copy, as a new client. (Per person: client
	 * ids are not secret, and one person's refused edit must not shut out another's client.)
	 */
	refused: Set<string>;
	/** Updates accepted and not yet durable. */
	inFlight: Set<Promise<void>>;
	/** No edit is accepted while a use case holds the document (freezing). */
	held: boolean;
	/** Settles when the last use case queued to hold the document lets go (see exclusive). */
	lastHolder: Promise<void>;
	bytes: number;
	/** Stored rows not folded into the snapshot yet, all applied to `ydoc` once settled. */
	rowsStored: number;
	/** This document's next compaction threshold (see compactThreshold). */
	compactAt: number;
	compacting: Promise<void> | null;
	/** The agreement's records (agreement documents only). */
	record: AgreementRecord | null;
	idleTimer: NodeJS.Timeout | null;
}

const COLOURS = ['#8a3ffc', '#0f62fe', '#007d79', '#b28600', '#da1e28', '#198038', '#6929c4'];

function colourOf(id: string): string {
	let hash = 0;
	for (const char of id) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
	return COLOURS[hash % COLOURS.length] as string;
}

function message(build: (encoder: encoding.Encoder) => void): Uint8Array {
	const encoder = encoding.createEncoder();
	build(encoder);
	return encoding.toUint8Array(encoder);
}

/**
 * Stored rows after which a document is compacted while open: the configured number
 * (COLLAB_COMPACT_AFTER_ROWS), plus up to half again drawn per document, so that documents
 * written at the same pace (a session's several drafts, a busy afternoon) do not all compact
 * in the same second.
 */
const compactThreshold = (rows: number) => rows + Math.floor(Math.random() * (rows / 2));

/** What the collaboration plane needs of the live sessions. */
export interface SessionSteps {
	/** The agenda step of a meeting's live session in this process; null when not live. */
	stepOf(meetingId: string): AgendaStep | null;
	/** Loads the meeting's session (rebuilt from its log) if it is not in memory yet. */
	load(meetingId: string): Promise<unknown>;
}

/**
 * Holds the collaborative documents open in this process and speaks y-websocket's protocol
 * to their connections. The rules it keeps:
 * - an update is appended to the database before any other peer receives it, and before the
 *   server's own copy takes it in (so a sync answer never contains anything not durable);
 * - an edit is accepted only from a connection whose person may edit now (rights.ts), only if
 *   everything it builds on was accepted before, and never while the document is held;
 * - a refused edit is answered with y-protocols' "permission denied" and the reason;
 * - a malformed message closes its connection and touches nothing else.
 */
export class CollabHost implements AgreementDocuments {
	readonly #deps: Deps;
	readonly #stepOf: (meetingId: string) => AgendaStep | null;
	readonly #loadSession: (meetingId: string) => Promise<unknown>;
	readonly #appender: BatchedAppender;
	readonly #documents = new Map<string, Promise<LiveDocument>>();
	/** The same documents once loaded. */
	readonly #loaded = new Map<string, LiveDocument>();
	readonly #revalidate: NodeJS.Timeout;
	/** The last compaction queued: they run one at a time (see #compact). */
	#compactions: Promise<void> = Promise.resolve();

	constructor(deps: Deps, sessions: SessionSteps) {
		this.#deps = deps;
		this.#stepOf = (meetingId) => sessions.stepOf(meetingId);
		this.#loadSession = (meetingId) => sessions.load(meetingId);
		this.#appender = new BatchedAppender(
			deps.logWriter,
			'collab_updates',
			COLUMNS,
			deps.log,
			// One write at a time: while it commits, the next tick's updates gather for the next
			// one. Measured (docs/BENCHMARKS.md): with four in flight, 1.7× the commits for the
			// same updates, 10–15 % more CPU, and a longer tail. (Spacing writes 1–2 ms apart
			// halved the commits again, saved no measurable CPU and doubled the median.)
			{ parallelism: 1 }
		);
		this.#revalidate = setInterval(() => void this.#revalidateAll(), COLLAB_LIMITS.revalidateMs);
		this.#revalidate.unref();
	}

	// --- connections ------------------------------------------------------------------

	/** Takes an accepted WebSocket for a document the viewer may open (checked at the upgrade). */
	async open(ws: WebSocket, name: string, viewer: CaseViewer, credentials: Credentials) {
		const connection: Connection = {
			ws,
			viewer,
			credentials,
			user: {
				id: viewerId(viewer),
				name: viewer.kind === 'party' ? viewer.name : viewer.actor.name,
				role: viewer.kind === 'party' ? viewer.role : 'staff',
				color: colourOf(viewerId(viewer))
			},
			tokens: COLLAB_LIMITS.burstMessages,
			refilledAt: Date.now(),
			closed: false
		};
		// Messages that arrive while the document loads wait for it, in order.
		const queue: Uint8Array[] = [];
		let doc: LiveDocument | null = null;
		ws.on('message', (data: Buffer, isBinary: boolean) => {
			if (!isBinary) return this.#close(connection, COLLAB_CLOSE.malformed, 'binary only');
			const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
			if (doc) this.#receive(doc, connection, bytes);
			else queue.push(bytes);
		});
		ws.on('close', () => {
			connection.closed = true;
			if (doc) this.#leave(doc, connection);
		});
		ws.on('error', () => ws.terminate());
		try {
			doc = await this.#document(name);
		} catch (error) {
			this.#deps.log.error('collab: loading a document failed', {
				doc: name,
				error: String(error)
			});
			return this.#close(connection, COLLAB_CLOSE.goingAway, 'unavailable');
		}
		if (connection.closed) return;
		this.#join(doc, connection);
		for (const bytes of queue.splice(0)) this.#receive(doc, connection, bytes);
	}

	#join(doc: LiveDocument, connection: Connection): void {
		if (doc.idleTimer) clearTimeout(doc.idleTimer);
		doc.idleTimer = null;
		doc.connections.add(connection);
		this.#settle(doc);
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

	#leave(doc: LiveDocument, connection: Connection): void {
		doc.connections.delete(connection);
		const removed = doc.presence.remove(connection);
		if (removed) this.#broadcast(doc, awarenessMessage(removed), connection);
		if (doc.connections.size === 0) this.#scheduleUnload(doc);
	}

	#receive(doc: LiveDocument, connection: Connection, bytes: Uint8Array): void {
		if (connection.closed) return;
		if (!this.#takeToken(connection))
			return this.#close(connection, COLLAB_CLOSE.tooFast, 'too many messages');
		try {
			const decoder = decoding.createDecoder(bytes);
			const type = decoding.readVarUint(decoder);
			switch (type) {
				case COLLAB_MESSAGES.sync: {
					const step = decoding.readVarUint(decoder);
					if (step === syncProtocol.messageYjsSyncStep1) {
						const stateVector = decoding.readVarUint8Array(decoder);
						this.#settle(doc);
						this.#send(
							connection,
							message((e) => {
								encoding.writeVarUint(e, COLLAB_MESSAGES.sync);
								syncProtocol.writeSyncStep2(e, doc.ydoc, stateVector);
							})
						);
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
		const durable = this.#appender.append(doc.name, [doc.name, row]);
		doc.inFlight.add(durable);
		durable.then(
			() => {
				doc.inFlight.delete(durable);
				doc.rowsStored++;
				this.#applyLater(doc, update);
				this.#broadcast(
					doc,
					received ??
						message((e) => {
							encoding.writeVarUint(e, COLLAB_MESSAGES.sync);
							syncProtocol.writeUpdate(e, update);
						}),
					connection
				);
				if (doc.rowsStored >= doc.compactAt) void this.#compact(doc);
			},
			() => {
				// Not durable, so nobody may have it: every copy of this document starts again.
				doc.inFlight.delete(durable);
				for (const other of doc.connections) this.#close(other, COLLAB_CLOSE.goingAway, 'retry');
				this.#unload(doc);
			}
		);
	}

	/** Whether every deletion in `ds` is already in the server's copy. */
	#deletionsKnown(doc: LiveDocument, ds: ReturnType<typeof Y.decodeUpdate>['ds']): boolean {
		this.#settle(doc);
		// Merged ranges: a range already deleted here lies within one of them.
		const known = Y.createDeleteSetFromStructStore(doc.ydoc.store).clients;
		for (const [client, ranges] of ds.clients) {
			const have = known.get(client) ?? [];
			for (const { clock, len } of ranges)
				if (!have.some((r) => r.clock <= clock && clock + len <= r.clock + r.len)) return false;
		}
		return true;
	}

	/** Applies durable updates to the server's copy together (one Yjs transaction), soon. */
	#applyLater(doc: LiveDocument, update: Uint8Array): void {
		doc.unapplied.push(update);
		if (doc.unapplied.length >= COLLAB_LIMITS.settleUpdates) return this.#settle(doc);
		if (!doc.settleTimer) {
			doc.settleTimer = setTimeout(() => this.#settle(doc), COLLAB_LIMITS.settleMs);
			doc.settleTimer.unref();
		}
	}

	/** Brings the server's copy up to every durable update: before anyone reads it. */
	#settle(doc: LiveDocument): void {
		if (doc.settleTimer) clearTimeout(doc.settleTimer);
		doc.settleTimer = null;
		if (doc.unapplied.length === 0) return;
		const updates = doc.unapplied;
		doc.unapplied = [];
		Y.transact(doc.ydoc, () => {
			for (const update of updates) Y.applyUpdate(doc.ydoc, update);
		});
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
		if (doc.bytes + bytes > COLLAB_LIMITS.maxDocumentBytes) return EDIT_REFUSALS.tooLarge;
		const ends = new Map<number, number>();
		for (const struct of structs) {
			const { client, clock } = struct.id;
			if (doc.refused.has(`${client}:${connection.user.id}`)) return EDIT_REFUSALS.resync;
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
		for (const struct of structs) doc.refused.add(`${struct.id.client}:${connection.user.id}`);
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

	#takeToken(connection: Connection): boolean {
		const now = Date.now();
		connection.tokens = Math.min(
			COLLAB_LIMITS.burstMessages,
			connection.tokens + ((now - connection.refilledAt) / 1000) * COLLAB_LIMITS.messagesPerSecond
		);
		connection.refilledAt = now;
		if (connection.tokens < 1) return false;
		connection.tokens--;
		return true;
	}

	#send(connection: Connection, bytes: Uint8Array): void {
		if (!connection.closed && connection.ws.readyState === connection.ws.OPEN)
			connection.ws.send(bytes);
	}

	#broadcast(doc: LiveDocument, bytes: Uint8Array, except?: Connection): void {
		for (const connection of doc.connections)
			if (connection !== except) this.#send(connection, bytes);
	}

	#close(connection: Connection, code: number, reason: string): void {
		if (connection.closed) return;
		connection.closed = true;
		connection.ws.close(code, reason);
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
		for (const doc of this.#loaded.values())
			if (doc.record?.agreement.meetingId === meetingId) this.#pushState(doc);
	}

	// --- documents --------------------------------------------------------------------

	#document(name: string): Promise<LiveDocument> {
		let loading = this.#documents.get(name);
		if (!loading) {
			loading = this.#load(name);
			this.#documents.set(name, loading);
			loading.then(
				(doc) => {
					this.#loaded.set(name, doc);
					// Opened for a use case, not a connection: forgotten again unless someone joins.
					if (doc.connections.size === 0) this.#scheduleUnload(doc);
				},
				() => this.#documents.delete(name)
			);
		}
		return loading;
	}

	async #load(name: string): Promise<LiveDocument> {
		const target = parseDocName(name);
		if (!target) throw new Error(`not a document name: ${name}`);
		const [stored, record] = await Promise.all([
			loadDocument(this.#deps.db, name),
			target.kind === 'agreement'
				? loadAgreementRecord(this.#deps.db, target.agreementId)
				: Promise.resolve(null)
		]);
		if (target.kind === 'agreement' && !record) throw new Error(`no agreement ${name}`);
		// Who may edit depends on the live session's step: after a restart the session is
		// loaded (from its log) before anyone's edit is judged, not when someone rejoins it.
		if (record?.agreement.meetingId)
			await this.#loadSession(record.agreement.meetingId).catch(() => undefined);
		const ydoc = new Y.Doc();
		if (stored.state) Y.applyUpdate(ydoc, stored.state);
		return {
			name,
			target,
			ydoc,
			unapplied: [],
			settleTimer: null,
			presence: new Presence(),
			connections: new Set(),
			accepted: Y.decodeStateVector(Y.encodeStateVector(ydoc)),
			refused: new Set(),
			inFlight: new Set(),
			held: false,
			lastHolder: Promise.resolve(),
			bytes: stored.bytes,
			rowsStored: stored.pendingRows,
			compactAt: compactThreshold(this.#deps.config.collabCompactAfterRows),
			compacting: null,
			record,
			idleTimer: null
		};
	}

	#scheduleUnload(doc: LiveDocument): void {
		if (doc.idleTimer) clearTimeout(doc.idleTimer);
		doc.idleTimer = setTimeout(() => {
			doc.idleTimer = null;
			if (doc.connections.size > 0 || doc.held || doc.inFlight.size > 0) return;
			void this.#compact(doc).finally(() => {
				if (doc.connections.size === 0 && !doc.held && doc.inFlight.size === 0) this.#unload(doc);
			});
		}, COLLAB_LIMITS.idleUnloadMs);
		doc.idleTimer.unref();
	}

	#unload(doc: LiveDocument): void {
		if (doc.idleTimer) clearTimeout(doc.idleTimer);
		if (this.#loaded.get(doc.name) === doc) {
			this.#loaded.delete(doc.name);
			this.#documents.delete(doc.name);
		}
		if (doc.settleTimer) clearTimeout(doc.settleTimer);
		doc.ydoc.destroy();
	}

	/**
	 * Folds a document's stored rows into its snapshot: the snapshot is the server's own copy,
	 * taken when it holds the oldest `rows` stored rows, and those rows are deleted with it in
	 * one statement (document-store.ts). Nothing is read back. One compaction at a time, across all
	 * documents, so that documents edited at the same pace do not all write at once; on
	 * PGlite, whose one connection runs on this thread, each is followed by a pause as long as
	 * it took, to leave the appends their turn.
	 */
	#compact(doc: LiveDocument): Promise<void> {
		if (doc.compacting || doc.rowsStored === 0) return doc.compacting ?? Promise.resolve();
		let pauseMs = 0;
		const run = async () => {
			const started = performance.now();
			// Taken together, in one turn: the copy holds the `rows` oldest stored rows.
			this.#settle(doc);
			const state = Y.encodeStateAsUpdate(doc.ydoc);
			const rows = doc.rowsStored;
			const bytesBefore = doc.bytes;
			try {
				const removed = await saveSnapshot(this.#deps.db, doc.name, state, rows);
				doc.rowsStored -= removed;
				// Counted from what is left, so that a compaction never follows another at once.
				doc.compactAt = doc.rowsStored + compactThreshold(this.#deps.config.collabCompactAfterRows);
				doc.bytes = state.byteLength + (doc.bytes - bytesBefore);
			} finally {
				if (this.#deps.logWriter.parallelism === 1) pauseMs = performance.now() - started;
			}
		};
		doc.compacting = this.#compactions
			.then(run)
			.catch((error) =>
				this.#deps.log.error('collab: compaction failed', { doc: doc.name, error: String(error) })
			)
			.finally(() => {
				doc.compacting = null;
			});
		this.#compactions = doc.compacting.then(
			() => new Promise<void>((resolve) => setTimeout(resolve, pauseMs).unref())
		);
		return doc.compacting;
	}

	/** A link revoked or a staff member removed while connected: their connection ends. */
	async #revalidateAll(): Promise<void> {
		for (const doc of [...this.#loaded.values()])
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
		for (const doc of this.#loaded.values())
			for (const connection of doc.connections)
				if (connection.viewer.kind === 'party' && connection.viewer.partyId === partyId)
					this.#close(connection, COLLAB_CLOSE.accessEnded, 'access ended');
	}

	// --- AgreementDocuments (for the use cases) ----------------------------------------

	async content(agreementId: string): Promise<AgreementContent> {
		const doc = await this.#document(agreementDocName(agreementId));
		this.#settle(doc);
		return readContent(doc.ydoc);
	}

	async exclusive<T>(
		agreementId: string,
		use: (content: AgreementContent) => Promise<T>
	): Promise<T> {
		const doc = await this.#document(agreementDocName(agreementId));
		// Use cases hold the document one after the other, in the order they asked.
		const before = doc.lastHolder;
		let letGo!: () => void;
		doc.lastHolder = new Promise((resolve) => (letGo = resolve));
		await before;
		doc.held = true;
		try {
			await Promise.allSettled([...doc.inFlight]);
			this.#settle(doc);
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
		const doc = this.#loaded.get(agreementDocName(agreementId));
		if (!doc) return;
		doc.record = (await loadAgreementRecord(this.#deps.db, agreementId)) ?? doc.record;
		this.#pushState(doc);
	}

	/** Stops: every accepted update durable, every connection closed. */
	async close(): Promise<void> {
		clearInterval(this.#revalidate);
		for (const doc of this.#loaded.values()) {
			if (doc.idleTimer) clearTimeout(doc.idleTimer);
			if (doc.settleTimer) clearTimeout(doc.settleTimer);
			for (const connection of doc.connections)
				this.#close(connection, COLLAB_CLOSE.goingAway, 'server stopping');
		}
		await this.#appender.drain();
	}
}

function awarenessMessage(update: Uint8Array): Uint8Array {
	return message((e) => {
		encoding.writeVarUint(e, COLLAB_MESSAGES.awareness);
		encoding.writeVarUint8Array(e, update);
	});
}
