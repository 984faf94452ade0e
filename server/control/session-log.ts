import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { asc, eq } from 'drizzle-orm';
import type { Envelope } from '#lib/session/transition.ts';
import type { Database, LogWriter } from '#lib/server/db/client.ts';
import { sessionEvents } from '#lib/server/db/schema.ts';
import type { Logger } from '#lib/server/log.ts';

/**
 * The append-only, hash-chained event log of live sessions. Each entry's hash covers the
 * previous hash and the canonical JSON (RFC 8785) of the entry, so that any change to the
 * history is detectable. Appends made in one tick, across all sessions, go to the database
 * in one statement; a caller learns its entry is durable when `committed` resolves.
 */

export interface LoggedEntry {
	seq: number;
	envelope: Envelope;
	prevHash: string | null;
	hash: string;
}

export function entryHash(
	meetingId: string,
	prevHash: string | null,
	seq: number,
	envelope: Envelope
): string {
	const body = canonicalize({ meetingId, seq, ...envelope }) ?? '';
	return createHash('sha256')
		.update(prevHash ?? `genesis:${meetingId}`)
		.update('\n')
		.update(body)
		.digest('hex');
}

/** Recomputes the chain; returns the first broken seq, or null when every hash holds. */
export function verifyChain(meetingId: string, entries: LoggedEntry[]): number | null {
	let prev: string | null = null;
	for (const entry of entries) {
		if (
			entry.prevHash !== prev ||
			entryHash(meetingId, prev, entry.seq, entry.envelope) !== entry.hash
		)
			return entry.seq;
		prev = entry.hash;
	}
	return null;
}

interface Pending {
	meetingId: string;
	entry: LoggedEntry;
	resolve: () => void;
	reject: (error: unknown) => void;
}

const COLUMNS = ['meeting_id', 'seq', 'at', 'actor', 'command', 'prev_hash', 'hash'] as const;
/** Entries per INSERT at most (a parameter limit, and a bound on one write's latency). */
const MAX_BATCH = 1_000;

export class SessionLog {
	readonly #db: Database;
	readonly #writer: LogWriter;
	readonly #log: Logger;
	#pending: Pending[] = [];
	/** Sessions with a batch in flight: their next entries wait for it (order is the chain). */
	readonly #inFlight = new Set<string>();
	readonly #writing = new Set<Promise<void>>();
	#scheduled = false;

	constructor(db: Database, writer: LogWriter, log: Logger) {
		this.#db = db;
		this.#writer = writer;
		this.#log = log;
	}

	async load(meetingId: string): Promise<LoggedEntry[]> {
		const rows = await this.#db
			.select()
			.from(sessionEvents)
			.where(eq(sessionEvents.meetingId, meetingId))
			.orderBy(asc(sessionEvents.seq));
		return rows.map((row) => ({
			seq: row.seq,
			prevHash: row.prevHash,
			hash: row.hash,
			envelope: {
				actor: row.actor,
				at: row.at.getTime(),
				command: row.command as unknown as Envelope['command']
			}
		}));
	}

	/** Queues an entry; its hash is known at once, its durability when `committed` resolves. */
	append(
		meetingId: string,
		seq: number,
		envelope: Envelope,
		prevHash: string | null
	): { hash: string; committed: Promise<void> } {
		const entry: LoggedEntry = {
			seq,
			envelope,
			prevHash,
			hash: entryHash(meetingId, prevHash, seq, envelope)
		};
		const committed = new Promise<void>((resolve, reject) =>
			this.#pending.push({ meetingId, entry, resolve, reject })
		);
		this.#schedule();
		return { hash: entry.hash, committed };
	}

	/** Resolves once everything appended so far is durable. */
	async drain(): Promise<void> {
		while (this.#pending.length > 0 || this.#writing.size > 0) {
			this.#flush();
			await Promise.allSettled([...this.#writing]);
			await new Promise((resolve) => setImmediate(resolve));
		}
	}

	#schedule(): void {
		if (this.#scheduled) return;
		this.#scheduled = true;
		// What every session appended in this tick goes out together.
		setImmediate(() => {
			this.#scheduled = false;
			this.#flush();
		});
	}

	/**
	 * Starts as many writes as the database allows at once. A batch takes every waiting entry
	 * of the sessions that have nothing in flight; a session's later entries wait for its
	 * earlier ones, so the chain is always written in order, while one slow write holds back
	 * only the sessions it carries.
	 */
	#flush(): void {
		while (this.#pending.length > 0 && this.#writing.size < this.#writer.parallelism) {
			const batch: Pending[] = [];
			const waiting: Pending[] = [];
			for (const pending of this.#pending)
				if (this.#inFlight.has(pending.meetingId) || batch.length >= MAX_BATCH)
					waiting.push(pending);
				else batch.push(pending);
			if (batch.length === 0) return;
			const meetings = new Set(batch.map((p) => p.meetingId));
			this.#pending = waiting;
			for (const meetingId of meetings) this.#inFlight.add(meetingId);
			const write = this.#write(batch).finally(() => {
				for (const meetingId of meetings) this.#inFlight.delete(meetingId);
				this.#writing.delete(write);
				if (this.#pending.length > 0) this.#schedule();
			});
			this.#writing.add(write);
		}
	}

	async #write(batch: Pending[]): Promise<void> {
		try {
			await this.#writer.append(
				'session_events',
				COLUMNS,
				batch.map(({ meetingId, entry }) => [
					meetingId,
					entry.seq,
					new Date(entry.envelope.at),
					entry.envelope.actor,
					JSON.stringify(entry.envelope.command),
					entry.prevHash,
					entry.hash
				])
			);
			for (const p of batch) p.resolve();
		} catch (error) {
			this.#log.error('session log: append failed', {
				error: String(error),
				entries: batch.length
			});
			for (const p of batch) p.reject(error);
		}
	}
}
