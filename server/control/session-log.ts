import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { asc, eq } from 'drizzle-orm';
import type { Envelope } from '#lib/session/transition.ts';
import type { Database } from '#lib/server/db/client.ts';
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

export class SessionLog {
	readonly #db: Database;
	readonly #log: Logger;
	#pending: Pending[] = [];
	#flushing: Promise<void> | null = null;
	#scheduled = false;

	constructor(db: Database, log: Logger) {
		this.#db = db;
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
		while (this.#pending.length > 0 || this.#flushing) {
			this.#schedule();
			await this.#flushing;
			await new Promise((resolve) => setImmediate(resolve));
		}
	}

	#schedule(): void {
		if (this.#scheduled) return;
		this.#scheduled = true;
		// Everything appended in this tick (all sessions) becomes one INSERT.
		setImmediate(() => {
			this.#scheduled = false;
			void this.#flush();
		});
	}

	async #flush(): Promise<void> {
		if (this.#flushing) {
			// One write at a time keeps entries in order; the next batch follows this one.
			await this.#flushing;
			if (this.#pending.length > 0) this.#schedule();
			return;
		}
		const batch = this.#pending;
		this.#pending = [];
		if (batch.length === 0) return;
		this.#flushing = (async () => {
			try {
				await this.#db.insert(sessionEvents).values(
					batch.map(({ meetingId, entry }) => ({
						meetingId,
						seq: entry.seq,
						at: new Date(entry.envelope.at),
						actor: entry.envelope.actor,
						command: entry.envelope.command as unknown as Record<string, unknown>,
						prevHash: entry.prevHash,
						hash: entry.hash
					}))
				);
				for (const p of batch) p.resolve();
			} catch (error) {
				this.#log.error('session log: append failed', {
					error: String(error),
					entries: batch.length
				});
				for (const p of batch) p.reject(error);
			} finally {
				this.#flushing = null;
			}
		})();
		await this.#flushing;
		if (this.#pending.length > 0) this.#schedule();
	}
}
