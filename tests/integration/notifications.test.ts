/**
 * The notification outbox: invitations and reminders queued when a link is issued (with the
 * .ics), the outbox page and its isolation between programs, retries, plan reminders, overdue
 * notices and the victim's updates. Sending them by SMTP or a text-message gateway is in
 * notifications-delivery.test.ts.
 *
 * Plan items, plan records and the victim's choices are inserted directly in the database here
 * (with an executed agreement row to hang them on): their own pages are tested elsewhere.
 */
import { and, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	agreements,
	auditEvents,
	meetings,
	notifications,
	planItems,
	planRecords,
	victimChoices
} from '#lib/server/db/schema.ts';
import { createDueNotices, sweepNotifications } from '#lib/server/notifications/sweeper.ts';
import { addDays } from '#lib/cases/plan-status.ts';
import { dateIn } from '#lib/time.ts';
import { addStaff, createProgram, signIn } from '../helpers/fixtures.ts';
import { issue, ofParty, setUp, type Setup } from '../helpers/notifications.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const DAY = 24 * 60 * 60_000;

describe('without a transport', () => {
	let server: TestServer;
	let s: Setup;

	beforeAll(async () => {
		server = await startTestServer();
		s = await setUp(server);
	});
	afterAll(() => server?.close());

	it('issuing an invitation queues it with the .ics, and a reminder a day before, in the outbox', async () => {
		const url = await issue(s, 'Vera Victim', true);
		const [meeting] = await server.deps.db
			.select()
			.from(meetings)
			.where(eq(meetings.id, s.meetingId));
		const rows = await ofParty(s, 'Vera Victim');
		expect(rows).toHaveLength(2);
		for (const row of rows) {
			expect(row).toMatchObject({
				channel: 'email',
				recipient: 'vera@home.example',
				status: 'outbox_only',
				programId: s.program.id,
				caseId: s.caseId
			});
			expect(row.body).toContain(url);
			// The access code is never in the message: it goes separately.
			expect(row.body).toContain('access code');
			expect(row.ics!.replace(/\r\n /g, '')).toContain(`URL:${url}`);
			// Nothing of the case in what anyone else may see on a calendar or a lock screen.
			for (const detail of ['Window broken', 'Otto', s.caseId])
				expect(`${row.subject}${row.ics}`).not.toContain(detail);
		}
		const invitation = rows.find((r) => r.dedupeKey!.startsWith('invite:'))!;
		const reminder = rows.find((r) => r.dedupeKey!.startsWith('reminder:'))!;
		expect(invitation.sendAfter.getTime()).toBeLessThanOrEqual(server.clock.now().getTime());
		expect(reminder.sendAfter.getTime()).toBe(meeting.scheduledAt.getTime() - DAY);
		expect(reminder.subject).toMatch(/^Reminder/);

		const audit = await server.deps.db
			.select()
			.from(auditEvents)
			.where(eq(auditEvents.action, 'notification.queued'));
		expect(audit.length).toBeGreaterThanOrEqual(2);
		expect(JSON.stringify(audit)).not.toContain('vera@home.example');
	});

	it('texts a party who has only a phone, and queues nothing for one with no contact', async () => {
		await issue(s, 'Otto Offender');
		const otto = await ofParty(s, 'Otto Offender');
		expect(otto.map((r) => [r.channel, r.recipient])).toEqual([
			['sms', '+1 555 0111'],
			['sms', '+1 555 0111']
		]);
		await issue(s, 'Gail Guardian');
		expect(await ofParty(s, 'Gail Guardian')).toHaveLength(0);
	});

	it('reissuing a link cancels the messages carrying the old one', async () => {
		const before = await ofParty(s, 'Vera Victim');
		await issue(s, 'Vera Victim');
		const after = await ofParty(s, 'Vera Victim');
		expect(after).toHaveLength(4);
		for (const old of before) expect(after.find((r) => r.id === old.id)!.status).toBe('cancelled');
		expect(after.filter((r) => r.status === 'outbox_only')).toHaveLength(2);
	});

	it('the sweep leaves outbox-only messages for staff', async () => {
		server.clock.advance(2.5 * DAY);
		const report = await sweepNotifications(server.deps);
		expect(report.sent).toBe(0);
		server.clock.advance(-2.5 * DAY);
	});

	it('shows the outbox to coordinators, with the .ics and cancel', async () => {
		const { status, html } = await s.coordinator.page(`/staff/${s.program.slug}/outbox`);
		expect(status).toBe(200);
		expect(html).toContain('vera@home.example');
		expect(html).toContain('Invitation: online meeting');
		const [row] = (await ofParty(s, 'Vera Victim')).filter((r) => r.status === 'outbox_only');
		const ics = await s.coordinator.fetch(`/staff/${s.program.slug}/outbox/${row.id}/ics`);
		expect(ics.status).toBe(200);
		expect(ics.headers.get('content-type')).toContain('text/calendar');
		expect(await ics.text()).toContain('BEGIN:VEVENT');

		const cancelled = await s.coordinator.action(`/staff/${s.program.slug}/outbox?/cancel`, {
			notificationId: row.id
		});
		expect(cancelled.type).toBe('success');
		const [after] = await server.deps.db
			.select()
			.from(notifications)
			.where(eq(notifications.id, row.id));
		expect(after.status).toBe('cancelled');
		const again = await s.coordinator.action(`/staff/${s.program.slug}/outbox?/cancel`, {
			notificationId: row.id
		});
		expect(again).toMatchObject({ type: 'error', status: 409 });
		const audit = await server.deps.db
			.select()
			.from(auditEvents)
			.where(eq(auditEvents.action, 'notification.cancelled'));
		expect(audit).toHaveLength(1);
	});

	it('is closed to mediators and to other programs', async () => {
		const mediator = await signIn(
			server.url,
			await addStaff(server.deps, s.program.id, 'mediator')
		);
		expect((await mediator.page(`/staff/${s.program.slug}/outbox`)).status).toBe(403);

		const other = await createProgram(server.deps);
		const stranger = await signIn(server.url, await addStaff(server.deps, other.id, 'coordinator'));
		expect((await stranger.page(`/staff/${s.program.slug}/outbox`)).status).toBe(404);
		const own = await stranger.page(`/staff/${other.slug}/outbox`);
		expect(own.status).toBe(200);
		expect(own.html).not.toContain('vera@home.example');
		const [row] = await ofParty(s, 'Vera Victim');
		expect((await stranger.fetch(`/staff/${other.slug}/outbox/${row.id}/ics`)).status).toBe(404);
		const cancel = await stranger.action(`/staff/${other.slug}/outbox?/cancel`, {
			notificationId: row.id
		});
		expect(cancel).toMatchObject({ type: 'error', status: 404 });
	});

	it('retries with backoff, counts attempts, gives up, and staff can retry (audited)', async () => {
		const [row] = await server.deps.db
			.insert(notifications)
			.values({
				programId: s.program.id,
				caseId: s.caseId,
				channel: 'email',
				recipient: 'someone@example.org',
				subject: 'Test',
				body: 'Test',
				dedupeKey: `test:${s.caseId}`,
				status: 'queued',
				sendAfter: server.clock.now()
			})
			.returning();
		let calls = 0;
		const failing = {
			...server.deps,
			transports: {
				email: {
					send: async () => {
						calls += 1;
						throw new Error('451 try later');
					}
				}
			}
		};
		for (let attempt = 1; attempt <= 5; attempt++) {
			await sweepNotifications(failing);
			const [now] = await server.deps.db
				.select()
				.from(notifications)
				.where(eq(notifications.id, row.id));
			expect(now.attempts).toBe(attempt);
			expect(now.lastError).toBe('451 try later');
			expect(now.status).toBe(attempt < 5 ? 'queued' : 'failed');
			// Not again before its backoff has passed.
			await sweepNotifications(failing);
			expect(calls).toBe(attempt);
			server.clock.advance(DAY);
		}
		server.clock.advance(-5 * DAY);
		const retried = await s.coordinator.action(`/staff/${s.program.slug}/outbox?/retry`, {
			notificationId: row.id
		});
		expect(retried.type).toBe('success');
		const [requeued] = await server.deps.db
			.select()
			.from(notifications)
			.where(eq(notifications.id, row.id));
		expect(requeued).toMatchObject({ status: 'queued', attempts: 0 });
		expect(
			await server.deps.db
				.select()
				.from(auditEvents)
				.where(eq(auditEvents.action, 'notification.retried'))
		).toHaveLength(1);
		// No transport here: the sweep leaves it to staff.
		await sweepNotifications(server.deps);
		const [kept] = await server.deps.db
			.select()
			.from(notifications)
			.where(eq(notifications.id, row.id));
		expect(kept.status).toBe('outbox_only');
	});

	it('makes plan reminders, overdue notices and victim updates once each', async () => {
		const db = server.deps.db;
		const today = dateIn(server.clock.now(), s.program.timeZone);
		const [agreement] = await db
			.insert(agreements)
			.values({ caseId: s.caseId, meetingId: s.meetingId, version: 1, status: 'executed' })
			.returning();
		const otto = s.partyIds['Otto Offender'];
		const base = { caseId: s.caseId, agreementId: agreement.id, responsiblePartyId: otto };
		const [soon, late, later, paid] = await db
			.insert(planItems)
			.values([
				{
					...base,
					kind: 'payment',
					description: 'First instalment',
					dueDate: addDays(today, 2),
					amountMinor: 10_000
				},
				{
					...base,
					kind: 'service',
					description: 'Service hours',
					dueDate: addDays(today, -1),
					hours: 5
				},
				{ ...base, kind: 'other', description: 'Apology in person', dueDate: addDays(today, 10) },
				{
					...base,
					kind: 'payment',
					description: 'Deposit',
					dueDate: addDays(today, -1),
					amountMinor: 5_000
				}
			])
			.returning();
		await db.insert(planRecords).values({
			planItemId: paid.id,
			caseId: s.caseId,
			kind: 'payment',
			amountMinor: 5_000,
			occurredOn: addDays(today, -2)
		});

		expect(await createDueNotices(server.deps)).toBe(2);
		expect(await createDueNotices(server.deps)).toBe(0);
		const made = await db
			.select()
			.from(notifications)
			.where(like(notifications.dedupeKey, 'plan-%'));
		const reminder = made.find((r) => r.dedupeKey === `plan-reminder:${soon.id}:${soon.dueDate}`)!;
		expect(reminder).toMatchObject({ partyId: otto, channel: 'sms', recipient: '+1 555 0111' });
		expect(reminder.body).toContain('$100.00');
		const overdue = made.find((r) => r.dedupeKey!.startsWith(`plan-overdue:${late.id}:`))!;
		expect(overdue).toMatchObject({ channel: 'email', recipient: s.coordinatorEmail });
		expect(overdue.body).toContain('Service hours');
		expect(
			made.some((r) => r.dedupeKey!.includes(later.id) || r.dedupeKey!.includes(paid.id))
		).toBe(false);

		// The victim asked to hear of every payment.
		const vera = s.partyIds['Vera Victim'];
		await db.insert(victimChoices).values({
			partyId: vera,
			caseId: s.caseId,
			restitutionUpdates: 'every',
			updatedVia: 'staff'
		});
		const [record] = await db
			.insert(planRecords)
			.values({
				planItemId: soon.id,
				caseId: s.caseId,
				kind: 'payment',
				amountMinor: 2_500,
				occurredOn: today
			})
			.returning();
		expect(await createDueNotices(server.deps)).toBe(2);
		expect(await createDueNotices(server.deps)).toBe(0);
		const [update] = await db
			.select()
			.from(notifications)
			.where(eq(notifications.dedupeKey, `victim-update:${record.id}:${vera}`));
		expect(update).toMatchObject({ partyId: vera, recipient: 'vera@home.example' });
		expect(update.body).toContain('$25.00');
		for (const secret of ['+1 555 0111', 'Otto']) expect(update.body).not.toContain(secret);

		// …then only of completion: nothing until every item is done, then once.
		await db
			.update(victimChoices)
			.set({ restitutionUpdates: 'completion' })
			.where(eq(victimChoices.partyId, vera));
		expect(await createDueNotices(server.deps)).toBe(0);
		await db.insert(planRecords).values([
			{
				planItemId: soon.id,
				caseId: s.caseId,
				kind: 'payment',
				amountMinor: 7_500,
				occurredOn: today
			},
			{ planItemId: late.id, caseId: s.caseId, kind: 'hours', hours: 5, occurredOn: today },
			{ planItemId: later.id, caseId: s.caseId, kind: 'done', occurredOn: today }
		]);
		expect(await createDueNotices(server.deps)).toBe(1);
		expect(await createDueNotices(server.deps)).toBe(0);
		const completion = await db
			.select()
			.from(notifications)
			.where(
				and(
					eq(notifications.partyId, vera),
					eq(notifications.dedupeKey, `victim-completion:${agreement.id}:${vera}`)
				)
			);
		expect(completion).toHaveLength(1);
		expect(completion[0].subject).toBe('The agreement has been completed');
	});
});
