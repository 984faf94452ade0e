import { describe, expect, it } from 'vitest';
import type { MediatorView, ParticipantDetail } from '../protocol/session-view.ts';
import { attentionCount } from './attention.ts';

const person = (over: Partial<ParticipantDetail>): ParticipantDetail =>
	({
		id: 'p',
		name: 'P',
		role: 'victim',
		side: 'p',
		status: 'active',
		present: true,
		location: { kind: 'room', roomId: 'joint' },
		...over
	}) as ParticipantDetail;

const view = (over: Partial<MediatorView>): MediatorView =>
	({ status: 'live', participants: [], notices: [], ...over }) as MediatorView;

describe('attentionCount', () => {
	it('counts unacknowledged notices and the people here waiting to be let in', () => {
		const waiting = { location: { kind: 'waiting' } } as const;
		const v = view({
			participants: [
				person({ id: 'a', ...waiting }),
				person({ id: 'b', ...waiting, present: false }),
				person({ id: 'c', ...waiting, status: 'withdrawn' }),
				person({ id: 'd' }),
				person({ id: 'm', role: 'mediator', ...waiting })
			],
			notices: [{ id: 'n1', kind: 'break', participantId: 'd', at: 1 }]
		});
		// a is waiting and here; b has not come, c withdrew, d is in a room, m is staff.
		expect(attentionCount(v)).toBe(2);
	});

	it('is nothing before the start, after the end, or without a view', () => {
		expect(attentionCount(null)).toBe(0);
		const waiting = [person({ location: { kind: 'waiting' } })];
		expect(attentionCount(view({ status: 'not_started', participants: waiting }))).toBe(0);
		expect(attentionCount(view({ status: 'ended', participants: waiting }))).toBe(0);
	});
});
