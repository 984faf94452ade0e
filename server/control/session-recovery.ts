import type { SessionState } from '#lib/session/model.ts';
import { replay, RULES_VERSION, type SkippedEntry } from '#lib/session/replay.ts';
import type { Logger } from '#lib/server/log.ts';
import { verifyChain, type LoggedEntry, type SessionLog } from './session-log.ts';
import type { SessionSnapshot, SessionSnapshots } from './session-snapshots.ts';

export interface Recovered {
	state: SessionState;
	/**
	 * The hash of the last entry stored, applied or skipped: the next entry chains from it.
	 * Null when the log is empty.
	 */
	lastHash: string | null;
	/** The seq of the snapshot the replay started from; 0 when it replayed the whole log. */
	from: number;
	/** How many entries were replayed. */
	replayed: number;
	/** The entries replayed (those after the snapshot, or the whole log). */
	entries: LoggedEntry[];
	skipped: SkippedEntry[];
}

/**
 * Rebuilds a session from its log: from the newest snapshot of the current rules and the
 * entries after it, or from `initial` through the whole log. Never fails for what the log
 * holds:
 * - an entry the rules refuse now is left out (`replay`) and logged as a warning;
 * - a broken hash chain is logged as an error and the session loaded all the same: the chain
 *   is the evidence that the history was changed, for whoever looks into it, not a lock on a
 *   meeting people are waiting to resume. Only the entries replayed are checked: those before
 *   a snapshot were checked when they were replayed to make it.
 * `snapshots` null: the whole log, always (the benchmark's baseline).
 */
export async function recoverSession(
	meetingId: string,
	initial: SessionState,
	log: SessionLog,
	snapshots: SessionSnapshots | null,
	logger: Logger
): Promise<Recovered> {
	const resumed = snapshots ? await resumable(meetingId, log, snapshots, logger) : null;
	const start = resumed?.snapshot.state ?? initial;
	const startHash = resumed?.snapshot.hash ?? null;
	const entries = resumed?.after ?? (await log.load(meetingId));

	const brokenAt = verifyChain(meetingId, entries, startHash);
	if (brokenAt !== null)
		logger.error('session: the log’s hash chain is broken; loaded as it is', {
			meetingId,
			seq: brokenAt
		});
	const { state, skipped } = replay(start, entries);
	for (const entry of skipped)
		logger.warn('session: a logged entry is refused by the current rules; replayed without it', {
			meetingId,
			...entry
		});
	return {
		state,
		lastHash: entries.at(-1)?.hash ?? startHash,
		from: resumed?.snapshot.seq ?? 0,
		replayed: entries.length,
		entries,
		skipped
	};
}

/**
 * The newest snapshot of the current rules, with the entries after it, when it belongs to
 * this log: the entry it names is stored, with its hash. A snapshot of other rules is not
 * looked at (its state may not be one today's rules make).
 */
async function resumable(
	meetingId: string,
	log: SessionLog,
	snapshots: SessionSnapshots,
	logger: Logger
): Promise<{ snapshot: SessionSnapshot; after: LoggedEntry[] } | null> {
	const snapshot = await snapshots.newest(meetingId, RULES_VERSION);
	if (!snapshot) return null;
	const [own, ...after] = await log.load(meetingId, snapshot.seq);
	if (own?.seq === snapshot.seq && own.hash === snapshot.hash) return { snapshot, after };
	logger.warn('session: a snapshot names no entry of the log; replaying the whole log', {
		meetingId,
		seq: snapshot.seq
	});
	return null;
}
