/**
 * The notification outbox: invitations and reminders queued when a link is issued (with the
 * .ics), sent once by the sweep against a real in-process SMTP server (smtp-server) or a text-
 * message gateway (a real HTTP server on port 0, as SMS_WEBHOOK_URL), the
 * outbox page and its isolation between programs, retries, plan reminders, overdue notices and
 * the victim's updates.
 *
 * Plan items, plan records and the victim's choices are inserted directly in the database here
 * (with an executed agreement row to hang them on): their own pages are tested elsewhere.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, eq, like } from 'drizzle-orm';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
	agreements,
	auditEvents,
	meetings,
	notifications,
	parties,
	planItems,
	planRecords,
	victimChoices
} from '#lib/server/db/schema.ts';
import { createDueNotices, sweepNotifications } from '#lib/server/notifications/sweeper.ts';
import { addDays } from '#lib/cases/plan-status.ts';
import { dateIn } from '#lib/time.ts';
import { HttpClient, successData } from '../helpers/http.ts';
import { addStaff, createCase, createProgram, daysFromNow, signIn } from '../helpers/fixtures.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const DAY = 24 * 60 * 60_000;

interface Setup {
	server: TestServer;
	program: Awaited<ReturnType<typeof createProgram>>;
	coordinator: HttpClient;
	coordinatorEmail: string;
	caseId: string;
	meetingId: string;
	partyIds: Record<string, string>;
}

async function setUp(server: TestServer): Promise<Setup> {
	const program = await createProgram(server.deps);
	const login = await addStaff(server.deps, program.id, 'coordinator');
	const coordinator = await signIn(server.url, login);
	const caseId = await createCase(coordinator, program.slug);
	const created = await coordinator.action(
		`/staff/${program.slug}/cases/${caseId}?/createMeeting`,
		{
			kind: 'joint',
			scheduledAt: daysFromNow(3),
			durationMinutes: 90
		}
	);
	const meetingId = successData<{ meetingCreated: string }>(created).meetingCreated;
	const rows = await server.deps.db.select().from(parties).where(eq(parties.caseId, caseId));
	return {
		server,
		program,
		coordinator,
		coordinatorEmail: login.email,
		caseId,
		meetingId,
		partyIds: Object.fromEntries(rows.map((p) => [p.displayName, p.id]))
	};
}

async function issue(s: Setup, partyName: string, withAccessCode = false) {
	const result = await s.coordinator.action(
		`/staff/${s.program.slug}/cases/${s.caseId}?/issueInvitation`,
		{ meetingId: s.meetingId, partyId: s.partyIds[partyName], withAccessCode }
	);
	return successData<{ issued: { url: string } }>(result).issued.url;
}

const ofParty = (s: Setup, partyName: string) =>
	s.server.deps.db
		.select()
		.from(notifications)
		.where(eq(notifications.partyId, s.partyIds[partyName]));

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

describe('with SMTP', () => {
	let server: TestServer;
	let s: Setup;
	let smtp: SMTPServer;
	const received: string[] = [];
	/** How far the first test moved the clock (the next one moves it back). */
	let passed = 0;

	beforeAll(async () => {
		smtp = new SMTPServer({
			authOptional: true,
			disabledCommands: ['STARTTLS', 'AUTH'],
			logger: false,
			onData(stream, _session, callback) {
				const chunks: Buffer[] = [];
				stream.on('data', (chunk: Buffer) => chunks.push(chunk));
				stream.on('end', () => {
					received.push(Buffer.concat(chunks).toString('utf8'));
					callback();
				});
			}
		});
		await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
		const { port } = smtp.server.address() as AddressInfo;
		server = await startTestServer({
			SMTP_URL: `smtp://127.0.0.1:${port}`,
			MAIL_FROM: 'Mend <mend@program.example>'
		});
		s = await setUp(server);
	});
	afterAll(async () => {
		await server?.close();
		await new Promise<void>((resolve) => smtp?.close(() => resolve()));
	});

	/**
	 * Moves the server's clock a minute past when a party's queued reminder is due, and returns
	 * how far: from the row itself, since the meeting's time of day (in the program's zone) and
	 * the hour the test runs at decide it.
	 */
	async function passReminderOf(partyName: string): Promise<number> {
		const reminder = (await ofParty(s, partyName)).find(
			(r) => r.dedupeKey?.startsWith('reminder:') && r.status === 'queued'
		)!;
		const ms = reminder.sendAfter.getTime() - server.clock.now().getTime() + 60_000;
		server.clock.advance(ms);
		return ms;
	}

	/** The decoded text/calendar part of a raw message. */
	function calendarPart(raw: string): string | null {
		const part = raw.split(/\r?\n--[^\r\n]+/).find((p) => /content-type: text\/calendar/i.test(p));
		if (!part) return null;
		const [headers, ...rest] = part.split(/\r?\n\r?\n/);
		const content = rest.join('\n\n');
		return /content-transfer-encoding: base64/i.test(headers)
			? Buffer.from(content.replace(/\s+/g, ''), 'base64').toString('utf8')
			: content;
	}

	it('sends the invitation once, with the .ics attached, and the reminder when due', async () => {
		const url = await issue(s, 'Vera Victim');
		const queued = await ofParty(s, 'Vera Victim');
		expect(queued.map((r) => r.status)).toEqual(['queued', 'queued']);

		// Two sweeps at once: each row is claimed by one of them only. Counted as mails received,
		// not from the sweeps' reports: the host's own 30-second sweep may be the one that sends.
		await Promise.all([sweepNotifications(server.deps), server.mend.sweeper.runOnce()]);
		await vi.waitFor(() => expect(received).toHaveLength(1));
		const [mail] = received;
		expect(mail).toMatch(/^To: vera@home\.example/im);
		expect(mail).toMatch(/^From: Mend <mend@program\.example>/im);
		expect(mail).toContain('Invitation: online meeting');
		const ics = calendarPart(mail);
		expect(ics).toContain('BEGIN:VEVENT');
		expect(ics!.replace(/\r\n /g, '')).toContain(`URL:${url}`);

		// Sent: the link is no longer kept in the row.
		const token = new URL(url).pathname.split('/').pop()!;
		const sent = (await ofParty(s, 'Vera Victim')).find((r) => r.status === 'sent')!;
		expect(sent.attempts).toBe(1);
		expect(sent.sentAt).not.toBeNull();
		expect(`${sent.body}${sent.ics}`).not.toContain(token);

		// Nothing more until the reminder is due.
		await sweepNotifications(server.deps);
		expect(received).toHaveLength(1);
		passed = await passReminderOf('Vera Victim');
		await Promise.all([
			sweepNotifications(server.deps),
			sweepNotifications(server.deps),
			server.mend.sweeper.runOnce()
		]);
		await vi.waitFor(() => expect(received).toHaveLength(2));
		await sweepNotifications(server.deps);
		expect(received).toHaveLength(2);
		expect(received[1]).toContain('Reminder: online meeting');
		expect(calendarPart(received[1])).toContain('BEGIN:VEVENT');
		const rows = await ofParty(s, 'Vera Victim');
		expect(rows.map((r) => r.status)).toEqual(['sent', 'sent']);
		// Each row was claimed by one sweep only, and sent at the first attempt.
		expect(rows.map((r) => r.attempts)).toEqual([1, 1]);
	});

	it('does not send a reminder for a link that was revoked', async () => {
		server.clock.advance(-passed);
		await issue(s, 'Otto Offender');
		// Otto has only a phone and no text-message transport is configured.
		expect((await ofParty(s, 'Otto Offender')).map((r) => r.status)).toEqual([
			'outbox_only',
			'outbox_only'
		]);
		await s.server.deps.db
			.update(parties)
			.set({ email: 'otto@home.example' })
			.where(eq(parties.id, s.partyIds['Otto Offender']));
		await issue(s, 'Otto Offender');
		const [live] = await s.server.deps.db
			.select()
			.from(notifications)
			.where(
				and(
					eq(notifications.partyId, s.partyIds['Otto Offender']),
					like(notifications.dedupeKey, 'reminder:%'),
					eq(notifications.status, 'queued')
				)
			);
		const invitationId = live.dedupeKey!.split(':')[1];
		const revoked = await s.coordinator.action(
			`/staff/${s.program.slug}/cases/${s.caseId}?/revokeInvitation`,
			{ invitationId }
		);
		expect(revoked.type).toBe('success');
		const statuses = (await ofParty(s, 'Otto Offender')).map((r) => r.status).sort();
		expect(statuses).toEqual(['cancelled', 'cancelled', 'cancelled', 'cancelled']);
		const before = received.length;
		server.clock.advance(live.sendAfter.getTime() - server.clock.now().getTime() + 60_000);
		await sweepNotifications(server.deps);
		expect(received).toHaveLength(before);
	});
});

describe('through a text-message gateway (SMS_WEBHOOK_URL)', () => {
	let server: TestServer;
	let s: Setup;
	let gateway: Server;
	/** What the gateway received, and the status it answers with next. */
	const texts: { authorization: string | undefined; type: string | undefined; body: unknown }[] =
		[];
	let answer = 200;

	beforeAll(async () => {
		gateway = createServer((request, response) => {
			const chunks: Buffer[] = [];
			request.on('data', (chunk: Buffer) => chunks.push(chunk));
			request.on('end', () => {
				texts.push({
					authorization: request.headers.authorization,
					type: request.headers['content-type'],
					body: JSON.parse(Buffer.concat(chunks).toString('utf8'))
				});
				response.writeHead(answer).end();
			});
		});
		await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
		const { port } = gateway.address() as AddressInfo;
		server = await startTestServer({
			SMS_WEBHOOK_URL: `http://127.0.0.1:${port}/texts`,
			SMS_WEBHOOK_TOKEN: 'gateway-token',
			SMS_FROM: 'Mend'
		});
		s = await setUp(server);
	});
	afterAll(async () => {
		await server?.close();
		await new Promise<void>((resolve) => gateway?.close(() => resolve()));
	});

	it('texts the link to a party who has only a phone; a refusal keeps it queued for a retry', async () => {
		answer = 503;
		const url = await issue(s, 'Otto Offender');
		const invitation = async () =>
			(await ofParty(s, 'Otto Offender')).find((r) => r.dedupeKey!.startsWith('invite:'))!;
		expect(await invitation()).toMatchObject({ channel: 'sms', status: 'queued' });

		await sweepNotifications(server.deps);
		await vi.waitFor(() => expect(texts).toHaveLength(1));
		// Refused by the gateway: not sent, and tried again later.
		await vi.waitFor(async () =>
			expect(await invitation()).toMatchObject({
				status: 'queued',
				attempts: 1,
				lastError: 'SMS gateway answered 503'
			})
		);

		answer = 200;
		server.clock.advance(DAY);
		// Counted as texts received: the host's own 30-second sweep may be the one that sends.
		await sweepNotifications(server.deps);
		await vi.waitFor(() => expect(texts).toHaveLength(2));
		expect(texts[1]).toMatchObject({
			authorization: 'Bearer gateway-token',
			type: 'application/json',
			body: { to: '+1 555 0111', from: 'Mend' }
		});
		// The text carries the link itself: it has no attachment and no subject.
		expect((texts[1].body as { body: string }).body).toContain(url);
		await vi.waitFor(async () =>
			expect(await invitation()).toMatchObject({ status: 'sent', attempts: 2 })
		);
		server.clock.advance(-DAY);
	});
});
