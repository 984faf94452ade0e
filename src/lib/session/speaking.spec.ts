import { describe, expect, it } from 'vitest';
import { mediaPolicy } from './media-policy.ts';
import { JOINT_ROOM_ID, type Live, type SessionState } from './model.ts';
import { canSpeak, type Turns } from './speaking.ts';
import {
	apply,
	GUARDIAN,
	jointSession,
	MEDIATOR,
	OFFENDER,
	refusedWith,
	SUPPORT,
	VICTIM
} from './testing.ts';

const live = (state: SessionState) => state as Live;
const turns = (state: SessionState) => live(state).speaking as Turns;

describe('speaking order (invariant 5)', () => {
	it('in open mode lets everyone in the joint room speak', () => {
		const state = jointSession();
		for (const id of [VICTIM, SUPPORT, OFFENDER, GUARDIAN]) expect(canSpeak(state, id)).toBe(true);
	});

	it('in moderated mode: hands queue in order, the mediator grants and takes back the floor', () => {
		let state = apply(jointSession(), MEDIATOR, { type: 'setSpeakingMode', mode: 'moderated' });
		for (const id of [VICTIM, OFFENDER, GUARDIAN]) expect(canSpeak(state, id)).toBe(false);
		expect(canSpeak(state, MEDIATOR)).toBe(true);
		state = apply(state, OFFENDER, { type: 'raiseHand' });
		state = apply(state, VICTIM, { type: 'raiseHand' });
		state = apply(state, OFFENDER, { type: 'raiseHand' });
		expect(live(state).speaking).toEqual({
			mode: 'moderated',
			floor: null,
			queue: [OFFENDER, VICTIM]
		});
		state = apply(state, MEDIATOR, { type: 'grantFloor', participantId: VICTIM });
		expect(canSpeak(state, VICTIM)).toBe(true);
		expect(canSpeak(state, OFFENDER)).toBe(false);
		expect(live(state).speaking).toMatchObject({ floor: VICTIM, queue: [OFFENDER] });
		expect(mediaPolicy(state)[JOINT_ROOM_ID].audio.sort()).toEqual([MEDIATOR, VICTIM].sort());
		state = apply(state, MEDIATOR, { type: 'revokeFloor' });
		expect(canSpeak(state, VICTIM)).toBe(false);
	});

	it('refuses the floor to anyone but a mediator to give, and to someone outside the joint room', () => {
		let state = apply(jointSession(), MEDIATOR, { type: 'setSpeakingMode', mode: 'moderated' });
		refusedWith(
			state,
			OFFENDER,
			{ type: 'grantFloor', participantId: OFFENDER } as never,
			'mediatorOnly'
		);
		refusedWith(
			state,
			VICTIM,
			{ type: 'grantFloor', participantId: OFFENDER } as never,
			'mediatorOnly'
		);
		state = apply(state, MEDIATOR, { type: 'sendToWaiting', participantId: GUARDIAN });
		refusedWith(state, MEDIATOR, { type: 'grantFloor', participantId: GUARDIAN }, 'notInJointRoom');
		refusedWith(state, MEDIATOR, { type: 'grantFloor', participantId: MEDIATOR }, 'notAParty');
		refusedWith(
			apply(state, MEDIATOR, { type: 'setSpeakingMode', mode: 'open' }),
			MEDIATOR,
			{ type: 'grantFloor', participantId: VICTIM },
			'notModerated'
		);
	});

	it('lets the floor holder hand it back, and lowers hands of people who leave the joint room', () => {
		let state = apply(jointSession(), MEDIATOR, { type: 'setSpeakingMode', mode: 'moderated' });
		state = apply(state, GUARDIAN, { type: 'raiseHand' });
		state = apply(state, MEDIATOR, { type: 'grantFloor', participantId: OFFENDER });
		state = apply(state, OFFENDER, { type: 'finishSpeaking' });
		expect(live(state).speaking).toMatchObject({ floor: null, queue: [GUARDIAN] });
		state = apply(state, GUARDIAN, { type: 'stepOut' });
		expect(live(state).speaking).toMatchObject({ queue: [] });
		refusedWith(state, GUARDIAN, { type: 'raiseHand' }, 'notInJointRoom');
	});

	it('in turns: the agreed order, victim side first by default, with a timer everyone sees', () => {
		let state = apply(jointSession(), MEDIATOR, {
			type: 'setSpeakingMode',
			mode: 'turns',
			turnSeconds: 120
		});
		const speaking = live(state).speaking;
		expect(speaking).toMatchObject({
			mode: 'turns',
			order: [VICTIM, SUPPORT, OFFENDER, GUARDIAN],
			current: 0,
			turnSeconds: 120
		});
		expect(canSpeak(state, VICTIM)).toBe(true);
		expect(canSpeak(state, OFFENDER)).toBe(false);
		state = apply(state, VICTIM, { type: 'finishSpeaking' });
		expect(canSpeak(state, SUPPORT)).toBe(true);
		state = apply(state, MEDIATOR, { type: 'nextTurn' });
		expect(canSpeak(state, OFFENDER)).toBe(true);
		expect(live(state).speaking).toMatchObject({ current: 2 });
		// Someone out of turn finishing does nothing.
		expect(live(apply(state, VICTIM, { type: 'finishSpeaking' })).speaking).toMatchObject({
			current: 2
		});
	});

	it('changes the agreed order of turns: whoever is speaking keeps the turn and its time', () => {
		let state = apply(jointSession(), MEDIATOR, {
			type: 'setSpeakingMode',
			mode: 'turns',
			order: [VICTIM, OFFENDER, GUARDIAN],
			turnSeconds: 120
		});
		state = apply(state, VICTIM, { type: 'finishSpeaking' });
		const offenderSince = (live(state).speaking as { turnStartedAt: number }).turnStartedAt;
		state = apply(state, MEDIATOR, { type: 'setTurnOrder', order: [GUARDIAN, OFFENDER, VICTIM] });
		expect(live(state).speaking).toMatchObject({
			order: [GUARDIAN, OFFENDER, VICTIM],
			current: 1,
			turnStartedAt: offenderSince
		});
		expect(canSpeak(state, OFFENDER)).toBe(true);
		state = apply(state, OFFENDER, { type: 'finishSpeaking' });
		expect(canSpeak(state, VICTIM)).toBe(true);
		// Taking the speaker out of the order gives the turn to the new order's first, afresh.
		const victimSince = (live(state).speaking as { turnStartedAt: number }).turnStartedAt;
		state = apply(state, MEDIATOR, { type: 'setTurnOrder', order: [OFFENDER, GUARDIAN] });
		expect(live(state).speaking).toMatchObject({ order: [OFFENDER, GUARDIAN], current: 0 });
		expect((live(state).speaking as { turnStartedAt: number }).turnStartedAt).toBeGreaterThan(
			victimSince
		);
		expect(canSpeak(state, VICTIM)).toBe(false);
		expect(canSpeak(state, OFFENDER)).toBe(true);
		for (const order of [[], [VICTIM, VICTIM], [VICTIM, 'nobody'], [MEDIATOR]])
			refusedWith(state, MEDIATOR, { type: 'setTurnOrder', order }, 'badTurnOrder');
		refusedWith(state, VICTIM, { type: 'setTurnOrder', order: [VICTIM] } as never, 'mediatorOnly');
		refusedWith(
			apply(state, MEDIATOR, { type: 'setSpeakingMode', mode: 'open' }),
			MEDIATOR,
			{ type: 'setTurnOrder', order: [VICTIM] },
			'notTurns'
		);
	});

	it('gives the current speaker more time; the next turn starts with the agreed length', () => {
		let state = apply(jointSession(), MEDIATOR, {
			type: 'setSpeakingMode',
			mode: 'turns',
			order: [VICTIM, OFFENDER],
			turnSeconds: 120
		});
		const since = turns(state).turnStartedAt;
		state = apply(state, MEDIATOR, { type: 'extendTurn', seconds: 60 });
		state = apply(state, MEDIATOR, { type: 'extendTurn', seconds: 60 });
		// The victim's turn: 2 min agreed, 2 min added, from when it began.
		expect(turns(state)).toMatchObject({
			current: 0,
			turnSeconds: 120,
			turnStartedAt: since,
			turnExtraSeconds: 120
		});
		expect(canSpeak(state, VICTIM)).toBe(true);
		refusedWith(state, VICTIM, { type: 'extendTurn', seconds: 60 } as never, 'mediatorOnly');
		// However often the mediator taps, one turn gets at most an hour more.
		for (let i = 0; i < 8; i++)
			state = apply(state, MEDIATOR, { type: 'extendTurn', seconds: 600 });
		expect(turns(state).turnExtraSeconds).toBe(3600);

		// The offender's turn, however it comes: the agreed two minutes, nothing added.
		for (const next of [
			apply(state, VICTIM, { type: 'finishSpeaking' }),
			apply(state, MEDIATOR, { type: 'nextTurn' }),
			apply(state, VICTIM, { type: 'withdraw' })
		]) {
			expect(canSpeak(next, OFFENDER)).toBe(true);
			expect(turns(next)).toMatchObject({ turnSeconds: 120, turnExtraSeconds: 0 });
			expect(turns(next).turnStartedAt).toBeGreaterThan(since);
		}
	});

	it('changes the length of turns while they run, the current one counted from its start', () => {
		let state = apply(jointSession(), MEDIATOR, {
			type: 'setSpeakingMode',
			mode: 'turns',
			turnSeconds: 120
		});
		const since = turns(state).turnStartedAt;
		state = apply(state, MEDIATOR, { type: 'setTurnLength', turnSeconds: 300 });
		expect(turns(state)).toMatchObject({ current: 0, turnSeconds: 300, turnStartedAt: since });
		refusedWith(
			state,
			OFFENDER,
			{ type: 'setTurnLength', turnSeconds: 600 } as never,
			'mediatorOnly'
		);
		// No timer: nothing to add to, and what was added goes with the timer.
		state = apply(state, MEDIATOR, { type: 'extendTurn', seconds: 60 });
		state = apply(state, MEDIATOR, { type: 'setTurnLength', turnSeconds: null });
		expect(turns(state)).toMatchObject({ turnSeconds: null, turnExtraSeconds: 0 });
		refusedWith(state, MEDIATOR, { type: 'extendTurn', seconds: 60 }, 'untimedTurns');

		const open = apply(state, MEDIATOR, { type: 'setSpeakingMode', mode: 'open' });
		refusedWith(open, MEDIATOR, { type: 'setTurnLength', turnSeconds: 60 }, 'notTurns');
		refusedWith(open, MEDIATOR, { type: 'extendTurn', seconds: 60 }, 'notTurns');
	});

	it('refuses a turn order with strangers, duplicates or no one', () => {
		const state = jointSession();
		for (const order of [[], [VICTIM, VICTIM], [VICTIM, 'nobody'], [MEDIATOR]])
			refusedWith(
				state,
				MEDIATOR,
				{ type: 'setSpeakingMode', mode: 'turns', order },
				'badTurnOrder'
			);
	});

	it('lets the mediator mute anyone, in any mode and any room', () => {
		let state = apply(jointSession(), MEDIATOR, {
			type: 'setMuted',
			participantId: OFFENDER,
			muted: true
		});
		expect(canSpeak(state, OFFENDER)).toBe(false);
		state = apply(state, MEDIATOR, { type: 'openPrivateRoom', participantId: OFFENDER });
		expect(canSpeak(state, OFFENDER)).toBe(false);
		state = apply(state, MEDIATOR, { type: 'setMuted', participantId: OFFENDER, muted: false });
		expect(canSpeak(state, OFFENDER)).toBe(true);
		refusedWith(
			state,
			VICTIM,
			{ type: 'setMuted', participantId: OFFENDER, muted: true } as never,
			'mediatorOnly'
		);
	});
});

describe('the mediator’s controls over everyone’s speaking', () => {
	it('lowers a hand someone left raised: only a mediator, only under moderation', () => {
		let state = apply(jointSession(), MEDIATOR, { type: 'setSpeakingMode', mode: 'moderated' });
		state = apply(state, OFFENDER, { type: 'raiseHand' });
		state = apply(state, VICTIM, { type: 'raiseHand' });
		refusedWith(
			state,
			VICTIM,
			{ type: 'lowerHandOf', participantId: OFFENDER } as never,
			'mediatorOnly'
		);
		state = apply(state, MEDIATOR, { type: 'lowerHandOf', participantId: OFFENDER });
		expect(live(state).speaking).toEqual({ mode: 'moderated', floor: null, queue: [VICTIM] });
		// Lowered already (its owner was quicker): nothing to refuse, nothing changes.
		state = apply(state, MEDIATOR, { type: 'lowerHandOf', participantId: OFFENDER });
		expect(live(state).speaking).toMatchObject({ queue: [VICTIM] });
		refusedWith(
			state,
			MEDIATOR,
			{ type: 'lowerHandOf', participantId: 'nobody' },
			'unknownParticipant'
		);
		refusedWith(
			apply(state, MEDIATOR, { type: 'setSpeakingMode', mode: 'open' }),
			MEDIATOR,
			{ type: 'lowerHandOf', participantId: VICTIM },
			'notModerated'
		);
	});

	it('mutes every party at once, waiting ones too, never a mediator; and unmutes them all', () => {
		let state = apply(jointSession(), MEDIATOR, { type: 'sendToWaiting', participantId: GUARDIAN });
		refusedWith(state, OFFENDER, { type: 'setPartiesMuted', muted: true } as never, 'mediatorOnly');
		state = apply(state, MEDIATOR, { type: 'setPartiesMuted', muted: true });
		for (const id of [VICTIM, SUPPORT, OFFENDER]) expect(canSpeak(state, id)).toBe(false);
		expect(canSpeak(state, MEDIATOR)).toBe(true);
		expect(mediaPolicy(state)[JOINT_ROOM_ID].audio).toEqual([MEDIATOR]);
		// Whoever comes in from the waiting room comes in muted, like everyone else.
		state = apply(state, MEDIATOR, { type: 'admit', participantId: GUARDIAN });
		expect(canSpeak(state, GUARDIAN)).toBe(false);
		state = apply(state, MEDIATOR, { type: 'setPartiesMuted', muted: false });
		for (const id of [VICTIM, SUPPORT, OFFENDER, GUARDIAN]) expect(canSpeak(state, id)).toBe(true);
	});
});
