import { describe, expect, it } from 'vitest';
import { violations } from './invariants.ts';
import { mediaPolicy } from './media-policy.ts';
import { agendaOf, JOINT_ROOM_ID, type Live, type SessionState } from './model.ts';
import {
	apply,
	CAST,
	connectedSession,
	GUARDIAN,
	jointSession,
	MEDIATOR,
	OFFENDER,
	refusedWith,
	roomOf,
	step,
	SUPPORT,
	VICTIM
} from './testing.ts';
import { SYSTEM } from './transition.ts';

const live = (state: SessionState) => state as Live;

describe('starting a session', () => {
	it('is for a mediator: the mediator opens in the joint room, every party waits', () => {
		const before = connectedSession();
		refusedWith(before, VICTIM, { type: 'startSession' }, 'mediatorOnly');
		const { state, events } = step(before, MEDIATOR, { type: 'startSession' });
		expect(state.phase).toBe('live');
		expect(live(state).step).toBe('opening');
		expect(roomOf(state, MEDIATOR)).toBe(JOINT_ROOM_ID);
		for (const id of [VICTIM, SUPPORT, OFFENDER, GUARDIAN]) expect(roomOf(state, id)).toBeNull();
		expect(events).toEqual([{ type: 'sessionStarted' }]);
		refusedWith(state, MEDIATOR, { type: 'startSession' }, 'alreadyStarted');
	});

	it('refuses session commands before the start, except stepping out and withdrawing', () => {
		const state = connectedSession();
		refusedWith(state, MEDIATOR, { type: 'admit', participantId: VICTIM }, 'notLive');
		refusedWith(state, VICTIM, { type: 'raiseHand' }, 'notLive');
		expect(step(state, VICTIM, { type: 'stepOut' }).state.participants[VICTIM].location).toEqual({
			kind: 'waiting'
		});
	});

	it('counts every applied command, and leaves the state it was given untouched', () => {
		const before = connectedSession();
		const frozen = structuredClone(before);
		const after = apply(before, MEDIATOR, { type: 'startSession' });
		expect(after.seq).toBe(before.seq + 1);
		expect(before).toEqual(frozen);
	});

	it('leaves the state untouched when a person changes their own media or is muted', () => {
		const before = jointSession();
		const frozen = structuredClone(before);
		apply(before, VICTIM, { type: 'setMediaPreferences', cameraOff: true, audioOnly: true });
		apply(before, MEDIATOR, { type: 'setMuted', participantId: OFFENDER, muted: true });
		expect(before).toEqual(frozen);
	});
});

describe('the waiting room (invariant 2)', () => {
	it('holds everyone until a mediator admits them, one at a time', () => {
		let state = apply(connectedSession(), MEDIATOR, { type: 'startSession' });
		state = apply(state, MEDIATOR, { type: 'admit', participantId: VICTIM });
		expect(roomOf(state, VICTIM)).toBe(JOINT_ROOM_ID);
		expect(roomOf(state, OFFENDER)).toBeNull();
		refusedWith(state, MEDIATOR, { type: 'admit', participantId: VICTIM }, 'notWaiting');
	});

	it('lets no one into the joint room while no mediator is in it', () => {
		let state = apply(connectedSession(), MEDIATOR, { type: 'startSession' });
		state = apply(state, MEDIATOR, { type: 'admit', participantId: OFFENDER });
		state = apply(state, MEDIATOR, { type: 'openPrivateRoom', participantId: OFFENDER });
		const caucus = roomOf(state, OFFENDER)!;
		state = apply(state, MEDIATOR, { type: 'joinRoom', roomId: caucus });
		refusedWith(state, MEDIATOR, { type: 'admit', participantId: VICTIM }, 'mediatorNotThere');
	});

	it('is where the mediator can send someone back', () => {
		const state = apply(jointSession(), MEDIATOR, {
			type: 'sendToWaiting',
			participantId: OFFENDER
		});
		expect(roomOf(state, OFFENDER)).toBeNull();
		expect(mediaPolicy(state)[JOINT_ROOM_ID].members).not.toContain(OFFENDER);
	});

	it('cannot be left by a party on their own, nor can anyone admit but a mediator', () => {
		const state = apply(connectedSession(), MEDIATOR, { type: 'startSession' });
		refusedWith(state, VICTIM, { type: 'admit', participantId: VICTIM } as never, 'mediatorOnly');
		refusedWith(state, OFFENDER, { type: 'admit', participantId: VICTIM } as never, 'mediatorOnly');
		refusedWith(
			state,
			GUARDIAN,
			{ type: 'moveParticipant', participantId: OFFENDER, roomId: JOINT_ROOM_ID },
			'mediatorOnly'
		);
	});
});

describe('the agenda', () => {
	it('follows the victim’s choice of who speaks first', () => {
		expect(agendaOf('victim')).toEqual([
			'opening',
			'victim_account',
			'offender_account',
			'dialogue',
			'drafting',
			'signing',
			'closing'
		]);
		expect(agendaOf('offender').slice(0, 3)).toEqual([
			'opening',
			'offender_account',
			'victim_account'
		]);
	});

	it('leaves the opening only when every party in the meeting confirmed taking part voluntarily', () => {
		let state = apply(connectedSession(), MEDIATOR, { type: 'startSession' });
		state = apply(state, MEDIATOR, { type: 'admit', participantId: VICTIM });
		state = apply(state, MEDIATOR, { type: 'admit', participantId: OFFENDER });
		state = apply(state, VICTIM, { type: 'confirmVoluntary' });
		const refusal = refusedWith(
			state,
			MEDIATOR,
			{ type: 'goToStep', step: 'victim_account' },
			'voluntaryPending'
		);
		expect(refusal.detail?.names).toBe('Jordan');
		state = apply(state, OFFENDER, { type: 'confirmVoluntary' });
		state = apply(state, MEDIATOR, { type: 'goToStep', step: 'victim_account' });
		expect(live(state).step).toBe('victim_account');
	});

	it('can go back, and only a mediator moves it', () => {
		let state = apply(jointSession(), MEDIATOR, { type: 'goToStep', step: 'dialogue' });
		state = apply(state, MEDIATOR, { type: 'goToStep', step: 'victim_account' });
		expect(live(state).step).toBe('victim_account');
		refusedWith(state, OFFENDER, { type: 'goToStep', step: 'closing' } as never, 'mediatorOnly');
	});
});

describe('private rooms (caucus)', () => {
	it('are opened by the mediator for one party with their companion, joined, left and closed', () => {
		let state = apply(jointSession(), MEDIATOR, { type: 'openPrivateRoom', participantId: VICTIM });
		const caucus = roomOf(state, VICTIM)!;
		expect(caucus).not.toBe(JOINT_ROOM_ID);
		expect(roomOf(state, SUPPORT)).toBe(caucus);
		expect(roomOf(state, OFFENDER)).toBe(JOINT_ROOM_ID);
		expect(live(state).rooms[caucus]).toMatchObject({ purpose: 'caucus', side: VICTIM });

		state = apply(state, MEDIATOR, { type: 'joinRoom', roomId: caucus });
		expect(mediaPolicy(state)[caucus].members.sort()).toEqual([MEDIATOR, SUPPORT, VICTIM].sort());
		// The offender's side, alone in the joint room, hears nothing of the caucus.
		expect(mediaPolicy(state)[JOINT_ROOM_ID].members.sort()).toEqual([GUARDIAN, OFFENDER].sort());

		state = apply(state, MEDIATOR, { type: 'joinRoom', roomId: JOINT_ROOM_ID });
		state = apply(state, MEDIATOR, { type: 'closeRoom', roomId: caucus });
		expect(roomOf(state, VICTIM)).toBe(JOINT_ROOM_ID);
		expect(live(state).rooms[caucus]).toBeUndefined();
	});

	it('cannot be entered by a party on their own (invariant 4)', () => {
		let state = apply(jointSession(), MEDIATOR, { type: 'openPrivateRoom', participantId: VICTIM });
		const caucus = roomOf(state, VICTIM)!;
		refusedWith(state, OFFENDER, { type: 'joinRoom', roomId: caucus } as never, 'mediatorOnly');
		refusedWith(
			state,
			OFFENDER,
			{ type: 'moveParticipant', participantId: OFFENDER, roomId: caucus } as never,
			'mediatorOnly'
		);
		// Nor can the mediator put the other side into it without being there.
		refusedWith(
			state,
			MEDIATOR,
			{ type: 'moveParticipant', participantId: OFFENDER, roomId: caucus },
			'wouldMixSides'
		);
		state = apply(state, MEDIATOR, { type: 'joinRoom', roomId: caucus });
		// With the mediator in it, the mediator may bring someone in.
		expect(
			roomOf(
				apply(state, MEDIATOR, {
					type: 'moveParticipant',
					participantId: GUARDIAN,
					roomId: caucus
				}),
				GUARDIAN
			)
		).toBe(caucus);
	});

	it('may have the other side brought in only while the mediator is inside', () => {
		let state = apply(jointSession(), MEDIATOR, {
			type: 'openPrivateRoom',
			participantId: OFFENDER
		});
		const caucus = roomOf(state, OFFENDER)!;
		state = apply(state, MEDIATOR, { type: 'joinRoom', roomId: caucus });
		state = apply(state, MEDIATOR, {
			type: 'moveParticipant',
			participantId: SUPPORT,
			roomId: caucus
		});
		expect(mediaPolicy(state)[caucus].members.sort()).toEqual(
			[GUARDIAN, MEDIATOR, OFFENDER, SUPPORT].sort()
		);
		// Now the mediator cannot walk out and leave them together.
		refusedWith(
			state,
			MEDIATOR,
			{ type: 'joinRoom', roomId: JOINT_ROOM_ID },
			'wouldLeaveSidesAlone'
		);
	});

	it('refuses to close the joint room, or a room whose people would meet the other side alone', () => {
		let state = jointSession();
		refusedWith(state, MEDIATOR, { type: 'closeRoom', roomId: JOINT_ROOM_ID }, 'cannotCloseJoint');
		state = apply(state, MEDIATOR, { type: 'openPrivateRoom', participantId: VICTIM });
		const caucus = roomOf(state, VICTIM)!;
		state = apply(state, MEDIATOR, { type: 'joinRoom', roomId: caucus });
		refusedWith(state, MEDIATOR, { type: 'closeRoom', roomId: 'no-such-room' }, 'unknownRoom');
		// Closing the caucus from inside brings the mediator back too: allowed.
		expect(roomOf(apply(state, MEDIATOR, { type: 'closeRoom', roomId: caucus }), MEDIATOR)).toBe(
			JOINT_ROOM_ID
		);
	});
});

describe('a mediator leaving a room', () => {
	it('is refused when two sides would stay there without a mediator', () => {
		let state = jointSession();
		state = apply(state, MEDIATOR, { type: 'openPrivateRoom', participantId: VICTIM });
		const caucus = roomOf(state, VICTIM)!;
		state = apply(state, MEDIATOR, {
			type: 'moveParticipant',
			participantId: SUPPORT,
			roomId: JOINT_ROOM_ID
		});
		// Joint room: the support person (victim side) with the offender and guardian.
		refusedWith(state, MEDIATOR, { type: 'joinRoom', roomId: caucus }, 'wouldLeaveSidesAlone');
		expect(violations(state)).toEqual([]);
	});
});

describe('shuttle mediation', () => {
	it('gives each side its own room; the mediator moves between them; sides never meet', () => {
		let state = apply(jointSession(), MEDIATOR, { type: 'setArrangement', arrangement: 'shuttle' });
		const victimRoom = roomOf(state, VICTIM)!;
		const offenderRoom = roomOf(state, OFFENDER)!;
		expect(victimRoom).not.toBe(offenderRoom);
		expect(roomOf(state, SUPPORT)).toBe(victimRoom);
		expect(roomOf(state, GUARDIAN)).toBe(offenderRoom);
		state = apply(state, MEDIATOR, { type: 'joinRoom', roomId: victimRoom });
		state = apply(state, MEDIATOR, { type: 'joinRoom', roomId: offenderRoom });
		expect(mediaPolicy(state)[offenderRoom].members).toContain(MEDIATOR);
		// Even with the mediator present, the sides may not share a room.
		refusedWith(
			state,
			MEDIATOR,
			{ type: 'moveParticipant', participantId: VICTIM, roomId: offenderRoom },
			'wouldMixSides'
		);
		// Not into the joint room either, where no mediator is now…
		refusedWith(
			state,
			MEDIATOR,
			{ type: 'moveParticipant', participantId: VICTIM, roomId: JOINT_ROOM_ID },
			'mediatorNotThere'
		);
		// …and even with the mediator there, only one side at a time.
		state = apply(state, MEDIATOR, { type: 'joinRoom', roomId: JOINT_ROOM_ID });
		state = apply(state, MEDIATOR, {
			type: 'moveParticipant',
			participantId: VICTIM,
			roomId: JOINT_ROOM_ID
		});
		refusedWith(
			state,
			MEDIATOR,
			{ type: 'moveParticipant', participantId: OFFENDER, roomId: JOINT_ROOM_ID },
			'wouldMixSides'
		);
		expect(live(state).arrangement).toBe('shuttle');
	});

	it('admits a newcomer into their own side’s room', () => {
		let state = apply(connectedSession(), MEDIATOR, { type: 'startSession' });
		state = apply(state, MEDIATOR, { type: 'setArrangement', arrangement: 'shuttle' });
		state = apply(state, MEDIATOR, { type: 'admit', participantId: OFFENDER });
		state = apply(state, MEDIATOR, { type: 'admit', participantId: GUARDIAN });
		state = apply(state, MEDIATOR, { type: 'admit', participantId: VICTIM });
		expect(roomOf(state, GUARDIAN)).toBe(roomOf(state, OFFENDER));
		expect(roomOf(state, VICTIM)).not.toBe(roomOf(state, OFFENDER));
		expect(violations(state)).toEqual([]);
	});
});

describe('"I need a break" (invariant 3)', () => {
	it('takes a party out of the joint room into a room of their own and tells the mediator', () => {
		const { state, events } = step(jointSession(), VICTIM, { type: 'stepOut' });
		const room = roomOf(state, VICTIM)!;
		expect(live(state).rooms[room]).toMatchObject({ purpose: 'break' });
		expect(mediaPolicy(state)[room].members).toEqual([VICTIM]);
		expect(live(state).notices).toMatchObject([{ kind: 'break', participantId: VICTIM }]);
		expect(events).toContainEqual({ type: 'noticeRaised', kind: 'break', participantId: VICTIM });
	});

	it('works from anywhere, at any moment, even from a private room with the mediator', () => {
		let state = apply(jointSession(), MEDIATOR, { type: 'setSpeakingMode', mode: 'moderated' });
		state = apply(state, MEDIATOR, { type: 'grantFloor', participantId: OFFENDER });
		// The floor holder may step out too; the floor is released.
		state = apply(state, OFFENDER, { type: 'stepOut' });
		expect(live(state).speaking).toMatchObject({ floor: null });
		state = apply(state, MEDIATOR, { type: 'openPrivateRoom', participantId: VICTIM });
		const caucus = roomOf(state, VICTIM)!;
		state = apply(state, MEDIATOR, { type: 'joinRoom', roomId: caucus });
		state = apply(state, VICTIM, { type: 'stepOut' });
		expect(roomOf(state, VICTIM)).not.toBe(caucus);
		expect(live(state).rooms[roomOf(state, VICTIM)!].purpose).toBe('break');
	});

	it('only the mediator brings them back, once the party says they are ready', () => {
		let state = apply(jointSession(), VICTIM, { type: 'stepOut' });
		refusedWith(
			state,
			VICTIM,
			{ type: 'moveParticipant', participantId: VICTIM, roomId: JOINT_ROOM_ID } as never,
			'mediatorOnly'
		);
		// Resting: not into the joint room, however the mediator tries (a move sent before the
		// console showed the break included).
		const back = { type: 'moveParticipant', participantId: VICTIM, roomId: JOINT_ROOM_ID } as const;
		refusedWith(state, MEDIATOR, back, 'onBreak');
		const breakRoom = roomOf(state, VICTIM)!;
		refusedWith(state, MEDIATOR, { type: 'closeRoom', roomId: breakRoom }, 'onBreak');
		const waiting = apply(state, MEDIATOR, { type: 'sendToWaiting', participantId: VICTIM });
		refusedWith(waiting, MEDIATOR, { type: 'admit', participantId: VICTIM }, 'onBreak');
		expect(live(state).participants[VICTIM].onBreak).toBe('resting');

		state = apply(state, VICTIM, { type: 'readyToReturn' });
		expect(live(state).participants[VICTIM].onBreak).toBe('ready');
		expect(live(state).notices.map((n) => n.kind)).toEqual(['break', 'ready_to_return']);
		// Said once: saying it again tells the mediator nothing new.
		expect(apply(state, VICTIM, { type: 'readyToReturn' })).toBe(state);
		// "I need a break" again, still in the break room: resting again.
		const again = apply(state, VICTIM, { type: 'stepOut' });
		refusedWith(again, MEDIATOR, back, 'onBreak');
		state = apply(state, MEDIATOR, {
			type: 'moveParticipant',
			participantId: VICTIM,
			roomId: JOINT_ROOM_ID
		});
		expect(roomOf(state, VICTIM)).toBe(JOINT_ROOM_ID);
		expect(live(state).participants[VICTIM].onBreak).toBeUndefined();
		const notice = live(state).notices[0].id;
		state = apply(state, MEDIATOR, { type: 'acknowledgeNotice', noticeId: notice });
		expect(live(state).notices).toHaveLength(1);
		refusedWith(state, MEDIATOR, { type: 'acknowledgeNotice', noticeId: notice }, 'unknownNotice');
	});
});

describe('withdrawal and the end', () => {
	it('a party can withdraw at any moment: out of every room, queue and turn, and the mediator is told', () => {
		let state = apply(jointSession(), MEDIATOR, { type: 'setSpeakingMode', mode: 'turns' });
		const { state: after, events } = step(state, VICTIM, { type: 'withdraw' });
		state = after;
		expect(state.participants[VICTIM]).toMatchObject({
			status: 'withdrawn',
			location: { kind: 'waiting' }
		});
		expect(live(state).speaking).toMatchObject({ order: [SUPPORT, OFFENDER, GUARDIAN] });
		expect(events).toContainEqual({ type: 'participantWithdrew', participantId: VICTIM });
		expect(live(state).notices.map((n) => n.kind)).toContain('withdrew');
		// Whatever they send afterwards is refused.
		refusedWith(state, VICTIM, { type: 'raiseHand' }, 'withdrawn');
		refusedWith(state, VICTIM, { type: 'stepOut' }, 'withdrawn');
		// And nobody can bring them back.
		refusedWith(state, MEDIATOR, { type: 'admit', participantId: VICTIM }, 'withdrawn');
		refusedWith(
			state,
			MEDIATOR,
			{ type: 'moveParticipant', participantId: VICTIM, roomId: JOINT_ROOM_ID },
			'withdrawn'
		);
	});

	it('only a mediator ends the session; then no one is in any media room', () => {
		const state = jointSession();
		refusedWith(state, OFFENDER, { type: 'endSession' } as never, 'mediatorOnly');
		const { state: ended, events } = step(state, MEDIATOR, { type: 'endSession' });
		expect(ended.phase).toBe('ended');
		expect(events).toEqual([{ type: 'sessionEnded' }]);
		expect(mediaPolicy(ended)).toEqual({});
		refusedWith(ended, MEDIATOR, { type: 'goToStep', step: 'closing' }, 'notLive');
	});

	it('refuses commands from someone unknown to the session', () => {
		refusedWith(jointSession(), 'stranger', { type: 'raiseHand' }, 'unknownParticipant');
		refusedWith(
			jointSession(),
			MEDIATOR,
			{ type: 'grantFloor', participantId: 'stranger' } as never,
			'notModerated'
		);
		refusedWith(
			jointSession(),
			MEDIATOR,
			{ type: 'admit', participantId: 'stranger' },
			'unknownParticipant'
		);
	});
});

describe('the victim’s choice not to be seen', () => {
	const hidden = CAST.map((p) => (p.id === VICTIM ? { ...p, notSeen: true } : p));

	it('keeps her camera from everyone, whatever her browser asks', () => {
		let state = jointSession(hidden);
		expect(mediaPolicy(state)[JOINT_ROOM_ID].video).not.toContain(VICTIM);
		expect(mediaPolicy(state)[JOINT_ROOM_ID].audio).toContain(VICTIM);
		state = apply(state, VICTIM, { type: 'setMediaPreferences', cameraOff: false });
		expect(state.participants[VICTIM].media.cameraOff).toBe(true);
		expect(mediaPolicy(state)[JOINT_ROOM_ID].video).not.toContain(VICTIM);
		// The others are seen as usual.
		expect(mediaPolicy(state)[JOINT_ROOM_ID].video).toContain(OFFENDER);
	});

	it('holds after a reconnect that brings a seed without the choice', () => {
		let state = jointSession(hidden);
		state = apply(state, SYSTEM, { type: 'disconnected', participantId: VICTIM });
		state = apply(state, SYSTEM, {
			type: 'connected',
			participant: CAST.find((p) => p.id === VICTIM)!
		});
		expect(state.participants[VICTIM].media.cameraOff).toBe(true);
	});
});

describe('what a new state shares with the one before', () => {
	it('is every part the command left as it was, and nothing it changed', () => {
		const before = apply(jointSession(), MEDIATOR, { type: 'setSpeakingMode', mode: 'moderated' });
		const after = apply(before, MEDIATOR, { type: 'grantFloor', participantId: VICTIM });
		expect(after).not.toBe(before);
		expect(live(after).speaking).not.toBe(live(before).speaking);
		expect(live(after).speaking).toMatchObject({ floor: VICTIM });
		expect(live(before).speaking).toMatchObject({ floor: null });
		// Nobody moved, muted or chose anything: the people and the rooms are the same objects.
		expect(after.participants).toBe(before.participants);
		expect(live(after).rooms).toBe(live(before).rooms);

		const moved = apply(after, VICTIM, { type: 'setMediaPreferences', cameraOff: true });
		expect(moved.participants).not.toBe(after.participants);
		expect(moved.participants[VICTIM]).not.toBe(after.participants[VICTIM]);
		expect(moved.participants[VICTIM].media.cameraOff).toBe(true);
		expect(after.participants[VICTIM].media.cameraOff).toBe(false);
		expect(moved.participants[OFFENDER]).toBe(after.participants[OFFENDER]);
	});

	it('is the state itself when a command changes nothing: no new step', () => {
		const onBreak = apply(jointSession(), VICTIM, { type: 'stepOut' });
		for (const [actor, command] of [
			[VICTIM, { type: 'stepOut' }],
			[VICTIM, { type: 'confirmVoluntary' }],
			[OFFENDER, { type: 'lowerHand' }],
			[MEDIATOR, { type: 'setMuted', participantId: OFFENDER, muted: false }],
			[MEDIATOR, { type: 'goToStep', step: 'opening' }]
		] as const) {
			const again = step(onBreak, actor, command);
			expect(again.state, command.type).toBe(onBreak);
			expect(again.state.seq).toBe(onBreak.seq);
		}
		// Something that did change is a step, as before.
		expect(apply(onBreak, OFFENDER, { type: 'stepOut' }).seq).toBe(onBreak.seq + 1);
	});
});
