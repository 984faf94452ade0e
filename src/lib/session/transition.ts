import type {
	MediatorCommand,
	PartyCommand,
	SessionCommand
} from '../protocol/session-commands.ts';
import {
	agendaOf,
	AGENDA_STEPS,
	isMediator,
	isParty,
	isPresent,
	JOINT_ROOM_ID,
	type Ended,
	type Live,
	type Location,
	type NoticeKind,
	type Participant,
	type SessionRole,
	type SessionState
} from './model.ts';
import { copyState, shareUnchanged } from './copy.ts';
import { refuse, type Refusal } from './refusals.ts';
import {
	closeEmptyRooms,
	isSafe,
	mediatorPresentIn,
	newRoomId,
	restore,
	separate
} from './safety.ts';
import {
	defaultTurnOrder,
	leaveJointSpeaking,
	removeFromSpeaking,
	speakingFor
} from './speaking.ts';

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

const MEDIATOR_ONLY = new Set<string>([
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
	'lowerHandOf',
	'setMuted',
	'setPartiesMuted',
	'acknowledgeNotice'
]);

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
	// Whatever the command, a result that breaks invariant 1 is refused as a whole.
	if (next.phase === 'live' && !isSafe(next)) return refuse('wouldMixSides');
	return { ok: true, state: shareUnchanged(current, { ...next, seq: current.seq + 1 }), events };
}

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

function notify(
	state: Live,
	kind: NoticeKind,
	participantId: string,
	at: number,
	events: SessionEvent[]
) {
	state.notices.push({ id: `n${state.seq}`, kind, participantId, at });
	events.push({ type: 'noticeRaised', kind, participantId });
}

function moveTo(state: Live, p: Participant, location: Location): void {
	const leavingJoint =
		p.location.kind === 'room' &&
		p.location.roomId === JOINT_ROOM_ID &&
		!(location.kind === 'room' && location.roomId === JOINT_ROOM_ID);
	if (leavingJoint) leaveJointSpeaking(state, p.id);
	p.location = location;
	// A mediator's move settles where someone is: they are no longer "held apart".
	if (state.separation) delete state.separation.previous[p.id];
	if (state.separation && Object.keys(state.separation.previous).length === 0)
		state.separation = null;
}

/** The active party a mediator's command names. */
function partyTarget(state: SessionState, participantId: string): Participant | Refusal {
	const p = state.participants[participantId];
	if (!p) return refuse('unknownParticipant');
	if (!isParty(p)) return refuse('notAParty');
	if (p.status === 'withdrawn') return refuse('withdrawn');
	return p;
}

const isRefusal = (value: unknown): value is Refusal =>
	typeof value === 'object' && value !== null && (value as Refusal).ok === false;

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

function applyMediatorCommand(
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
			if (!live.rooms[roomId]) return refuse('unknownRoom');
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
			if (!live.rooms[command.roomId]) return refuse('unknownRoom');
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
			if (!live.rooms[command.roomId]) return refuse('unknownRoom');
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
			if (!live.rooms[command.roomId]) return refuse('unknownRoom');
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
			live.speaking.current = (live.speaking.current + 1) % live.speaking.order.length;
			live.speaking.turnStartedAt = at;
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
			if (current === -1) speaking.turnStartedAt = at;
			return null;
		}
		case 'lowerHandOf': {
			if (live.speaking.mode !== 'moderated') return refuse('notModerated');
			if (!live.participants[command.participantId]) return refuse('unknownParticipant');
			// Already lowered (by its owner, a moment before) is no error: the hand is down.
			live.speaking.queue = live.speaking.queue.filter((id) => id !== command.participantId);
			return null;
		}
		case 'setMuted': {
			const p = live.participants[command.participantId];
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
			const p = live.participants[id];
			return p !== undefined && isParty(p) && p.status === 'active';
		})
	);
}

function applyPartyCommand(
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
		if (current?.purpose === 'break' && alone) return null;
		const roomId = newRoomId(state, 'break', party.id);
		state.rooms[roomId] = { id: roomId, purpose: 'break', side: party.side ?? party.id };
		moveTo(state, party, { kind: 'room', roomId });
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
				speaking.current = (speaking.current + 1) % speaking.order.length;
				speaking.turnStartedAt = at;
			}
			return null;
		}
	}
}
