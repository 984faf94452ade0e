import { eq, sql } from 'drizzle-orm';
import { describe, expect, it, vi } from 'vitest';
import { sessionEvents } from '#lib/server/db/schema.ts';
import type { Live } from '#lib/session/index.ts';
import { verifyChain } from '#server/control/session-log.ts';
import { joinAsMediator, joinAsParty } from '../helpers/meeting.ts';
import { everyoneInJointRoom, seatedSessions } from '../helpers/seated-session.ts';

/**
 * The live session's log, through real socket.io connections and the real database: nobody is
 * shown a command before its entry is durable, and the log is append-only and hash-chained.
 */

const seated = seatedSessions();

describe('the log of a live session', () => {
	it('never shows anyone a command whose log entry is not yet durable', async () => {
		const { server, meeting, mediator, victim, offender, open } = seated;
		await everyoneInJointRoom(seated);
		await mediator.do({ type: 'setSpeakingMode', mode: 'moderated' });
		const { db } = server.deps;
		const { victim: victimParty, offender: offenderParty } = meeting.parties;
		const state = () => server.mend.realtime.sessions.current(meeting.meetingId) as Live;
		const handsUp = () => {
			const { speaking } = state();
			return speaking.mode === 'moderated' ? speaking.queue : [];
		};
		// The database will refuse the offender's raised hand: that command is never logged.
		await db.execute(
			sql.raw(`
				create function refuse_for_test() returns trigger language plpgsql as $$
				begin
					if new.actor = '${offenderParty.id}' and new.command->>'type' = 'raiseHand' then
						raise exception 'refused for the test';
					end if;
					return new;
				end $$`)
		);
		await db.execute(
			sql`create trigger refuse_for_test before insert on session_events
				for each row execute function refuse_for_test()`
		);
		try {
			// Writes to the log wait while another transaction holds its table.
			let release = () => {};
			let locked = () => {};
			const isLocked = new Promise<void>((resolve) => (locked = resolve));
			const holding = db.transaction(async (tx) => {
				await tx.execute(sql`lock table session_events in exclusive mode`);
				locked();
				await new Promise<void>((resolve) => (release = resolve));
			});
			await isLocked;
			// The victim's hand is applied, its entry written first; the offender's waits for it.
			const victimAsked = victim.send({ type: 'raiseHand' });
			await vi.waitFor(() => expect(handsUp()).toEqual([victimParty.id]));
			const offenderAsked = offender.send({ type: 'raiseHand' });
			await vi.waitFor(() => expect(handsUp()).toEqual([victimParty.id, offenderParty.id]));
			release();
			await holding;

			// The victim's hand is durable and confirmed; the offender's write failed.
			expect(await victimAsked).toMatchObject({ ok: true });
			await offenderAsked.catch(() => {});
			// Nobody was ever shown the offender's hand, which the log never held…
			const showsOffenderHand = [
				...offender.views.map((v) => v.you.queuePosition !== null),
				...mediator.views.map(
					(v) => v.speaking?.mode === 'moderated' && v.speaking.queue.includes(offenderParty.id)
				)
			];
			expect(showsOffenderHand).not.toContain(true);
			// …and whoever comes back finds the session as logged: the victim's hand alone (and
			// the parties apart until the mediator is back: everyone was disconnected).
			const back = await joinAsParty(server, meeting, 'offender');
			open.push(back);
			expect(back.view).toMatchObject({ separated: true, you: { queuePosition: null } });
			expect(handsUp()).toEqual([victimParty.id]);
			// The victim's hand, durable, is what the mediator sees once back.
			const chair = await joinAsMediator(server, meeting);
			open.push(chair);
			expect(chair.view.speaking).toMatchObject({ mode: 'moderated', queue: [victimParty.id] });
			// Nothing of the unloaded copy was logged after the failure: the chain has no gap.
			await server.mend.realtime.sessions.drain();
			const entries = await server.mend.realtime.sessions.log.load(meeting.meetingId);
			expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
			expect(verifyChain(meeting.meetingId, entries)).toBeNull();
		} finally {
			await db.execute(sql`drop trigger refuse_for_test on session_events`);
			await db.execute(sql`drop function refuse_for_test()`);
		}
	});

	it('keeps an append-only, hash-chained log from which the session is rebuilt', async () => {
		const { server, meeting, mediator } = seated;
		await everyoneInJointRoom(seated);
		await mediator.do({ type: 'goToStep', step: 'victim_account' });
		await server.mend.realtime.sessions.drain();
		const entries = await server.mend.realtime.sessions.log.load(meeting.meetingId);
		expect(entries.length).toBeGreaterThan(10);
		expect(verifyChain(meeting.meetingId, entries)).toBeNull();
		const rows = await server.deps.db
			.select()
			.from(sessionEvents)
			.where(eq(sessionEvents.meetingId, meeting.meetingId));
		expect(rows).toHaveLength(entries.length);
		// Tampering with any entry breaks the chain from there on.
		const tampered = entries.map((e, i) =>
			i === 5 ? { ...e, envelope: { ...e.envelope, actor: 'someone-else' } } : e
		);
		expect(verifyChain(meeting.meetingId, tampered)).toBe(tampered[5].seq);
	});

	it('logs a break asked for again and again once: every ask is answered, nothing more is written', async () => {
		const { server, meeting, victim } = seated;
		await everyoneInJointRoom(seated);
		const sessions = server.mend.realtime.sessions;
		await sessions.drain();
		const logged = async () => (await sessions.log.load(meeting.meetingId)).length;
		const before = await logged();
		// "I need a break" is never rate-limited: a phone that sends it 200 times at once.
		const answers = await Promise.all(
			Array.from({ length: 200 }, () => victim.send({ type: 'stepOut' }))
		);
		expect(answers.filter((answer) => answer.ok)).toHaveLength(200);
		await victim.until((v) => v.place.kind === 'private');
		await sessions.drain();
		expect(await logged()).toBe(before + 1);
	});
});
