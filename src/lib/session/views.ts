import type { PartyRole } from '../protocol/roles.ts';
import type {
	MediatorView,
	ParticipantDetail,
	PartyView,
	PersonSummary,
	Place,
	SessionView,
	SpeakingView
} from '../protocol/session-view.ts';
import {
	agendaOf,
	isMediator,
	isPresent,
	JOINT_ROOM_ID,
	type Live,
	type Participant,
	type SessionState
} from './model.ts';
import { canSpeak } from './speaking.ts';

/** A view without what changes with every command or every send (`seq`, `serverTime`). */
export type ViewBody<V extends SessionView = SessionView> = V extends SessionView
	? Omit<V, 'seq' | 'serverTime'>
	: never;

/**
 * What each person receives of the session, without `seq` and `serverTime` (the server adds
 * them when sending; two equal bodies mean nothing the person sees has changed). A mediator
 * sees everything; a party sees where they are, who is in the same room, and — only in the
 * joint room — who may speak. Nothing of another room's membership, and never anyone's
 * contact details (the state has none).
 */
export function viewBodyFor(state: SessionState, participantId: string): ViewBody | null {
	const me = state.participants[participantId];
	if (!me) return null;
	return isMediator(me) ? mediatorView(state, me) : partyView(state, me);
}

const summary = (p: Participant): PersonSummary => ({
	id: p.id,
	name: p.name,
	role: p.role,
	present: isPresent(p)
});

const mediatorPresent = (state: SessionState) =>
	Object.values(state.participants).some((p) => isMediator(p) && isPresent(p));

function peopleIn(state: SessionState, roomId: string): PersonSummary[] {
	return Object.values(state.participants)
		.filter(
			(p) => p.status === 'active' && p.location.kind === 'room' && p.location.roomId === roomId
		)
		.map(summary);
}

function placeOf(state: SessionState, me: Participant): Place {
	if (state.phase !== 'live' || me.location.kind === 'waiting') return { kind: 'waiting' };
	const roomId = me.location.roomId;
	if (roomId === JOINT_ROOM_ID) return { kind: 'joint', people: peopleIn(state, roomId) };
	const room = state.rooms[roomId];
	return {
		kind: 'private',
		purpose: room && room.purpose !== 'joint' ? room.purpose : 'caucus',
		people: peopleIn(state, roomId)
	};
}

/**
 * Who may speak in the joint room, as a party there sees it: the people it names are in the
 * room with them. Someone elsewhere (on a break, held apart, in a private room) is left out:
 * where they are is not the room's to know.
 */
function speakingView(state: Live): SpeakingView {
	const { speaking } = state;
	const here = (id: string | null | undefined): Participant | undefined => {
		const p = id ? state.participants[id] : undefined;
		return p?.location.kind === 'room' && p.location.roomId === JOINT_ROOM_ID ? p : undefined;
	};
	const person = (id: string | null) => {
		const p = here(id);
		return p ? summary(p) : null;
	};
	switch (speaking.mode) {
		case 'open':
			return { mode: 'open' };
		case 'moderated':
			return {
				mode: 'moderated',
				floor: person(speaking.floor),
				hands: speaking.queue.filter((id) => here(id)).length
			};
		case 'turns':
			return {
				mode: 'turns',
				order: speaking.order.flatMap((id) => person(id) ?? []),
				currentId: here(speaking.order[speaking.current])?.id ?? null,
				turnSeconds: speaking.turnSeconds,
				turnStartedAt: speaking.turnStartedAt,
				turnExtraSeconds: speaking.turnExtraSeconds
			};
	}
}

function partyView(state: SessionState, me: Participant): ViewBody<PartyView> {
	const live = state.phase === 'live' ? state : null;
	const inJoint = me.location.kind === 'room' && me.location.roomId === JOINT_ROOM_ID;
	const queue = live?.speaking.mode === 'moderated' ? live.speaking.queue : [];
	const position = queue.indexOf(me.id);
	return {
		audience: 'party',
		meetingId: state.meetingId,
		mediatorPresent: mediatorPresent(state),
		status: me.status === 'withdrawn' ? 'withdrawn' : state.phase,
		step: live?.step ?? null,
		agenda: agendaOf(state.firstSpeaker),
		you: {
			id: me.id,
			name: me.name,
			role: me.role as PartyRole,
			confirmedVoluntary: me.confirmedVoluntary,
			mutedByMediator: me.mutedByMediator,
			queuePosition: position === -1 ? null : position + 1,
			canSpeak: canSpeak(state, me.id),
			onBreak: me.onBreak ?? null
		},
		place: me.status === 'withdrawn' ? { kind: 'waiting' } : placeOf(state, me),
		speaking: live && inJoint && me.status === 'active' ? speakingView(live) : null,
		separated: Boolean(live?.separation && me.id in live.separation.previous)
	};
}

function mediatorView(state: SessionState, me: Participant): ViewBody<MediatorView> {
	const live = state.phase === 'live' ? state : null;
	const participants: ParticipantDetail[] = Object.values(state.participants).map((p) => ({
		...summary(p),
		side: p.side,
		status: p.status,
		location: p.location,
		confirmedVoluntary: p.confirmedVoluntary,
		mutedByMediator: p.mutedByMediator,
		canSpeak: canSpeak(state, p.id),
		onBreak: p.onBreak ?? null
	}));
	const rooms = live
		? Object.values(live.rooms).map((room) => ({
				...room,
				members: Object.values(live.participants)
					.filter((p) => p.location.kind === 'room' && p.location.roomId === room.id)
					.map((p) => p.id)
			}))
		: [];
	const speaking = live?.speaking;
	return {
		audience: 'mediator',
		meetingId: state.meetingId,
		mediatorPresent: mediatorPresent(state),
		status: state.phase,
		step: live?.step ?? null,
		agenda: agendaOf(state.firstSpeaker),
		youId: me.id,
		mode: !live
			? 'joint'
			: live.arrangement === 'shuttle'
				? 'shuttle'
				: rooms.some((r) => r.purpose === 'caucus')
					? 'caucus'
					: 'joint',
		participants,
		rooms,
		speaking: !speaking
			? null
			: speaking.mode === 'turns'
				? {
						mode: 'turns',
						order: speaking.order,
						currentId: speaking.order[speaking.current] ?? null,
						turnSeconds: speaking.turnSeconds,
						turnStartedAt: speaking.turnStartedAt,
						turnExtraSeconds: speaking.turnExtraSeconds
					}
				: speaking,
		notices: live?.notices ?? [],
		separatedSince: live?.separation?.since ?? null,
		startedAt: live?.startedAt ?? null
	};
}
