import { expect } from 'vitest';
import type { SessionCommand } from '../protocol/session-commands.ts';
import type { SessionState } from './model.ts';
import type { Refusal, RefusalReason } from './refusals.ts';
import {
	initialState,
	SYSTEM,
	transition,
	type ParticipantSeed,
	type SessionEvent,
	type SystemCommand
} from './transition.ts';

/** Test helpers for the session model: a cast of people and one-line steps. */

export const MEDIATOR = 'staff:mediator';
export const CO_MEDIATOR = 'staff:co-mediator';
export const VICTIM = 'victim';
export const SUPPORT = 'support';
export const OFFENDER = 'offender';
export const GUARDIAN = 'guardian';

export const CAST: ParticipantSeed[] = [
	{ id: MEDIATOR, role: 'mediator', name: 'Dana', side: null },
	{ id: VICTIM, role: 'victim', name: 'Maria', side: VICTIM },
	{ id: SUPPORT, role: 'support', name: 'Sam', side: VICTIM },
	{ id: OFFENDER, role: 'offender', name: 'Jordan', side: OFFENDER },
	{ id: GUARDIAN, role: 'guardian', name: 'Pat', side: OFFENDER }
];

let clock = 1_000_000;

export function step(
	state: SessionState,
	actor: string,
	command: SessionCommand | SystemCommand
): { state: SessionState; events: SessionEvent[] } {
	const result = transition(state, { command, actor, at: (clock += 1000) });
	if (!result.ok) throw new Error(`refused ${command.type} by ${actor}: ${result.reason}`);
	return { state: result.state, events: result.events };
}

export const apply = (
	state: SessionState,
	actor: string,
	command: SessionCommand | SystemCommand
) => step(state, actor, command).state;

export function refusedWith(
	state: SessionState,
	actor: string,
	command: SessionCommand,
	reason: RefusalReason
): Refusal {
	const result = transition(state, { command, actor, at: (clock += 1000) });
	expect(result.ok, `${command.type} by ${actor} should be refused`).toBe(false);
	expect((result as Refusal).reason).toBe(reason);
	return result as Refusal;
}

/** Everyone invited and connected, the session not yet started. */
export function connectedSession(cast = CAST): SessionState {
	let state = initialState('meeting-1', 'victim');
	state = apply(state, SYSTEM, { type: 'seedParticipants', participants: cast });
	for (const seed of cast) state = apply(state, SYSTEM, { type: 'connected', participant: seed });
	return state;
}

/** Started, with every party admitted to the joint room and confirmed voluntary. */
export function jointSession(cast = CAST): SessionState {
	let state = apply(connectedSession(cast), MEDIATOR, { type: 'startSession' });
	for (const p of cast)
		if (p.role !== 'mediator') {
			state = apply(state, MEDIATOR, { type: 'admit', participantId: p.id });
			state = apply(state, p.id, { type: 'confirmVoluntary' });
		}
	return state;
}

export const roomOf = (state: SessionState, id: string): string | null => {
	const location = state.participants[id].location;
	return location.kind === 'room' ? location.roomId : null;
};
