import type {
	MediatorCommand,
	PartyCommand,
	SessionCommand
} from '../protocol/session-commands.ts';
import { copyState, shareUnchanged } from './copy.ts';
import { applyMediatorCommand, MEDIATOR_ONLY } from './mediator-commands.ts';
import {
	isMediator,
	isParty,
	isResting,
	JOINT_ROOM_ID,
	type NoticeKind,
	type Participant,
	type SessionRole,
	type SessionState
} from './model.ts';
import { applyPartyCommand } from './party-commands.ts';
import { isRefusal, refuse, type Refusal } from './refusals.ts';
import { isSafe, restore, separate } from './safety.ts';

/** Who a participant is, as the server learned it from their session when they connected. */
export interface ParticipantSeed {
	id: string;
	role: SessionRole;
	name: string;
	side: string | null;
	/** The victim chose not to be seen: their camera reaches no one, whatever the browser asks. */
	notSeen?: boolean;
}

/** Commands of the server itself: never sent by a browser. */
export type SystemCommand =
	| { type: 'seedParticipants'; participants: ParticipantSeed[] }
	| { type: 'connected'; participant: ParticipantSeed }
	| { type: 'disconnected'; participantId: string }
	/** After a restart: nobody is connected any more. */
	| { type: 'connectionsReset' };

export const SYSTEM = 'system';

/** One logged step: replaying the same envelopes gives the same state. */
export interface Envelope {
	command: SessionCommand | SystemCommand;
	/** The participant id who sent it, or `system`. */
	actor: string;
	/** Server time (ms) when it was accepted. */
	at: number;
}

/** What the host must do besides broadcasting views. */
export type SessionEvent =
	| { type: 'sessionStarted' }
	| { type: 'sessionEnded' }
	| { type: 'participantWithdrew'; participantId: string }
	| { type: 'noticeRaised'; kind: NoticeKind; participantId: string };

export type TransitionResult = { ok: true; state: SessionState; events: SessionEvent[] } | Refusal;

export function initialState(meetingId: string, firstSpeaker: 'victim' | 'offender'): SessionState {
	return { phase: 'not_started', meetingId, firstSpeaker, participants: {}, seq: 0 };
}

/**
 * The only way a session changes. Validates the actor's right to the command against the
 * current state, applies it to a copy (the state is plain JSON data), and refuses anything that would break the session's
 * invariants (checked again on the result). The input state is never modified; the result
 * shares with it every part the command left as it was.
 */
export function transition(current: SessionState, envelope: Envelope): TransitionResult {
	const events: SessionEvent[] = [];
	if (envelope.actor === SYSTEM) {
		// The server's own observations (a connection dropped) are facts: never refused.
		const state = applySystem(copyState(current), envelope.command as SystemCommand, envelope.at);
		if (state.phase === 'live') separate(state, envelope.at);
		return { ok: true, state: shareUnchanged(current, { ...state, seq: current.seq + 1 }), events };
	}
	const next = applyPersonCommand(
		copyState(current),
		envelope.command as SessionCommand,
		envelope.actor,
		envelope.at,
		events
	);
	if (isRefusal(next)) return next;
	// Whatever the command, a result that breaks invariant 1 is refused as a whole, and so is
	// one that brings someone resting on their break into the joint room (invariant 3).
	if (next.phase === 'live' && !isSafe(next)) return refuse('wouldMixSides');
	const resting = next.phase === 'live' ? restingInJointRoom(next) : undefined;
	if (resting) return refuse('onBreak', { name: resting.name });
	const state = shareUnchanged(current, next);
	// A command that changes nothing (a break asked for again, a hand already down) is answered
	// as done, and is no step: nothing to log, nobody to tell.
	if (state === current && events.length === 0) return { ok: true, state: current, events };
	state.seq = current.seq + 1;
	return { ok: true, state, events };
}

const restingInJointRoom = (state: SessionState): Participant | undefined =>
	Object.values(state.participants).find(
		(p) => isResting(p) && p.location.kind === 'room' && p.location.roomId === JOINT_ROOM_ID
	);

function seedParticipant(state: SessionState, seed: ParticipantSeed): Participant {
	const existing = state.participants[seed.id];
	if (existing) {
		existing.name = seed.name;
		if (seed.notSeen) {
			existing.notSeen = true;
			existing.media.cameraOff = true;
		}
		return existing;
	}
	const participant: Participant = {
		...seed,
		connections: 0,
		location: { kind: 'waiting' },
		status: 'active',
		confirmedVoluntary: false,
		mutedByMediator: false,
		media: { cameraOff: seed.notSeen === true, audioOnly: false }
	};
	state.participants[seed.id] = participant;
	return participant;
}

function applySystem(state: SessionState, command: SystemCommand, at: number): SessionState {
	switch (command.type) {
		case 'seedParticipants':
			for (const seed of command.participants) seedParticipant(state, seed);
			return state;
		case 'connected': {
			const p = seedParticipant(state, command.participant);
			p.connections += 1;
			if (state.phase === 'live' && isMediator(p) && p.connections === 1) {
				// A mediator joins where the meeting is; a returning one finds people as they were.
				if (p.location.kind === 'waiting') p.location = { kind: 'room', roomId: JOINT_ROOM_ID };
				restore(state);
			}
			return state;
		}
		case 'disconnected': {
			const p = state.participants[command.participantId];
			if (p) p.connections = Math.max(0, p.connections - 1);
			// Invariant 1, when the last connection of a mediator drops: separate in this very step.
			if (state.phase === 'live') separate(state, at);
			return state;
		}
		case 'connectionsReset':
			for (const p of Object.values(state.participants)) p.connections = 0;
			if (state.phase === 'live') separate(state, at);
			return state;
	}
}

function applyPersonCommand(
	state: SessionState,
	command: SessionCommand,
	actorId: string,
	at: number,
	events: SessionEvent[]
): SessionState | Refusal {
	const actor = state.participants[actorId];
	if (!actor) return refuse('unknownParticipant');
	if (actor.status === 'withdrawn') return refuse('withdrawn');
	// Commands come over a connection; the state must agree that the sender is here.
	if (actor.connections === 0) return refuse('notConnected');
	if (command.type === 'setMediaPreferences') {
		if (command.cameraOff !== undefined)
			actor.media.cameraOff = command.cameraOff || actor.notSeen === true;
		if (command.audioOnly !== undefined) actor.media.audioOnly = command.audioOnly;
		return state;
	}
	if (MEDIATOR_ONLY.has(command.type)) {
		if (!isMediator(actor)) return refuse('mediatorOnly');
		return applyMediatorCommand(state, command as MediatorCommand, actor, at, events);
	}
	if (!isParty(actor)) return refuse('partyOnly');
	return applyPartyCommand(state, command as PartyCommand, actor, at, events);
}
