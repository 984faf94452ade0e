import type { SessionState } from '#lib/session/model.ts';
import { replay, type SkippedEntry } from '#lib/session/replay.ts';
import type { Logger } from '#lib/server/log.ts';
import { verifyChain, type SessionLog } from './session-log.ts';

export interface Recovered {
	state: SessionState;
	/**
	 * The hash of the last entry stored, applied or skipped: the next entry chains from it.
	 * Null when the log is empty.
	 */
	lastHash: string | null;
	/** How many entries were replayed. */
	replayed: number;
	skipped: SkippedEntry[];
}

/**
 * Rebuilds a session from `initial` through its whole log. Never fails for what the log
 * holds:
 * - an entry the rules refuse now is left out (`replay`) and logged as a warning;
 * - a broken hash chain is logged as an error and the session loaded all the same: the chain
 *   is the evidence that the history was changed, for whoever looks into it, not a lock on a
 *   meeting people are waiting to resume.
 */
export async function recoverSession(
	meetingId: string,
	initial: SessionState,
	log: SessionLog,
	logger: Logger
): Promise<Recovered> {
	const entries = await log.load(meetingId);

	const brokenAt = verifyChain(meetingId, entries);
	if (brokenAt !== null)
		logger.error('session: the log’s hash chain is broken; loaded as it is', {
			meetingId,
			seq: brokenAt
		});
	const { state, skipped } = replay(initial, entries);
	for (const entry of skipped)
		logger.warn('session: a logged entry is refused by the current rules; replayed without it', {
			meetingId,
			...entry
		});
	return {
		state,
		lastHash: entries.at(-1)?.hash ?? null,
		replayed: entries.length,
		skipped
	};
}
