import {
	isParty,
	JOINT_ROOM_ID,
	own,
	type Live,
	type Location,
	type NoticeKind,
	type Participant,
	type SessionState
} from './model.ts';
import { refuse, type Refusal } from './refusals.ts';
import { leaveJointSpeaking } from './speaking.ts';
import type { SessionEvent } from './transition.ts';

/** Tells the mediators something they must see (a break, a return, a withdrawal). */
export function notify(
	state: Live,
	kind: NoticeKind,
	participantId: string,
	at: number,
	events: SessionEvent[]
) {
	state.notices.push({ id: `n${state.seq}`, kind, participantId, at });
	events.push({ type: 'noticeRaised', kind, participantId });
}

/**
 * Moves someone; leaving the joint room lowers their hand and ends their floor. Someone held
 * apart while the mediator is away still has their place in the joint room (their hand, their
 * floor) until they are moved, or step out, from where they are held.
 */
export function moveTo(state: Live, p: Participant, location: Location): void {
	const from = (state.separation && own(state.separation.previous, p.id)) ?? p.location;
	const leavingJoint =
		from.kind === 'room' &&
		from.roomId === JOINT_ROOM_ID &&
		!(location.kind === 'room' && location.roomId === JOINT_ROOM_ID);
	if (leavingJoint) leaveJointSpeaking(state, p.id);
	// Back in the joint room once they said they were ready: their break is over. (Someone still
	// resting stays so, and the command that moved them is refused: see transition.ts.)
	if (p.onBreak === 'ready' && location.kind === 'room' && location.roomId === JOINT_ROOM_ID)
		delete p.onBreak;
	p.location = location;
	// A mediator's move settles where someone is: they are no longer "held apart".
	if (state.separation) delete state.separation.previous[p.id];
	if (state.separation && Object.keys(state.separation.previous).length === 0)
		state.separation = null;
}

/** The active party a mediator's command names. */
export function partyTarget(state: SessionState, participantId: string): Participant | Refusal {
	const p = own(state.participants, participantId);
	if (!p) return refuse('unknownParticipant');
	if (!isParty(p)) return refuse('notAParty');
	if (p.status === 'withdrawn') return refuse('withdrawn');
	return p;
}
