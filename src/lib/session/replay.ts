import { isSafe } from './safety.ts';
import type { SessionState } from './model.ts';
import type { RefusalReason } from './refusals.ts';
import { transition, type Envelope, type TransitionResult } from './transition.ts';

/**
 * The version of the rules — `transition` and everything it calls — that every log entry is
 * recorded with. Raise it with any change after which a stored entry could replay differently
 * from how it was applied: refused where it was accepted, or giving another state (another
 * shape of state included). Adding a command, or a refusal of something no stored entry holds,
 * needs no new version. Raising it sets aside every snapshot (they hold states the old rules
 * made): each session's next load replays its whole log once, then snapshots begin again.
 */
export const RULES_VERSION = 1;

export type Rules = (state: SessionState, envelope: Envelope) => TransitionResult;

/**
 * How entries of an earlier version apply where today's rules would apply them otherwise: the
 * old behaviour, written against today's state, added when the version is raised. Empty while
 * there has been one version. An entry of a version missing here (or of a later one, after a
 * roll-back) is replayed with today's rules; one they refuse is skipped (`replay`).
 */
const EARLIER_RULES = new Map<number, Rules>();

export const rulesOf = (version: number): Rules => EARLIER_RULES.get(version) ?? transition;

/** One entry of a session's log, as replay needs it. */
export interface ReplayEntry {
	seq: number;
	rulesVersion: number;
	envelope: Envelope;
}

/** An entry replay left out: the rules refuse it now. */
export interface SkippedEntry {
	seq: number;
	rulesVersion: number;
	reason: RefusalReason;
}

/**
 * Rebuilds a session from `start` (the state before the first of `entries`) by applying each
 * entry with the rules of its version. Loading must never fail because the rules changed: an
 * entry refused now is skipped — the state stays as it was before it — and reported, and the
 * rest are applied. The state's seq is always the last entry's, skipped or not: room and
 * notice ids are made from it, so later entries still name what they named, and the next
 * entry appended follows the log.
 */
export function replay(
	start: SessionState,
	entries: Iterable<ReplayEntry>,
	rules: (version: number) => Rules = rulesOf
): { state: SessionState; skipped: SkippedEntry[] } {
	let state = start;
	const skipped: SkippedEntry[] = [];
	for (const entry of entries) {
		const result = rules(entry.rulesVersion)(state, entry.envelope);
		if (result.ok) state = result.state;
		else skipped.push({ seq: entry.seq, rulesVersion: entry.rulesVersion, reason: result.reason });
		if (state.seq !== entry.seq) state = { ...state, seq: entry.seq };
	}
	return { state, skipped };
}

/**
 * Whether a session just rebuilt from its log must be told that nobody is connected
 * (`connectionsReset`, which also holds the sides apart until a mediator is back): the log
 * counts connections to a process that is gone, and entries skipped, or applied by the rules
 * of another version, may have left sides together without a connected mediator.
 */
export const needsConnectionsReset = (state: SessionState): boolean =>
	Object.values(state.participants).some((p) => p.connections > 0) ||
	(state.phase === 'live' && !isSafe(state));
