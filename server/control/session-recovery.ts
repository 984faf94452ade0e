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
	const recovered = await recoverSessions(new Map([[meetingId, initial]]), log, snapshots, logger);
	return recovered.get(meetingId) as Recovered;
}

/**
 * `recoverSession` for several meetings (`initial`: meeting → its state before any entry) in
 * a few statements, whatever their number: a process taking up those of one that died.
 */
export async function recoverSessions(
	initial: ReadonlyMap<string, SessionState>,
	log: SessionLog,
	snapshots: SessionSnapshots | null,
	logger: Logger
): Promise<Map<string, Recovered>> {
	const ids = [...initial.keys()];
	const found = snapshots ? await snapshots.newestOf(ids, RULES_VERSION) : new Map();
	// Each log from its snapshot's own entry, which must be stored with the snapshot's hash.
	const loaded = await log.loadMany(new Map(ids.map((id) => [id, found.get(id)?.seq ?? 1])));
	const resumed = new Map<string, SessionSnapshot>();
	const whole = new Map<string, number>();
	for (const [meetingId, snapshot] of found) {
		const own = loaded.get(meetingId)?.[0];
		if (own && own.seq === snapshot.seq && own.hash === snapshot.hash)
			resumed.set(meetingId, snapshot);
		else {
			logger.warn('session: a snapshot names no entry of the log; replaying the whole log', {
				meetingId,
				seq: snapshot.seq
			});
			whole.set(meetingId, 1);
		}
	}
	const reloaded = whole.size > 0 ? await log.loadMany(whole) : new Map<string, LoggedEntry[]>();

	const recovered = new Map<string, Recovered>();
	for (const [meetingId, state] of initial) {
		const snapshot = resumed.get(meetingId);
		const entries = snapshot
			? (loaded.get(meetingId) ?? []).slice(1)
			: (reloaded.get(meetingId) ?? loaded.get(meetingId) ?? []);
		recovered.set(meetingId, recoverFrom(meetingId, snapshot, state, entries, logger));
	}
	return recovered;
}

/** Replays `entries` onto the snapshot (or `initial` when there is none); see recoverSession. */
function recoverFrom(
	meetingId: string,
	snapshot: SessionSnapshot | undefined,
	initial: SessionState,
	entries: LoggedEntry[],
	logger: Logger
): Recovered {
	const startHash = snapshot?.hash ?? null;
	const brokenAt = verifyChain(meetingId, entries, startHash);
	if (brokenAt !== null)
		logger.error('session: the log’s hash chain is broken; loaded as it is', {
			meetingId,
			seq: brokenAt
		});
	const { state, skipped } = replay(snapshot?.state ?? initial, entries);
	for (const entry of skipped)
		logger.warn('session: a logged entry is refused by the current rules; replayed without it', {
			meetingId,
			...entry
		});
	return {
		state,
		lastHash: entries.at(-1)?.hash ?? startHash,
		from: snapshot?.seq ?? 0,
		replayed: entries.length,
		entries,
		skipped
	};
}
