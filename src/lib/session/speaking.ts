import {
	isMediator,
	isParty,
	JOINT_ROOM_ID,
	own,
	type Live,
	type Participant,
	type SessionState,
	type Speaking
} from './model.ts';

/**
 * Invariant 5: who may be heard. Mediators always; in the joint room, under moderation only
 * the floor holder, in turns only the current speaker; in private rooms everyone. Nobody the
 * mediator has muted, nobody waiting, nobody withdrawn.
 */
export function canSpeak(state: SessionState, participantId: string): boolean {
	const p = own(state.participants, participantId);
	if (!p || state.phase !== 'live' || p.status !== 'active' || p.location.kind !== 'room')
		return false;
	if (p.mutedByMediator) return false;
	if (isMediator(p) || p.location.roomId !== JOINT_ROOM_ID) return true;
	const speaking = state.speaking;
	switch (speaking.mode) {
		case 'open':
			return true;
		case 'moderated':
			return speaking.floor === participantId;
		case 'turns':
			return speaking.order[speaking.current] === participantId;
	}
}

/** Takes someone out of the floor, the queue and the turn order (withdrawal, leaving the room). */
export function removeFromSpeaking(state: Live, participantId: string, at: number): void {
	const speaking = state.speaking;
	if (speaking.mode === 'moderated') {
		speaking.queue = speaking.queue.filter((id) => id !== participantId);
		if (speaking.floor === participantId) speaking.floor = null;
	} else if (speaking.mode === 'turns') {
		const index = speaking.order.indexOf(participantId);
		if (index === -1) return;
		const wasCurrent = index === speaking.current;
		speaking.order.splice(index, 1);
		if (index < speaking.current) speaking.current -= 1;
		if (speaking.current >= speaking.order.length) speaking.current = 0;
		if (wasCurrent) startTurn(speaking, at);
	}
}

/** Hands and floor belong to the joint room: leaving it lowers them. */
export function leaveJointSpeaking(state: Live, participantId: string): void {
	const speaking = state.speaking;
	if (speaking.mode !== 'moderated') return;
	speaking.queue = speaking.queue.filter((id) => id !== participantId);
	if (speaking.floor === participantId) speaking.floor = null;
}

/**
 * The agreed order when none is given: the side that speaks first (the victim's choice), its
 * principal before companions, then the other side.
 */
export function defaultTurnOrder(state: Live): string[] {
	const active = Object.values(state.participants).filter(
		(p) => isParty(p) && p.status === 'active'
	);
	const rank = (p: Participant) => {
		const principal = state.participants[p.side ?? p.id];
		const firstSide = principal?.role === state.firstSpeaker ? 0 : 1;
		const companion = p.side && p.side !== p.id ? 1 : 0;
		return firstSide * 2 + companion;
	};
	return active.sort((a, b) => rank(a) - rank(b)).map((p) => p.id);
}

export type Turns = Extract<Speaking, { mode: 'turns' }>;

/** The current turn begins now, with the agreed length and nothing added. */
export function startTurn(speaking: Turns, at: number): void {
	speaking.turnStartedAt = at;
	speaking.turnExtraSeconds = 0;
}

/** The turn passes to the next in the agreed order (after the last, the first again). */
export function advanceTurn(speaking: Turns, at: number): void {
	speaking.current = (speaking.current + 1) % speaking.order.length;
	startTurn(speaking, at);
}

/** The most time a mediator can add to one turn, in all. */
export const MAX_TURN_EXTRA_SECONDS = 3600;

export function speakingFor(
	mode: Speaking['mode'],
	order: string[],
	turnSeconds: number | null,
	at: number
): Speaking {
	if (mode === 'open') return { mode };
	if (mode === 'moderated') return { mode, floor: null, queue: [] };
	return { mode, order, current: 0, turnSeconds, turnStartedAt: at, turnExtraSeconds: 0 };
}
