import { and, desc, eq, inArray, lt } from 'drizzle-orm';
import type { SessionState } from '#lib/session/model.ts';
import type { Database } from '#lib/server/db/client.ts';
import { sessionSnapshots } from '#lib/server/db/schema.ts';

/**
 * A live session's state is stored every this many entries of its log, so that loading it
 * replays fewer entries than this after the newest snapshot, whatever the log's length: a load
 * takes 5–74 ms at any length, where a full replay of 50,000 entries took 1.6–8 s
 * (docs/BENCHMARKS.md, session load). A snapshot is one row of a few kilobytes; a whole
 * session's agenda can fit in 40 entries. Also the length of a replay after which the state it
 * reached is stored at once.
 */
export const SNAPSHOT_EVERY_ENTRIES = 200;

export interface SessionSnapshot {
	seq: number;
	rulesVersion: number;
	state: SessionState;
	/** The hash of the log's entry `seq`: the entries after it chain from it. */
	hash: string;
}

/**
 * The snapshots of live sessions (table `session_snapshots`): a cache of the replayed log,
 * one row per meeting and rules version — only the newest of each is kept.
 */
export class SessionSnapshots {
	readonly #db: Database;

	constructor(db: Database) {
		this.#db = db;
	}

	/** The newest snapshot of a meeting made by the rules of `rulesVersion`, if any. */
	async newest(meetingId: string, rulesVersion: number): Promise<SessionSnapshot | null> {
		return (await this.newestOf([meetingId], rulesVersion)).get(meetingId) ?? null;
	}

	/** The newest snapshot of each of these meetings made by the rules of `rulesVersion`. */
	async newestOf(
		meetingIds: readonly string[],
		rulesVersion: number
	): Promise<Map<string, SessionSnapshot>> {
		if (meetingIds.length === 0) return new Map();
		const rows = await this.#db
			.selectDistinctOn([sessionSnapshots.meetingId])
			.from(sessionSnapshots)
			.where(
				and(
					inArray(sessionSnapshots.meetingId, [...meetingIds]),
					eq(sessionSnapshots.rulesVersion, rulesVersion)
				)
			)
			.orderBy(sessionSnapshots.meetingId, desc(sessionSnapshots.seq));
		return new Map(
			rows.map((row) => [
				row.meetingId,
				{ seq: row.seq, rulesVersion, state: row.state, hash: row.hash }
			])
		);
	}

	/**
	 * Stores a snapshot and drops the older ones of the same version. Only for a state whose
	 * entry is durable: a snapshot must never name an entry the log does not hold.
	 */
	async store(meetingId: string, snapshot: SessionSnapshot, at: Date): Promise<void> {
		await this.#db.transaction(async (tx) => {
			await tx
				.insert(sessionSnapshots)
				.values({ meetingId, ...snapshot, at })
				.onConflictDoNothing();
			await tx
				.delete(sessionSnapshots)
				.where(
					and(
						eq(sessionSnapshots.meetingId, meetingId),
						eq(sessionSnapshots.rulesVersion, snapshot.rulesVersion),
						lt(sessionSnapshots.seq, snapshot.seq)
					)
				);
		});
	}
}
