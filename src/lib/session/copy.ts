import type { Live, Location, Participant, Room, SessionState, Speaking } from './model.ts';

/**
 * A deep copy of the session state, for `transition` to change while the state it was given
 * stays as it was. Written out per field rather than generically: the copy has the shapes of
 * the model, and it runs on every command (a generic deep copy, building every object key by
 * key, took 3.1 µs against 0.56 µs on a session of four). A property test
 * (invariants.spec.ts) checks that no sequence of commands changes the state it started
 * from, and a unit test (transition.spec.ts) that media choices and muting do not: a nested
 * object shared here by mistake fails them.
 */
export function copyState(state: SessionState): SessionState {
	const participants: Record<string, Participant> = {};
	for (const id in state.participants) participants[id] = copyParticipant(state.participants[id]);
	if (state.phase !== 'live') return { ...state, participants };
	const rooms: Record<string, Room> = {};
	for (const id in state.rooms) rooms[id] = { ...state.rooms[id] };
	return {
		...state,
		participants,
		rooms,
		speaking: copySpeaking(state.speaking),
		notices: state.notices.map((notice) => ({ ...notice })),
		separation: state.separation && {
			since: state.separation.since,
			previous: copyLocations(state.separation.previous)
		}
	} satisfies Live;
}

function copyParticipant(p: Participant): Participant {
	return { ...p, location: { ...p.location }, media: { ...p.media } };
}

function copySpeaking(speaking: Speaking): Speaking {
	switch (speaking.mode) {
		case 'open':
			return { mode: 'open' };
		case 'moderated':
			return { ...speaking, queue: [...speaking.queue] };
		case 'turns':
			return { ...speaking, order: [...speaking.order] };
	}
}

function copyLocations(locations: Record<string, Location>): Record<string, Location> {
	const copy: Record<string, Location> = {};
	for (const id in locations) copy[id] = { ...locations[id] };
	return copy;
}
