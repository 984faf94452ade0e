import { describe, expect, it } from 'vitest';
import { violations } from './invariants.ts';
import { JOINT_ROOM_ID, type Live, type SessionState } from './model.ts';
import {
	apply,
	CAST,
	CO_MEDIATOR,
	GUARDIAN,
	jointSession,
	MEDIATOR,
	OFFENDER,
	refusedWith,
	roomOf,
	SUPPORT,
	VICTIM
} from './testing.ts';
import { SYSTEM } from './transition.ts';

const live = (state: SessionState) => state as Live;

describe('the mediator’s connection dropping (invariant 1)', () => {
	it('separates the sides in the same step, and their return puts everyone back', () => {
		let state = apply(jointSession(), MEDIATOR, { type: 'setSpeakingMode', mode: 'moderated' });
		state = apply(state, OFFENDER, { type: 'raiseHand' });
		state = apply(state, MEDIATOR, { type: 'goToStep', step: 'dialogue' });
		const before = state;

		state = apply(state, SYSTEM, { type: 'disconnected', participantId: MEDIATOR });
		expect(roomOf(state, VICTIM)).not.toBe(JOINT_ROOM_ID);
		expect(roomOf(state, VICTIM)).toBe(roomOf(state, SUPPORT));
		expect(roomOf(state, OFFENDER)).toBe(roomOf(state, GUARDIAN));
		expect(roomOf(state, VICTIM)).not.toBe(roomOf(state, OFFENDER));
		expect(violations(state)).toEqual([]);

		state = apply(state, SYSTEM, { type: 'connected', participant: CAST[0] });
		for (const id of [VICTIM, SUPPORT, OFFENDER, GUARDIAN])
			expect(roomOf(state, id)).toBe(JOINT_ROOM_ID);
		expect(live(state).step).toBe('dialogue');
		expect(live(state).separation).toBeNull();
		expect(Object.keys(live(state).rooms)).toEqual([JOINT_ROOM_ID]);
		expect(live(state).speaking).toEqual(live(before).speaking);
	});

	it('keeps a co-mediator’s room as it is, and separates only where no mediator remains', () => {
		const cast = [...CAST, { id: CO_MEDIATOR, role: 'mediator' as const, name: 'Lee', side: null }];
		let state = jointSession(cast);
		state = apply(state, MEDIATOR, { type: 'openPrivateRoom', participantId: OFFENDER });
		const caucus = roomOf(state, OFFENDER)!;
		state = apply(state, CO_MEDIATOR, { type: 'joinRoom', roomId: caucus });
		state = apply(state, MEDIATOR, {
			type: 'moveParticipant',
			participantId: SUPPORT,
			roomId: caucus
		});
		state = apply(state, SYSTEM, { type: 'disconnected', participantId: MEDIATOR });
		// Joint: victim alone (one side): unchanged. Caucus: two sides with the co-mediator: unchanged.
		expect(roomOf(state, VICTIM)).toBe(JOINT_ROOM_ID);
		expect(roomOf(state, SUPPORT)).toBe(caucus);
		state = apply(state, SYSTEM, { type: 'disconnected', participantId: CO_MEDIATOR });
		expect(roomOf(state, SUPPORT)).not.toBe(roomOf(state, OFFENDER));
		expect(violations(state)).toEqual([]);
	});

	it('leaves a party who took a break during the separation on their break', () => {
		let state = apply(jointSession(), SYSTEM, { type: 'disconnected', participantId: MEDIATOR });
		state = apply(state, VICTIM, { type: 'stepOut' });
		state = apply(state, SYSTEM, { type: 'connected', participant: CAST[0] });
		expect(live(state).rooms[roomOf(state, VICTIM)!].purpose).toBe('break');
		expect(roomOf(state, OFFENDER)).toBe(JOINT_ROOM_ID);
	});

	it('keeps the floor of someone held apart, but not once they take a break from there', () => {
		let state = apply(jointSession(), MEDIATOR, { type: 'setSpeakingMode', mode: 'moderated' });
		state = apply(state, MEDIATOR, { type: 'grantFloor', participantId: VICTIM });
		state = apply(state, OFFENDER, { type: 'raiseHand' });
		state = apply(state, SYSTEM, { type: 'disconnected', participantId: MEDIATOR });
		// Held apart: the floor and the line wait for the mediator's return.
		expect(live(state).speaking).toMatchObject({ floor: VICTIM, queue: [OFFENDER] });
		state = apply(state, VICTIM, { type: 'stepOut' });
		state = apply(state, SYSTEM, { type: 'connected', participant: CAST[0] });
		// Back in the joint room, the offender is not shown a floor held from a break room.
		expect(roomOf(state, OFFENDER)).toBe(JOINT_ROOM_ID);
		expect(live(state).rooms[roomOf(state, VICTIM)!].purpose).toBe('break');
		expect(live(state).speaking).toMatchObject({ floor: null, queue: [OFFENDER] });
		expect(violations(state)).toEqual([]);
	});

	it('waits for the last of a mediator’s tabs to close', () => {
		let state = apply(jointSession(), SYSTEM, { type: 'connected', participant: CAST[0] });
		state = apply(state, SYSTEM, { type: 'disconnected', participantId: MEDIATOR });
		expect(roomOf(state, VICTIM)).toBe(JOINT_ROOM_ID);
		state = apply(state, SYSTEM, { type: 'disconnected', participantId: MEDIATOR });
		expect(roomOf(state, VICTIM)).not.toBe(JOINT_ROOM_ID);
	});

	it('after a server restart, separates until the mediator is back, then everything is as before', () => {
		const before = jointSession();
		let state = apply(before, SYSTEM, { type: 'connectionsReset' });
		expect(violations(state)).toEqual([]);
		expect(roomOf(state, VICTIM)).not.toBe(roomOf(state, OFFENDER));
		for (const seed of CAST) state = apply(state, SYSTEM, { type: 'connected', participant: seed });
		for (const id of [VICTIM, OFFENDER]) expect(roomOf(state, id)).toBe(roomOf(before, id));
	});
});

describe('ids that name what every object has', () => {
	const NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];

	it('find no room and no person: refused, nothing changes, nothing outside the session is touched', () => {
		let state = apply(jointSession(), MEDIATOR, { type: 'sendToWaiting', participantId: VICTIM });
		state = apply(state, MEDIATOR, { type: 'sendToWaiting', participantId: OFFENDER });
		state = apply(state, MEDIATOR, { type: 'setSpeakingMode', mode: 'moderated' });
		const turns = apply(jointSession(), MEDIATOR, { type: 'setSpeakingMode', mode: 'turns' });
		for (const name of NAMES) {
			for (const participantId of [VICTIM, OFFENDER]) {
				refusedWith(state, MEDIATOR, { type: 'admit', participantId, roomId: name }, 'unknownRoom');
				refusedWith(
					state,
					MEDIATOR,
					{ type: 'moveParticipant', participantId, roomId: name },
					'unknownRoom'
				);
			}
			refusedWith(state, MEDIATOR, { type: 'joinRoom', roomId: name }, 'unknownRoom');
			refusedWith(state, MEDIATOR, { type: 'closeRoom', roomId: name }, 'unknownRoom');
			for (const command of [
				{ type: 'setMuted', participantId: name, muted: true },
				{ type: 'lowerHandOf', participantId: name },
				{ type: 'grantFloor', participantId: name },
				{ type: 'admit', participantId: name },
				{ type: 'sendToWaiting', participantId: name },
				{ type: 'openPrivateRoom', participantId: name }
			] as const)
				refusedWith(state, MEDIATOR, command, 'unknownParticipant');
			refusedWith(turns, MEDIATOR, { type: 'setTurnOrder', order: [name] }, 'badTurnOrder');
		}
		expect(roomOf(state, VICTIM)).toBeNull();
		expect(roomOf(state, OFFENDER)).toBeNull();
		expect(Object.prototype).not.toHaveProperty('mutedByMediator');
	});
});
