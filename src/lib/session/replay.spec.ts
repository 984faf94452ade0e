import { describe, expect, it } from 'vitest';
import type { SessionCommand } from '../protocol/session-commands.ts';
import { violations } from './invariants.ts';
import { JOINT_ROOM_ID, type Live, type SessionState } from './model.ts';
import { needsConnectionsReset, replay, RULES_VERSION, type ReplayEntry } from './replay.ts';
import { CAST, connectedSession, MEDIATOR, OFFENDER, roomOf, VICTIM } from './testing.ts';
import { SYSTEM, transition, type Envelope, type SystemCommand } from './transition.ts';

/** A log as the host writes it: each applied command, with the seq it produced. */
function logOf(start: SessionState, steps: [string, SessionCommand | SystemCommand][]) {
	const entries: ReplayEntry[] = [];
	let state = start;
	let at = 5_000_000;
	for (const [actor, command] of steps) {
		const envelope: Envelope = { actor, command, at: (at += 1000) };
		const result = transition(state, envelope);
		if (!result.ok) throw new Error(`refused ${command.type}: ${result.reason}`);
		state = result.state;
		entries.push({ seq: state.seq, rulesVersion: RULES_VERSION, envelope });
	}
	return { entries, state };
}

const started = connectedSession();
const admitted: [string, SessionCommand][] = [
	[MEDIATOR, { type: 'startSession' }],
	[MEDIATOR, { type: 'admit', participantId: VICTIM }],
	[MEDIATOR, { type: 'admit', participantId: OFFENDER }]
];

/** An entry today's rules refuse, as an earlier version may have accepted it. */
const refusedNow = (seq: number): ReplayEntry => ({
	seq,
	rulesVersion: RULES_VERSION,
	envelope: { actor: VICTIM, at: 1, command: { type: 'admit', participantId: OFFENDER } }
});

describe('replaying a log', () => {
	it('rebuilds the state the entries were applied to', () => {
		const { entries, state } = logOf(started, admitted);
		expect(replay(started, entries)).toEqual({ state, skipped: [] });
	});

	it('leaves out an entry the rules refuse now, keeps the state before it, and applies the rest', () => {
		const before = logOf(started, admitted.slice(0, 2));
		const crafted = refusedNow(before.state.seq + 1);
		const after = logOf({ ...before.state, seq: crafted.seq }, admitted.slice(2));
		const { state, skipped } = replay(started, [...before.entries, crafted, ...after.entries]);
		expect(skipped).toEqual([
			{ seq: crafted.seq, rulesVersion: RULES_VERSION, reason: 'mediatorOnly' }
		]);
		expect(state).toEqual(after.state);
		expect(roomOf(state, OFFENDER)).toBe(JOINT_ROOM_ID);
	});

	it('keeps the log’s seq past a skipped entry: rooms named after it are found again', () => {
		const before = logOf(started, admitted);
		const crafted = refusedNow(before.state.seq + 1);
		// Opened after the skipped entry: its id carries the seq the live session had then.
		const after = logOf({ ...before.state, seq: crafted.seq }, [
			[MEDIATOR, { type: 'openPrivateRoom', participantId: OFFENDER }]
		]);
		const caucus = roomOf(after.state, OFFENDER)!;
		const joined = logOf(after.state, [[MEDIATOR, { type: 'joinRoom', roomId: caucus }]]);
		const { state, skipped } = replay(started, [
			...before.entries,
			crafted,
			...after.entries,
			...joined.entries
		]);
		expect(skipped).toHaveLength(1);
		expect(roomOf(state, MEDIATOR)).toBe(caucus);
		expect(state.seq).toBe(joined.entries.at(-1)!.seq);
	});

	it('ends on the seq of the last entry even when that entry is skipped', () => {
		const { entries, state } = logOf(started, admitted);
		const last = refusedNow(state.seq + 1);
		expect(replay(started, [...entries, last]).state).toEqual({ ...state, seq: last.seq });
	});

	it('applies each entry with the rules of its version', () => {
		const { entries } = logOf(started, admitted);
		// Version 0 here: rules under which the offender's admission went to the waiting room.
		const earlier = (version: number) =>
			version === 0
				? (state: SessionState, envelope: Envelope) =>
						envelope.command.type === 'admit' && envelope.command.participantId === OFFENDER
							? { ok: true as const, state: { ...state, seq: state.seq + 1 }, events: [] }
							: transition(state, envelope)
				: transition;
		const old = entries.map((e) => ({ ...e, rulesVersion: 0 }));
		expect(roomOf(replay(started, old, earlier).state, OFFENDER)).toBeNull();
		expect(roomOf(replay(started, entries, earlier).state, OFFENDER)).toBe(JOINT_ROOM_ID);
	});
});

describe('a session rebuilt from its log', () => {
	it('is reset when the log counts connections: nobody is connected to a new process', () => {
		const { state } = logOf(started, admitted);
		expect(needsConnectionsReset(state)).toBe(true);
		const reset = transition(state, {
			actor: SYSTEM,
			at: 9_000_000,
			command: { type: 'connectionsReset' }
		});
		expect(reset.ok && needsConnectionsReset(reset.state)).toBe(false);
	});

	it('is reset when it has sides together without a connected mediator, connections or not', () => {
		let { state } = logOf(started, admitted);
		state = {
			...state,
			participants: Object.fromEntries(
				CAST.map((p) => [p.id, { ...state.participants[p.id], connections: 0 }])
			)
		};
		// Not a state today's rules make; one another version's could have left.
		expect((state as Live).separation).toBeNull();
		expect(needsConnectionsReset(state)).toBe(true);
		const reset = transition(state, {
			actor: SYSTEM,
			at: 9_000_000,
			command: { type: 'connectionsReset' }
		});
		expect(reset.ok).toBe(true);
		if (!reset.ok) return;
		expect(violations(reset.state)).toEqual([]);
		expect(roomOf(reset.state, VICTIM)).not.toBe(roomOf(reset.state, OFFENDER));
	});
});
