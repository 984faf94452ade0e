import { isMediator, isParty, isPresent, JOINT_ROOM_ID, type SessionState } from './model.ts';
import { mediaPolicy } from './media-policy.ts';

/**
 * The session's invariants, stated independently of the code that keeps them (transition.ts,
 * safety.ts, speaking.ts), so that tests — including random command sequences — can check
 * every state they reach. Returns what is broken; empty when all hold.
 */
export function violations(state: SessionState): string[] {
	const found: string[] = [];
	const policy = mediaPolicy(state);
	if (state.phase !== 'live') {
		if (Object.keys(policy).length > 0) found.push('media rooms exist outside a live session');
		return found;
	}

	for (const room of Object.values(policy)) {
		const people = room.members.map((id) => state.participants[id]);
		const sides = new Set(people.filter(isParty).map((p) => p.side ?? p.id));
		const mediator = people.some((p) => isMediator(p) && isPresent(p));
		// 1. Sides never share a media room without a mediator, and never in shuttle mediation.
		if (sides.size > 1 && (!mediator || state.arrangement === 'shuttle'))
			found.push(`1: sides ${[...sides].join('+')} share ${room.id} without a mediator`);

		const heardParties = room.audio.filter((id) => isParty(state.participants[id]));
		// 5. In the joint room, under moderation only the floor holder is heard; in turns, only
		// the current speaker. Nobody the mediator muted is heard anywhere.
		if (room.id === JOINT_ROOM_ID && state.speaking.mode === 'moderated') {
			const floor = state.speaking.floor;
			if (heardParties.some((id) => id !== floor))
				found.push('5: a party without the floor is heard');
		}
		if (room.id === JOINT_ROOM_ID && state.speaking.mode === 'turns') {
			const current = state.speaking.order[state.speaking.current];
			if (heardParties.some((id) => id !== current)) found.push('5: a party out of turn is heard');
		}
		for (const id of room.audio)
			if (state.participants[id].mutedByMediator) found.push(`5: muted ${id} is heard`);
	}

	for (const p of Object.values(state.participants)) {
		if (p.status === 'withdrawn' && p.location.kind === 'room')
			found.push(`withdrawn ${p.id} is still in a room`);
		// 3. Someone resting on a break they took is out of the joint room until they are ready.
		if (
			p.onBreak === 'resting' &&
			p.location.kind === 'room' &&
			p.location.roomId === JOINT_ROOM_ID
		)
			found.push(`${p.id}, resting on a break, is in the joint room`);
		if (p.location.kind === 'room' && !Object.hasOwn(state.rooms, p.location.roomId))
			found.push(`${p.id} is in a room that does not exist`);
	}
	if (state.speaking.mode === 'moderated' && state.speaking.floor) {
		const holder = state.participants[state.speaking.floor];
		if (holder?.status !== 'active') found.push('the floor is held by someone who left');
	}
	if (state.speaking.mode === 'moderated') {
		// The floor and the line are the joint room's: whoever holds a place in them is there, or
		// held apart from it until the mediator is back.
		const { separation } = state;
		for (const id of [state.speaking.floor, ...state.speaking.queue]) {
			if (id === null) continue;
			const place =
				separation && Object.hasOwn(separation.previous, id)
					? separation.previous[id]
					: state.participants[id]?.location;
			if (place?.kind !== 'room' || place.roomId !== JOINT_ROOM_ID)
				found.push(`${id} holds the floor or a place in line outside the joint room`);
		}
	}
	return found;
}
