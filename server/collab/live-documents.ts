import * as Y from 'yjs';
import type { CollabDocName } from '#lib/protocol/collab.ts';
import { parseDocName } from '#lib/protocol/collab.ts';
import {
	loadAgreementRecord,
	type AgreementRecord
} from '#lib/server/agreements/agreement-record.ts';
import { loadDocument, saveSnapshot } from '#lib/server/collab/document-store.ts';
import { describeDatabaseError, isConnectionError } from '#lib/server/db/connection-errors.ts';
import { documentResource, OwnershipLostError, takeOwnership } from '#lib/server/db/ownership.ts';
import type { Deps } from '#lib/server/deps.ts';
import type { TokenBucket } from '../token-bucket.ts';
import { COLLAB_LIMITS } from './limits.ts';
import { Presence } from './presence.ts';
import { RefusedClients } from './refused-clients.ts';
import { SyncAnswers } from './sync-answers.ts';

/** Timings of the server's copies, in one place. */
export const DOCUMENT_TIMINGS = {
	/** Durable updates are applied to the server's copy at the latest this long after… */
	settleMs: 100,
	/** …or once this many are waiting (it is read whenever someone syncs, compacts or freezes). */
	settleUpdates: 256,
	/** A document nobody has open stays in memory this long. */
	idleUnloadMs: 30_000
} as const;

/** One document open in this process, with the connections (of type `C`) that have it open. */
export interface LiveDocument<C> {
	name: string;
	/** This process's epoch of the document (ownership.ts): appends and compactions name it. */
	epoch: number;
	target: CollabDocName;
	/** The server's copy: every durable update, once `settle` has applied `unapplied`. */
	ydoc: Y.Doc;
	/** Durable updates not yet applied to `ydoc` (applied together, in one transaction). */
	unapplied: Uint8Array[];
	/** Changes whenever `ydoc` does: what is computed from the copy is kept for one version. */
	version: number;
	/** The copy's answers to sync requests, and its deletions, for the current version. */
	answers: SyncAnswers;
	/** Per person (viewer id), the sync requests they may still make: all their tabs together. */
	syncBudgets: Map<string, TokenBucket>;
	settleTimer: NodeJS.Timeout | null;
	presence: Presence;
	connections: Set<C>;
	/** Per Yjs client, the clock up to which updates were accepted (durable or on their way). */
	accepted: Map<number, number>;
	/**
	 * Per person (viewer id), the Yjs clients they had an edit refused under: that copy holds
	 * the edit and sends it again on every reconnect — it must never get in later (once
	 * read-only is lifted, say). Nothing more is taken from that person under that client;
	 * their page starts again from the server's copy, as a new client. (Per person: client
	 * ids are not secret, and one person's refused edit must not shut out another's client.)
	 * Bounded per person (refused-clients.ts).
	 */
	refused: RefusedClients;
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

/**
 * Stored rows after which a document is compacted while open: the configured number
 * (COLLAB_COMPACT_AFTER_ROWS), plus up to half again drawn per document, so that documents
 * written at the same pace (a session's several drafts, a busy afternoon) do not all compact
 * in the same second.
 */
const compactThreshold = (rows: number) => rows + Math.floor(Math.random() * (rows / 2));

/**
 * The documents open in this process and their server copies: loaded once however many ask
 * at the same time, kept up to every durable update, compacted into their snapshot as rows
 * accumulate, and forgotten once nobody has had them open for a while.
 */
export class LiveDocuments<C> {
	readonly #deps: Deps;
	readonly #loadSession: (meetingId: string) => Promise<unknown>;
	readonly #lost: (doc: LiveDocument<C>) => void;
	readonly #documents = new Map<string, Promise<LiveDocument<C>>>();
	/** The same documents once loaded. */
	readonly #loaded = new Map<string, LiveDocument<C>>();
	/** The last compaction queued: they run one at a time (see compact). */
	#compactions: Promise<void> = Promise.resolve();

	/**
	 * `loadSession`: loads a meeting's live session (rebuilt from its log) if it is not yet.
	 * `lost`: another process took a document over (its compaction was refused).
	 */
	constructor(
		deps: Deps,
		loadSession: (meetingId: string) => Promise<unknown>,
		lost: (doc: LiveDocument<C>) => void = () => {}
	) {
		this.#deps = deps;
		this.#loadSession = loadSession;
		this.#lost = lost;
	}

	/** The document, loaded if it is not yet (once, however many ask meanwhile). */
	open(name: string): Promise<LiveDocument<C>> {
		let loading = this.#documents.get(name);
		if (!loading) {
			loading = this.#load(name);
			this.#documents.set(name, loading);
			loading.then(
				(doc) => {
					this.#loaded.set(name, doc);
					// Opened for a use case, not a connection: forgotten again unless someone joins.
					if (doc.connections.size === 0) this.scheduleUnload(doc);
				},
				() => this.#documents.delete(name)
			);
		}
		return loading;
	}

	/** The document if it is loaded. */
	get(name: string): LiveDocument<C> | undefined {
		return this.#loaded.get(name);
	}

	loaded(): IterableIterator<LiveDocument<C>> {
		return this.#loaded.values();
	}

	async #load(name: string): Promise<LiveDocument<C>> {
		const target = parseDocName(name);
		if (!target) throw new Error(`not a document name: ${name}`);
		// Taken before anything is read: another process's later writes under its older epoch
		// are refused, its earlier ones are in what is read next.
		const epoch = await takeOwnership(this.#deps.db, documentResource(name));
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
			epoch,
			target,
			ydoc,
			unapplied: [],
			version: 0,
			answers: new SyncAnswers(),
			syncBudgets: new Map(),
			settleTimer: null,
			presence: new Presence(),
			connections: new Set(),
			accepted: Y.decodeStateVector(Y.encodeStateVector(ydoc)),
			refused: new RefusedClients(COLLAB_LIMITS.refusedClientsPerPerson),
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

	/** A durable update, stored: applied to the server's copy soon, compacted in time. */
	stored(doc: LiveDocument<C>, update: Uint8Array): void {
		doc.rowsStored++;
		doc.unapplied.push(update);
		if (doc.unapplied.length >= DOCUMENT_TIMINGS.settleUpdates) this.settle(doc);
		else if (!doc.settleTimer) {
			doc.settleTimer = setTimeout(() => this.settle(doc), DOCUMENT_TIMINGS.settleMs);
			doc.settleTimer.unref();
		}
		if (doc.rowsStored >= doc.compactAt) void this.compact(doc);
	}

	/** Brings the server's copy up to every durable update: before anyone reads it. */
	settle(doc: LiveDocument<C>): void {
		if (doc.settleTimer) clearTimeout(doc.settleTimer);
		doc.settleTimer = null;
		if (doc.unapplied.length === 0) return;
		const updates = doc.unapplied;
		doc.unapplied = [];
		doc.version++;
		Y.transact(doc.ydoc, () => {
			for (const update of updates) Y.applyUpdate(doc.ydoc, update);
		});
	}

	/** Somebody has it open: it stays. */
	keep(doc: LiveDocument<C>): void {
		if (doc.idleTimer) clearTimeout(doc.idleTimer);
		doc.idleTimer = null;
	}

	/** Nobody has it open: compacted and forgotten after a while, unless someone comes back. */
	scheduleUnload(doc: LiveDocument<C>): void {
		if (doc.idleTimer) clearTimeout(doc.idleTimer);
		doc.idleTimer = setTimeout(() => {
			doc.idleTimer = null;
			if (doc.connections.size > 0 || doc.held || doc.inFlight.size > 0) return;
			void this.compact(doc).finally(() => {
				if (doc.connections.size === 0 && !doc.held && doc.inFlight.size === 0) this.unload(doc);
			});
		}, DOCUMENT_TIMINGS.idleUnloadMs);
		doc.idleTimer.unref();
	}

	/** Forgets the server's copy at once: the next to open it loads it from the database. */
	unload(doc: LiveDocument<C>): void {
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
	compact(doc: LiveDocument<C>): Promise<void> {
		if (doc.compacting || doc.rowsStored === 0) return doc.compacting ?? Promise.resolve();
		let pauseMs = 0;
		const run = async () => {
			const started = performance.now();
			// Taken together, in one turn: the copy holds the `rows` oldest stored rows.
			this.settle(doc);
			const state = Y.encodeStateAsUpdate(doc.ydoc);
			const rows = doc.rowsStored;
			const bytesBefore = doc.bytes;
			const folded = (removed: number) => {
				doc.rowsStored -= removed;
				// Counted from what is left, so that a compaction never follows another at once.
				doc.compactAt = doc.rowsStored + compactThreshold(this.#deps.config.collabCompactAfterRows);
				doc.bytes = state.byteLength + (doc.bytes - bytesBefore);
			};
			try {
				folded(await saveSnapshot(this.#deps.db, doc.name, state, rows, doc.epoch));
			} catch (error) {
				// Its connection was lost: it may have committed all the same. Counted as done — too
				// few rows counted leaves rows the snapshot already holds for later; too many would
				// make the next compaction delete rows stored after its snapshot was taken.
				if (isConnectionError(error)) folded(Math.min(rows, doc.rowsStored));
				// Another process loaded it since: this copy may be behind its log; it is let go.
				if (error instanceof OwnershipLostError) this.#lost(doc);
				throw error;
			} finally {
				if (this.#deps.logWriter.parallelism === 1) pauseMs = performance.now() - started;
			}
		};
		doc.compacting = this.#compactions
			.then(run)
			.catch((error) =>
				this.#deps.log.error('collab: compaction failed', {
					doc: doc.name,
					error: describeDatabaseError(error)
				})
			)
			.finally(() => {
				doc.compacting = null;
			});
		this.#compactions = doc.compacting.then(
			() => new Promise<void>((resolve) => setTimeout(resolve, pauseMs).unref())
		);
		return doc.compacting;
	}

	/** Stops every timer (the process is stopping). */
	close(): void {
		for (const doc of this.#loaded.values()) {
			if (doc.idleTimer) clearTimeout(doc.idleTimer);
			if (doc.settleTimer) clearTimeout(doc.settleTimer);
		}
	}
}
