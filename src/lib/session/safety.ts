import {
	isMediator,
	isParty,
	isPresent,
	JOINT_ROOM_ID,
	type Live,
	type Location,
	type Participant,
	type RoomPurpose
} from './model.ts';

/**
 * Invariant 1: a victim's side and an offender's side are never in the same room unless a
 * connected mediator is in it — and in shuttle mediation, never at all. This module answers
 * whether a state keeps it, and separates people when a mediator's connection drops.
 */

const inRoom = (p: Participant, roomId: string) =>
	p.location.kind === 'room' && p.location.roomId === roomId;

/** The sides (principal parties) of the active parties in a room. */
export function sidesIn(state: Live, roomId: string): Set<string> {
	const sides = new Set<string>();
	for (const p of Object.values(state.participants))
		if (isParty(p) && p.status === 'active' && inRoom(p, roomId)) sides.add(p.side ?? p.id);
	return sides;
}

export function mediatorPresentIn(state: Live, roomId: string): boolean {
	return Object.values(state.participants).some(
		(p) => isMediator(p) && isPresent(p) && inRoom(p, roomId)
	);
}

/** Rooms where sides meet without a connected mediator (or at all, in shuttle mediation). */
export function unsafeRooms(state: Live): string[] {
	return Object.keys(state.rooms).filter(
		(roomId) =>
			sidesIn(state, roomId).size > 1 &&
			(state.arrangement === 'shuttle' || !mediatorPresentIn(state, roomId))
	);
}

export const isSafe = (state: Live): boolean => unsafeRooms(state).length === 0;

/** A room id that replays the same way: derived from the command count, never random. */
export const newRoomId = (state: Live, purpose: RoomPurpose, side: string): string =>
	`${purpose}-${state.seq}-${side}`;

/**
 * Moves each side out of every unsafe room into a room of its own, remembering where each
 * person was. Called in the same transition that notices the mediator gone.
 */
export function separate(state: Live, at: number): void {
	const unsafe = unsafeRooms(state);
	if (unsafe.length === 0) return;
	state.separation ??= { since: at, previous: {} };
	for (const roomId of unsafe) {
		for (const side of sidesIn(state, roomId)) {
			const id = newRoomId(state, 'separation', side);
			state.rooms[id] = { id, purpose: 'separation', side };
			for (const p of Object.values(state.participants))
				if (isParty(p) && (p.side ?? p.id) === side && inRoom(p, roomId)) {
					state.separation.previous[p.id] ??= p.location;
					p.location = { kind: 'room', roomId: id };
				}
		}
	}
}

/**
 * When a mediator is back: everyone still in a separation room returns where they were, if
 * that is safe now; the separation rooms then close. Nothing else changes.
 */
export function restore(state: Live): void {
	if (!state.separation) return;
	const { since, previous } = state.separation;
	const remaining: Record<string, Location> = {};
	for (const [id, location] of Object.entries(previous)) {
		const p = state.participants[id];
		const room = p?.location.kind === 'room' ? state.rooms[p.location.roomId] : undefined;
		// Someone who moved on (a break, withdrawal) since being separated stays where they are.
		if (!p || p.status !== 'active' || room?.purpose !== 'separation') continue;
		const back: Location =
			location.kind === 'room' && !state.rooms[location.roomId] ? { kind: 'waiting' } : location;
		const before = p.location;
		p.location = back;
		// Invariant 2 holds on the way back too: the joint room only with a mediator in it.
		const jointWithoutMediator =
			back.kind === 'room' &&
			back.roomId === JOINT_ROOM_ID &&
			!mediatorPresentIn(state, JOINT_ROOM_ID);
		if (!isSafe(state) || jointWithoutMediator) {
			p.location = before;
			remaining[id] = location;
		}
	}
	state.separation = Object.keys(remaining).length > 0 ? { since, previous: remaining } : null;
	closeEmptyRooms(state);
}

/** Private rooms nobody is in any more disappear; the joint room always stays. */
export function closeEmptyRooms(state: Live): void {
	for (const roomId of Object.keys(state.rooms)) {
		if (roomId === JOINT_ROOM_ID) continue;
		if (!Object.values(state.participants).some((p) => inRoom(p, roomId)))
			delete state.rooms[roomId];
	}
}
