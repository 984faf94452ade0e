/**
 * The outbox's messages leaving Mend: sent once by the sweep against a real in-process SMTP
 * server (smtp-server), with the .ics attached and the reminder when due, and through a text-
 * message gateway (a real HTTP server on port 0, as SMS_WEBHOOK_URL). What is queued, and when,
 * is in notifications.test.ts.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, eq, like } from 'drizzle-orm';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { notifications, parties } from '#lib/server/db/schema.ts';
import { sweepNotifications } from '#lib/server/notifications/sweeper.ts';
import { issue, ofParty, setUp, type Setup } from '../helpers/notifications.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const DAY = 24 * 60 * 60_000;

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
