import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { and, asc, desc, eq, gte, or } from 'drizzle-orm';
import { RULES_VERSION } from '#lib/session/replay.ts';
import type { Envelope } from '#lib/session/transition.ts';
import { BatchedAppender } from '#lib/server/db/batched-appender.ts';
import type { Database, LogWriter } from '#lib/server/db/client.ts';
import { sessionEvents } from '#lib/server/db/schema.ts';
import type { Logger } from '#lib/server/log.ts';
import { sessionResource } from '#lib/server/db/ownership.ts';

/**
 * The append-only, hash-chained event log of live sessions. Each entry's hash covers the
 * previous hash and the canonical JSON (RFC 8785) of the entry, so that any change to the
 * history is detectable. Appends made in one tick, across all sessions, go to the database
 * together (BatchedAppender); a caller learns its entry is durable when `committed` resolves.
 */

export interface LoggedEntry {
	seq: number;
	envelope: Envelope;
	/** The version of the rules that applied it (RULES_VERSION when it was written). */
	rulesVersion: number;
	prevHash: string | null;
	hash: string;
}

/**
 * The version of every entry written before versions were recorded. It is hashed as the
 * absence of a version, as those entries were, so that their stored hashes still verify; any
 * other version is in the hash. Either way an entry cannot be passed off as one of another
 * version without breaking the chain.
 */
const UNRECORDED_RULES_VERSION = 1;

export function entryHash(
	meetingId: string,
	prevHash: string | null,
	seq: number,
	envelope: Envelope,
	rulesVersion: number
): string {
	const version = rulesVersion === UNRECORDED_RULES_VERSION ? {} : { rulesVersion };
	const body = canonicalize({ meetingId, seq, ...envelope, ...version }) ?? '';
	return createHash('sha256')
		.update(prevHash ?? `genesis:${meetingId}`)
		.update('\n')
		.update(body)
		.digest('hex');
}

/**
 * Recomputes the chain of `entries`, the first of which follows the entry hashed `prevHash`
 * (null: the first of the log); returns the first broken seq, or null when every hash holds.
 */
export function verifyChain(
	meetingId: string,
	entries: LoggedEntry[],
	prevHash: string | null = null
): number | null {
	let prev = prevHash;
	for (const entry of entries) {
		if (
			entry.prevHash !== prev ||
			entryHash(meetingId, prev, entry.seq, entry.envelope, entry.rulesVersion) !== entry.hash
		)
			return entry.seq;
		prev = entry.hash;
	}
	return null;
}

/** Meetings read by one statement of `loadMany`: two parameters each, far below the limit. */
const LOAD_MANY_AT_ONCE = 500;

const COLUMNS = [
	'meeting_id',
	'seq',
	'at',
	'actor',
	'command',
	'prev_hash',
	'hash',
	'rules_version'
] as const;

export class SessionLog {
	readonly #db: Database;
	/** Keyed by meeting: a session's entries are written in order (the chain). */
	readonly #appender: BatchedAppender;

	constructor(db: Database, writer: LogWriter, log: Logger) {
		this.#db = db;
		// One write at a time, like the agreement documents: fuller commits, fewer of them. At
		// 1000 sessions (docs/BENCHMARKS.md) PostgreSQL's CPU fell from 17–24 % to 14–18 % and
		// neither median nor tail got worse over four runs in alternation with four at a time.
		this.#appender = new BatchedAppender(writer, 'session_events', COLUMNS, log, {
			resource: sessionResource,
			parallelism: 1
		});
	}

	/** A meeting's entries in order, all of them or from seq `fromSeq` on. */
	async load(meetingId: string, fromSeq = 1): Promise<LoggedEntry[]> {
		return (await this.loadMany(new Map([[meetingId, fromSeq]]))).get(meetingId) ?? [];
	}

	/**
	 * The entries of several meetings, each from its own seq on (`from`: meeting → seq), in
	 * order: one statement per LOAD_MANY_AT_ONCE meetings.
	 */
	async loadMany(from: ReadonlyMap<string, number>): Promise<Map<string, LoggedEntry[]>> {
		const loaded = new Map<string, LoggedEntry[]>([...from.keys()].map((id) => [id, []]));
		const pairs = [...from];
		for (let start = 0; start < pairs.length; start += LOAD_MANY_AT_ONCE) {
			const rows = await this.#db
				.select()
				.from(sessionEvents)
				.where(
					or(
						...pairs
							.slice(start, start + LOAD_MANY_AT_ONCE)
							.map(([meetingId, fromSeq]) =>
								and(eq(sessionEvents.meetingId, meetingId), gte(sessionEvents.seq, fromSeq))
							)
					)
				)
				.orderBy(asc(sessionEvents.meetingId), asc(sessionEvents.seq));
			for (const row of rows)
				loaded.get(row.meetingId)?.push({
					seq: row.seq,
					rulesVersion: row.rulesVersion,
					prevHash: row.prevHash,
					hash: row.hash,
					envelope: {
						actor: row.actor,
						at: row.at.getTime(),
						command: row.command as unknown as Envelope['command']
					}
				});
		}
		return loaded;
	}

	/** The hash of a meeting's last durable entry. */
	async head(meetingId: string): Promise<string | null> {
		const [last] = await this.#db
			.select({ hash: sessionEvents.hash })
			.from(sessionEvents)
			.where(eq(sessionEvents.meetingId, meetingId))
			.orderBy(desc(sessionEvents.seq))
			.limit(1);
		return last?.hash ?? null;
	}

	/**
	 * Queues an entry; its hash is known at once, its durability when `committed` resolves. It
	 * is stored only while `epoch` (the session's, when this process took it) is the newest:
	 * otherwise `committed` rejects with OwnershipLostError.
	 */
	append(
		meetingId: string,
		seq: number,
		envelope: Envelope,
		prevHash: string | null,
		epoch: number
	): { hash: string; committed: Promise<void> } {
		const entry: LoggedEntry = {
			seq,
			envelope,
			rulesVersion: RULES_VERSION,
			prevHash,
			hash: entryHash(meetingId, prevHash, seq, envelope, RULES_VERSION)
		};
		const committed = this.#appender.append(
			meetingId,
			[
				meetingId,
				entry.seq,
				new Date(entry.envelope.at),
				entry.envelope.actor,
				JSON.stringify(entry.envelope.command),
				entry.prevHash,
				entry.hash,
				entry.rulesVersion
			],
			epoch
		);
		return { hash: entry.hash, committed };
	}

	/** Resolves once everything appended so far is durable. */
	drain(): Promise<void> {
		return this.#appender.drain();
	}
}
