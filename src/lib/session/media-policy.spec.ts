import { describe, expect, it } from 'vitest';
import { mediaAssignmentFor, onOtherSides } from './media-policy.ts';
import { GUARDIAN, jointSession, MEDIATOR, OFFENDER, SUPPORT, VICTIM } from './testing.ts';

describe('the two sides of a case, in the media', () => {
	it('puts a victim’s side and an offender’s on other sides, and a mediator on none', () => {
		const state = jointSession();
		expect(onOtherSides(state, VICTIM, OFFENDER)).toBe(true);
		expect(onOtherSides(state, SUPPORT, GUARDIAN)).toBe(true);
		expect(onOtherSides(state, OFFENDER, SUPPORT)).toBe(true);
		expect(onOtherSides(state, VICTIM, SUPPORT)).toBe(false);
		expect(onOtherSides(state, OFFENDER, GUARDIAN)).toBe(false);
		expect(onOtherSides(state, MEDIATOR, VICTIM)).toBe(false);
		expect(onOtherSides(state, VICTIM, MEDIATOR)).toBe(false);
		// Someone who is not in the session, or a name every object has, is on no side.
		expect(onOtherSides(state, VICTIM, 'nobody')).toBe(false);
		expect(onOtherSides(state, VICTIM, '__proto__')).toBe(false);
	});

	it('tells each person which of the others in their room are on the other side', () => {
		const peers = mediaAssignmentFor(jointSession(), VICTIM).peers;
		const otherSide = Object.fromEntries(peers.map((p) => [p.id, p.otherSide]));
		expect(otherSide).toEqual({
			[MEDIATOR]: false,
			[SUPPORT]: false,
			[OFFENDER]: true,
			[GUARDIAN]: true
		});
	});
});
