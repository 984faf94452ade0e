import { asc, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { sessionResource, takeOwnership } from '#lib/server/db/ownership.ts';
import { sessionEvents } from '#lib/server/db/schema.ts';
import { seatedSessions } from '../helpers/seated-session.ts';

/**
 * A process that lost a live session never writes it again (ownership.ts): another process
 * that loaded the session since raised its epoch, and every append names the epoch it was
 * loaded under. Here the other process is this test, taking the session over in the database
 * as a second Mend process would when someone connects to it there.
 */
const seated = seatedSessions();

describe('a live session another process took over', () => {
	it('refuses the next command instead of appending it, and lets everyone go to come back', async () => {
		const { server, meeting, mediator, victim } = seated;
		await mediator.do({ type: 'startSession' });
		const logged = async () =>
			(
				await server.deps.db
					.select({ seq: sessionEvents.seq })
					.from(sessionEvents)
					.where(eq(sessionEvents.meetingId, meeting.meetingId))
					.orderBy(asc(sessionEvents.seq))
			).map((row) => row.seq);
		const before = await logged();

		await takeOwnership(server.deps.db, sessionResource(meeting.meetingId));
		const disconnected = new Promise((resolve) => victim.socket.once('disconnect', resolve));
		const answer = await mediator
			.send({ type: 'admit', participantId: meeting.parties.victim.id })
			.catch((error: Error) => error.message);

		// Not acknowledged (refused, or the connection let go first), not stored, not shown:
		// the other process's log is the truth now.
		expect(answer).not.toMatchObject({ ok: true });
		expect(await logged()).toEqual(before);
		await disconnected;
		expect(victim.views.some((view) => view.place.kind === 'joint')).toBe(false);
	});
});
