import type { MediatorCommand } from '../protocol/session-commands.ts';
import {
	agendaOf,
	AGENDA_STEPS,
	isMediator,
	isParty,
	isPresent,
	JOINT_ROOM_ID,
	own,
	type Ended,
	type Live,
	type Participant,
	type SessionState
} from './model.ts';
import { moveTo, partyTarget } from './moves.ts';
import { isRefusal, refuse, type Refusal } from './refusals.ts';
import { closeEmptyRooms, isSafe, mediatorPresentIn, newRoomId } from './safety.ts';
import {
	advanceTurn,
	defaultTurnOrder,
	MAX_TURN_EXTRA_SECONDS,
	speakingFor,
	startTurn
} from './speaking.ts';
import type { SessionEvent } from './transition.ts';

/** What only a mediator may do: run the agenda, move people, set who speaks. */
export const MEDIATOR_ONLY = new Set<string>([
	'startSession',
	'endSession',
	'goToStep',
	'admit',
	'sendToWaiting',
	'moveParticipant',
	'openPrivateRoom',
	'closeRoom',
	'joinRoom',
	'setArrangement',
	'setSpeakingMode',
	'grantFloor',
	'revokeFloor',
	'nextTurn',
	'setTurnOrder',
	'setTurnLength',
	'extendTurn',
	'lowerHandOf',
	'setMuted',
	'setPartiesMuted',
	'acknowledgeNotice'
]);

/** The room a side has for shuttle mediation, opened if needed. */
function shuttleRoomOf(state: Live, side: string): string {
	const existing = Object.values(state.rooms).find(
		(r) => r.purpose === 'shuttle' && r.side === side
	);
	if (existing) return existing.id;
	const id = newRoomId(state, 'shuttle', side);
	state.rooms[id] = { id, purpose: 'shuttle', side };
	return id;
}

export function applyMediatorCommand(
	state: SessionState,
	command: MediatorCommand,
	mediator: Participant,
	at: number,
	events: SessionEvent[]
): SessionState | Refusal {
	if (command.type === 'startSession') {
		if (state.phase !== 'not_started') return refuse('alreadyStarted');
		const { meetingId, firstSpeaker, participants, seq } = state;
		const live: Live = {
			phase: 'live',
			meetingId,
			firstSpeaker,
			participants,
			seq,
			step: AGENDA_STEPS.opening,
			arrangement: 'joint',
			rooms: { [JOINT_ROOM_ID]: { id: JOINT_ROOM_ID, purpose: 'joint', side: null } },
			speaking: { mode: 'open' },
			notices: [],
			separation: null,
			startedAt: at
		};
		// Mediators open the meeting in the joint room; parties wait to be admitted.
		for (const p of Object.values(participants))
			if (isMediator(p) && isPresent(p)) p.location = { kind: 'room', roomId: JOINT_ROOM_ID };
		events.push({ type: 'sessionStarted' });
		return live;
	}
	if (state.phase !== 'live') return refuse('notLive');
	const live = state;

	if (command.type === 'endSession') {
		const { meetingId, firstSpeaker, participants, seq } = live;
		for (const p of Object.values(participants)) p.location = { kind: 'waiting' };
		events.push({ type: 'sessionEnded' });
		return {
			phase: 'ended',
			meetingId,
			firstSpeaker,
			participants,
			seq,
			endedAt: at
		} satisfies Ended;
	}
	const refusal = applyLiveMediatorCommand(live, command, mediator, at);
	return refusal ?? live;
}

function applyLiveMediatorCommand(
	live: Live,
	command: Exclude<MediatorCommand, { type: 'startSession' | 'endSession' }>,
	mediator: Participant,
	at: number
): Refusal | null {
	switch (command.type) {
		case 'goToStep': {
			const agenda = agendaOf(live.firstSpeaker);
			const leavingOpening = live.step === AGENDA_STEPS.opening && agenda.indexOf(command.step) > 0;
			if (leavingOpening) {
				const pending = Object.values(live.participants).filter(
					(p) =>
						isParty(p) &&
						p.status === 'active' &&
						p.location.kind === 'room' &&
						!p.confirmedVoluntary
				);
				if (pending.length > 0)
					return refuse('voluntaryPending', { names: pending.map((p) => p.name).join(', ') });
			}
			live.step = command.step;
			return null;
		}
		case 'admit': {
			const p = partyTarget(live, command.participantId);
			if (isRefusal(p)) return p;
			if (p.location.kind !== 'waiting') return refuse('notWaiting');
			const roomId =
				command.roomId ??
				(live.arrangement === 'shuttle' ? shuttleRoomOf(live, p.side ?? p.id) : JOINT_ROOM_ID);
			if (!own(live.rooms, roomId)) return refuse('unknownRoom');
			// Invariant 2: nobody enters the joint room before a mediator is in it.
			if (roomId === JOINT_ROOM_ID && !mediatorPresentIn(live, JOINT_ROOM_ID))
				return refuse('mediatorNotThere');
			moveTo(live, p, { kind: 'room', roomId });
			return null;
		}
		case 'sendToWaiting': {
			const p = partyTarget(live, command.participantId);
			if (isRefusal(p)) return p;
			moveTo(live, p, { kind: 'waiting' });
			closeEmptyRooms(live);
			return null;
		}
		case 'moveParticipant': {
			const p = partyTarget(live, command.participantId);
			if (isRefusal(p)) return p;
			if (!own(live.rooms, command.roomId)) return refuse('unknownRoom');
			if (command.roomId === JOINT_ROOM_ID && !mediatorPresentIn(live, JOINT_ROOM_ID))
				return refuse('mediatorNotThere');
			moveTo(live, p, { kind: 'room', roomId: command.roomId });
			closeEmptyRooms(live);
			return null;
		}
		case 'openPrivateRoom': {
			const p = partyTarget(live, command.participantId);
			if (isRefusal(p)) return p;
			const side = p.side ?? p.id;
			const roomId = newRoomId(live, 'caucus', side);
			live.rooms[roomId] = { id: roomId, purpose: 'caucus', side };
			// The party, with their guardian or support person if they are in the meeting.
			for (const member of Object.values(live.participants))
				if (
					isParty(member) &&
					member.status === 'active' &&
					(member.side ?? member.id) === side &&
					member.location.kind === 'room'
				)
					moveTo(live, member, { kind: 'room', roomId });
			if (p.location.kind === 'waiting') moveTo(live, p, { kind: 'room', roomId });
			closeEmptyRooms(live);
			return null;
		}
		case 'closeRoom': {
			if (command.roomId === JOINT_ROOM_ID) return refuse('cannotCloseJoint');
			if (!own(live.rooms, command.roomId)) return refuse('unknownRoom');
			const mediatorsInside = Object.values(live.participants).some(
				(p) =>
					isMediator(p) &&
					isPresent(p) &&
					p.location.kind === 'room' &&
					p.location.roomId === command.roomId
			);
			if (!mediatorsInside && !mediatorPresentIn(live, JOINT_ROOM_ID))
				return refuse('mediatorNotThere');
			// Its people come back to the joint room; refused below if that would be unsafe.
			for (const member of Object.values(live.participants))
				if (member.location.kind === 'room' && member.location.roomId === command.roomId)
					moveTo(live, member, { kind: 'room', roomId: JOINT_ROOM_ID });
			delete live.rooms[command.roomId];
			if (!isSafe(live)) return refuse('wouldMixSides');
			return null;
		}
		case 'joinRoom': {
			if (!own(live.rooms, command.roomId)) return refuse('unknownRoom');
			const from = mediator.location;
			mediator.location = { kind: 'room', roomId: command.roomId };
			if (!isSafe(live)) {
				mediator.location = from;
				return refuse('wouldLeaveSidesAlone');
			}
			closeEmptyRooms(live);
			return null;
		}
		case 'setArrangement': {
			live.arrangement = command.arrangement;
			if (command.arrangement === 'shuttle')
				// Each side to its own room; the mediator then moves between them.
				for (const p of Object.values(live.participants))
					if (isParty(p) && p.status === 'active' && p.location.kind === 'room')
						moveTo(live, p, { kind: 'room', roomId: shuttleRoomOf(live, p.side ?? p.id) });
			closeEmptyRooms(live);
			return null;
		}
		case 'setSpeakingMode': {
			const order = command.order ?? defaultTurnOrder(live);
			if (command.mode === 'turns' && !isTurnOrder(live, order)) return refuse('badTurnOrder');
			live.speaking = speakingFor(command.mode, order, command.turnSeconds ?? null, at);
			return null;
		}
		case 'grantFloor': {
			if (live.speaking.mode !== 'moderated') return refuse('notModerated');
			const p = partyTarget(live, command.participantId);
			if (isRefusal(p)) return p;
			if (p.location.kind !== 'room' || p.location.roomId !== JOINT_ROOM_ID)
				return refuse('notInJointRoom');
			live.speaking.floor = p.id;
			live.speaking.queue = live.speaking.queue.filter((id) => id !== p.id);
			return null;
		}
		case 'revokeFloor':
			if (live.speaking.mode !== 'moderated') return refuse('notModerated');
			live.speaking.floor = null;
			return null;
		case 'nextTurn':
			if (live.speaking.mode !== 'turns') return refuse('notTurns');
			advanceTurn(live.speaking, at);
			return null;
		case 'setTurnOrder': {
			const { speaking } = live;
			if (speaking.mode !== 'turns') return refuse('notTurns');
			if (!isTurnOrder(live, command.order)) return refuse('badTurnOrder');
			// Whoever is speaking keeps the turn and its time; if they are no longer in the order,
			// the new order starts from its first speaker.
			const current = command.order.indexOf(speaking.order[speaking.current] ?? '');
			speaking.order = [...command.order];
			speaking.current = Math.max(current, 0);
			if (current === -1) startTurn(speaking, at);
			return null;
		}
		case 'setTurnLength': {
			// For the turns to come and for the current one, counted from its start as before.
			const { speaking } = live;
			if (speaking.mode !== 'turns') return refuse('notTurns');
			speaking.turnSeconds = command.turnSeconds;
			if (command.turnSeconds === null) speaking.turnExtraSeconds = 0;
			return null;
		}
		case 'extendTurn': {
			const { speaking } = live;
			if (speaking.mode !== 'turns') return refuse('notTurns');
			if (speaking.turnSeconds === null) return refuse('untimedTurns');
			speaking.turnExtraSeconds = Math.min(
				speaking.turnExtraSeconds + command.seconds,
				MAX_TURN_EXTRA_SECONDS
			);
			return null;
		}
		case 'lowerHandOf': {
			if (live.speaking.mode !== 'moderated') return refuse('notModerated');
			if (!own(live.participants, command.participantId)) return refuse('unknownParticipant');
			// Already lowered (by its owner, a moment before) is no error: the hand is down.
			live.speaking.queue = live.speaking.queue.filter((id) => id !== command.participantId);
			return null;
		}
		case 'setMuted': {
			const p = own(live.participants, command.participantId);
			if (!p) return refuse('unknownParticipant');
			p.mutedByMediator = command.muted;
			return null;
		}
		case 'setPartiesMuted':
			// Every party, waiting ones too (they come in as the mediator left everyone); never a
			// mediator: someone has to be able to speak to calm the room.
			for (const p of Object.values(live.participants))
				if (isParty(p) && p.status === 'active') p.mutedByMediator = command.muted;
			return null;
		case 'acknowledgeNotice': {
			const before = live.notices.length;
			live.notices = live.notices.filter((n) => n.id !== command.noticeId);
			return live.notices.length === before ? refuse('unknownNotice') : null;
		}
	}
}

/** An agreed order of turns: someone, each once, every one an active party. */
function isTurnOrder(live: Live, order: readonly string[]): boolean {
	return (
		order.length > 0 &&
		new Set(order).size === order.length &&
		order.every((id) => {
			const p = own(live.participants, id);
			return p !== undefined && isParty(p) && p.status === 'active';
		})
	);
}
