import type { PartyCommand } from '../protocol/session-commands.ts';
import { JOINT_ROOM_ID, type Participant, type SessionState } from './model.ts';
import { moveTo, notify } from './moves.ts';
import { refuse, type Refusal } from './refusals.ts';
import { closeEmptyRooms, newRoomId } from './safety.ts';
import { advanceTurn, removeFromSpeaking } from './speaking.ts';
import type { SessionEvent } from './transition.ts';

export function applyPartyCommand(
	state: SessionState,
	command: PartyCommand,
	party: Participant,
	at: number,
	events: SessionEvent[]
): SessionState | Refusal {
	const refusal = applyPartyChange(state, command, party, at, events);
	return refusal ?? state;
}

function applyPartyChange(
	state: SessionState,
	command: PartyCommand,
	party: Participant,
	at: number,
	events: SessionEvent[]
): Refusal | null {
	// Invariant 3: stepping out and withdrawing always succeed, whatever the session's state.
	if (command.type === 'stepOut') {
		if (state.phase !== 'live' || party.location.kind === 'waiting') return null;
		const current = state.rooms[party.location.roomId];
		const alone = Object.values(state.participants).every(
			(p) => p.id === party.id || p.location.kind !== 'room' || p.location.roomId !== current?.id
		);
		if (current?.purpose === 'break' && alone) {
			// Still on their break: if they had said they were ready, they no longer are.
			party.onBreak = 'resting';
			return null;
		}
		const roomId = newRoomId(state, 'break', party.id);
		state.rooms[roomId] = { id: roomId, purpose: 'break', side: party.side ?? party.id };
		moveTo(state, party, { kind: 'room', roomId });
		party.onBreak = 'resting';
		closeEmptyRooms(state);
		notify(state, 'break', party.id, at, events);
		return null;
	}
	if (command.type === 'withdraw') {
		party.status = 'withdrawn';
		party.location = { kind: 'waiting' };
		if (state.phase === 'live') {
			removeFromSpeaking(state, party.id, at);
			if (state.separation) delete state.separation.previous[party.id];
			closeEmptyRooms(state);
			notify(state, 'withdrew', party.id, at, events);
		}
		events.push({ type: 'participantWithdrew', participantId: party.id });
		return null;
	}
	if (state.phase !== 'live') return refuse('notLive');
	const live = state;

	switch (command.type) {
		case 'confirmVoluntary':
			party.confirmedVoluntary = true;
			return null;
		case 'readyToReturn':
			// Said once per break: the mediator may now bring them back.
			if (party.onBreak !== 'resting') return null;
			party.onBreak = 'ready';
			notify(live, 'ready_to_return', party.id, at, events);
			return null;
		case 'raiseHand': {
			if (live.speaking.mode !== 'moderated') return refuse('notModerated');
			if (party.location.kind !== 'room' || party.location.roomId !== JOINT_ROOM_ID)
				return refuse('notInJointRoom');
			const { speaking } = live;
			if (speaking.floor !== party.id && !speaking.queue.includes(party.id))
				speaking.queue.push(party.id);
			return null;
		}
		case 'lowerHand':
			if (live.speaking.mode === 'moderated')
				live.speaking.queue = live.speaking.queue.filter((id) => id !== party.id);
			return null;
		case 'finishSpeaking': {
			const { speaking } = live;
			if (speaking.mode === 'moderated' && speaking.floor === party.id) speaking.floor = null;
			else if (speaking.mode === 'turns' && speaking.order[speaking.current] === party.id) {
				advanceTurn(speaking, at);
			}
			return null;
		}
	}
}
