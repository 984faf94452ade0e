import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
	auditEvents,
	consents,
	invitations,
	meetings,
	notifications,
	parties,
	screenings,
	victimChoices
} from '#lib/server/db/schema.ts';
import { addStaff, createProgram, signIn } from '../helpers/fixtures.ts';
import { HttpClient, successData } from '../helpers/http.ts';
import {
	joinAsMediator,
	joinAsParty,
	jointMeeting,
	type MeetingFixture
} from '../helpers/meeting.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * Before the joint session, through the real pages' form actions and the real session server:
 * screening, consent (by staff and from a party's own link), preparation meetings, the
 * readiness gate the server applies when the joint session starts, its logged override,
 * the victim's choices, and withdrawal — which revokes links and takes the person out of a
 * live session at once.
 */

let server: TestServer;

beforeAll(async () => {
	server = await startTestServer();
});
afterAll(async () => {
	await server?.close();
});

const prepPath = (meeting: MeetingFixture) =>
	`/staff/${meeting.slug}/cases/${meeting.caseId}/preparation`;

async function screen(
	meeting: MeetingFixture,
	partyId: string,
	extra: Record<string, string> = {}
) {
	return meeting.mediatorHttp.action(`${prepPath(meeting)}?/screening`, {
		partyId,
		readiness: 'ready',
		safetyConcerns: 'none',
		powerImbalance: 'none',
		outcome: 'suitable',
		...extra
	});
}

async function actionsOfCase(caseId: string) {
	const rows = await server.deps.db
		.select({ action: auditEvents.action, detail: auditEvents.detail })
		.from(auditEvents)
		.where(eq(auditEvents.caseId, caseId));
	return rows;
}

/** The prep meeting of a party, created by the coordinator, then moved into the past. */
async function heldPreparation(meeting: MeetingFixture, partyId: string) {
	const { meetingCreated } = successData<{ meetingCreated: string }>(
		await meeting.coordinatorHttp.action(
			`/staff/${meeting.slug}/cases/${meeting.caseId}?/createMeeting`,
			{
				kind: 'preparation',
				partyId,
				scheduledAt: '2030-01-01T10:00'
			}
		)
	);
	// Before its time it cannot be recorded as held.
	const early = await meeting.mediatorHttp.action(`${prepPath(meeting)}?/held`, {
		meetingId: meetingCreated,
		mode: 'in_person'
	});
	expect(early.type).toBe('error');
	await server.deps.db
		.update(meetings)
		.set({ scheduledAt: new Date(Date.now() - 3_600_000) })
		.where(eq(meetings.id, meetingCreated));
	successData(
		await meeting.mediatorHttp.action(`${prepPath(meeting)}?/held`, {
			meetingId: meetingCreated,
			mode: 'in_person'
		})
	);
}

describe('the readiness gate', () => {
	it('keeps the joint session closed until both are screened suitable, consent and are prepared', async () => {
		const meeting = await jointMeeting(server, { prepared: false });
		const { victim, offender } = meeting.parties;
		const mediator = await joinAsMediator(server, meeting);

		const refused = await mediator.send({ type: 'startSession' });
		expect(refused).toMatchObject({ ok: false });
		const message = (refused as { error: { message: string } }).error.message;
		expect(message).toContain('The joint session cannot start yet');
		expect(message).toContain('Vera Victim is not screened yet');
		expect(message).toContain('Otto Offender has not given consent');
		expect(mediator.view.status).toBe('not_started');

		// A screening that is not suitable needs its reason; the bad one changes nothing.
		const noReason = await screen(meeting, victim.id, { outcome: 'not_suitable' });
		expect(noReason).toMatchObject({ type: 'failure', status: 400 });
		expect(
			(noReason as unknown as { data: { errors: Record<string, string> } }).data.errors
				.outcomeReason
		).toBe('Give the reason.');
		expect(
			await server.deps.db.select().from(screenings).where(eq(screenings.partyId, victim.id))
		).toEqual([]);
		// The offender's screening records motivation on the fixed scale.
		const noMotivation = await screen(meeting, offender.id);
		expect(noMotivation).toMatchObject({ type: 'failure' });
		successData(await screen(meeting, victim.id));
		successData(await screen(meeting, offender.id, { motivation: '3' }));

		// The victim consents from her own link, under the text she read; the offender on paper.
		const victimPage = new HttpClient(server.url);
		victimPage.cookies.clear();
		for (const [k, v] of victim.http.cookies) victimPage.cookies.set(k, v);
		const unticked = await victimPage.action(`${victim.path}?/consent`, {
			textVersion: 'en-2026-11'
		});
		expect(unticked).toMatchObject({ type: 'failure', status: 400 });
		successData(
			await victimPage.action(`${victim.path}?/consent`, { textVersion: 'en-2026-11', agree: true })
		);
		successData(
			await meeting.mediatorHttp.action(`${prepPath(meeting)}?/consent`, {
				partyId: offender.id,
				textVersion: 'en-2026-11',
				confirmShown: 'true'
			})
		);
		const given = await server.deps.db
			.select()
			.from(consents)
			.where(eq(consents.caseId, meeting.caseId));
		expect(given.map((c) => [c.partyId, c.via, c.textVersion]).sort()).toEqual(
			[
				[victim.id, 'party', 'en-2026-11'],
				[offender.id, 'staff', 'en-2026-11']
			].sort()
		);
		expect(new Set(given.map((c) => c.textHash)).size).toBe(1);
		expect(given[0]!.textHash).toMatch(/^[0-9a-f]{64}$/);

		const stillClosed = await mediator.send({ type: 'startSession' });
		expect((stillClosed as { error: { message: string } }).error.message).toContain(
			'has had no preparation meeting'
		);

		await heldPreparation(meeting, victim.id);
		await heldPreparation(meeting, offender.id);
		expect(await mediator.send({ type: 'startSession' })).toMatchObject({ ok: true });
		await mediator.until((view) => view.status === 'live');
		mediator.close();
	});

	it('can be overridden only where the admin allows it, with a reason, and the override is logged', async () => {
		const meeting = await jointMeeting(server, { prepared: false });
		const strict = await meeting.coordinatorHttp.action(`${prepPath(meeting)}?/override`, {
			reason: 'The victim travels abroad next week.'
		});
		expect(strict.type).toBe('error');
		expect((strict as { status: number }).status).toBe(403);

		// Only an admin changes the program's rule.
		const settings = `/staff/${meeting.slug}/settings`;
		const notAdmin = await meeting.coordinatorHttp.action(settings, {
			readinessGate: 'overridable',
			checkInDays: '14, 90',
			reoffendingMonths: '6, 30'
		});
		expect(notAdmin.type).toBe('error');
		const program = (await server.deps.db.query.programs.findFirst({
			where: (p, { eq }) => eq(p.slug, meeting.slug)
		}))!;
		const admin = await signIn(server.url, await addStaff(server.deps, program.id, 'admin'));
		// Follow-up times are the program's too: a list that is not one is refused, changing nothing.
		const badList = await admin.action(settings, {
			readinessGate: 'overridable',
			checkInDays: '14',
			reoffendingMonths: 'soon'
		});
		expect(badList).toMatchObject({ type: 'failure', status: 400 });
		expect(
			(
				await server.deps.db.query.programs.findFirst({
					where: (p, { eq }) => eq(p.id, program.id)
				})
			)?.readinessGate
		).toBe('strict');
		successData(
			await admin.action(settings, {
				readinessGate: 'overridable',
				checkInDays: '90, 14',
				reoffendingMonths: '30, 6, 12'
			})
		);
		const saved = await server.deps.db.query.programs.findFirst({
			where: (p, { eq }) => eq(p.id, program.id)
		});
		expect(saved).toMatchObject({ reoffendingMonths: [6, 12, 30], checkInDays: [14, 90] });

		const short = await meeting.coordinatorHttp.action(`${prepPath(meeting)}?/override`, {
			reason: 'soon'
		});
		expect(short).toMatchObject({ type: 'failure', status: 400 });
		// A mediator may not override: coordinators and admins decide.
		const byMediator = await meeting.mediatorHttp.action(`${prepPath(meeting)}?/override`, {
			reason: 'The victim travels abroad next week.'
		});
		expect(byMediator.type).toBe('error');
		successData(
			await meeting.coordinatorHttp.action(`${prepPath(meeting)}?/override`, {
				reason: 'The victim travels abroad next week.'
			})
		);
		const mediator = await joinAsMediator(server, meeting);
		expect(await mediator.send({ type: 'startSession' })).toMatchObject({ ok: true });
		const logged = (await actionsOfCase(meeting.caseId)).find(
			(a) => a.action === 'gate.overridden'
		);
		expect(logged?.detail).toMatchObject({ missing: expect.arrayContaining(['not_screened']) });
		mediator.close();
	});

	it('is not a way into another program’s case', async () => {
		const meeting = await jointMeeting(server, { prepared: false });
		const other = await createProgram(server.deps);
		const outsider = await signIn(server.url, await addStaff(server.deps, other.id, 'coordinator'));
		const page = await outsider.page(prepPath(meeting).replace(meeting.slug, other.slug));
		expect(page.status).toBe(404);
		const attempt = await outsider.action(
			`${prepPath(meeting).replace(meeting.slug, other.slug)}?/screening`,
			{
				partyId: meeting.parties.victim.id,
				readiness: 'ready',
				safetyConcerns: 'none',
				powerImbalance: 'none',
				outcome: 'suitable'
			}
		);
		expect(attempt.type).toBe('error');
		expect(
			await server.deps.db
				.select()
				.from(screenings)
				.where(eq(screenings.partyId, meeting.parties.victim.id))
		).toEqual([]);
	});
});

describe('the victim’s choices', () => {
	it('are the victim’s to make from her link, and who speaks first reaches the joint meeting', async () => {
		const meeting = await jointMeeting(server);
		const { victim, offender } = meeting.parties;
		successData(
			await meeting.mediatorHttp.action(`${prepPath(meeting)}?/proposeTimes`, {
				partyId: victim.id,
				'times.0': '2030-03-04T10:00',
				'times.1': '2030-03-05T15:30'
			})
		);
		const [offered] = await server.deps.db
			.select()
			.from(victimChoices)
			.where(eq(victimChoices.partyId, victim.id));
		expect(offered!.proposedTimes).toHaveLength(2);

		// A time that was not offered is refused.
		const notOffered = await victim.http.action(`${victim.path}?/choices`, {
			proposedPick: '2030-03-06T10:00:00.000Z'
		});
		expect(notOffered).toMatchObject({ type: 'failure', status: 400 });

		successData(
			await victim.http.action(`${victim.path}?/choices`, {
				proposedPick: offered!.proposedTimes[1],
				mode: 'remote',
				firstSpeaker: 'offender',
				onCamera: 'no',
				restitutionUpdates: 'completion',
				attendees: 'My sister'
			})
		);
		const [saved] = await server.deps.db
			.select()
			.from(victimChoices)
			.where(eq(victimChoices.partyId, victim.id));
		expect(saved).toMatchObject({
			mode: 'remote',
			firstSpeaker: 'offender',
			onCamera: false,
			restitutionUpdates: 'completion',
			attendees: 'My sister',
			updatedVia: 'party'
		});
		expect(saved!.chosenTime?.toISOString()).toBe(offered!.proposedTimes[1]);
		const [joint] = await server.deps.db
			.select({ firstSpeaker: meetings.firstSpeaker })
			.from(meetings)
			.where(eq(meetings.id, meeting.meetingId));
		expect(joint!.firstSpeaker).toBe('offender');

		// The offender cannot make the victim's choices.
		const byOffender = await offender.http.action(`${offender.path}?/choices`, {
			firstSpeaker: 'victim'
		});
		expect(byOffender.type).toBe('error');
		const [unchanged] = await server.deps.db
			.select({ firstSpeaker: meetings.firstSpeaker })
			.from(meetings)
			.where(eq(meetings.id, meeting.meetingId));
		expect(unchanged!.firstSpeaker).toBe('offender');
	});
	it('are refused as not found, never a server error, for a party id that is no id at all', async () => {
		const meeting = await jointMeeting(server, { prepared: false });
		// Found by the fuzz test: the id went to PostgreSQL as it was posted (22P02, a 500).
		for (const partyId of ['not-an-id', `${meeting.parties.victim.id}x`, '']) {
			const attempt = await meeting.mediatorHttp.action(`${prepPath(meeting)}?/choices`, {
				partyId,
				speaksFirst: 'victim'
			});
			expect(attempt).toMatchObject({ type: 'error', status: 404 });
		}
	});
});

describe('withdrawal from the mediation', () => {
	it('recorded by staff: logged, links stop working, and a live session loses them at once', async () => {
		const meeting = await jointMeeting(server);
		const { offender, guardian } = meeting.parties;
		const mediator = await joinAsMediator(server, meeting);
		await mediator.do({ type: 'startSession' });
		const offenderClient = await joinAsParty(server, meeting, 'offender');
		await mediator.until((v) => v.participants.some((p) => p.id === offender.id && p.present));

		successData(
			await meeting.mediatorHttp.action(`${prepPath(meeting)}?/withdraw`, {
				partyId: offender.id,
				reason: 'He no longer wishes to take part.'
			})
		);
		await mediator.until(
			(v) => v.participants.find((p) => p.id === offender.id)?.status === 'withdrawn'
		);
		// Their connection is closed by the server.
		await vi.waitFor(() => expect(offenderClient.socket.connected).toBe(false));

		const revoked = await server.deps.db
			.select({ partyId: invitations.partyId, reason: invitations.revokedReason })
			.from(invitations)
			.where(eq(invitations.meetingId, meeting.meetingId));
		// The offender's link and his guardian's: the side has left.
		expect(
			revoked
				.filter((r) => r.reason === 'withdrawn')
				.map((r) => r.partyId)
				.sort()
		).toEqual([offender.id, guardian.id].sort());
		const page = await offender.http.page(offender.path);
		expect(page.html).toContain('data-reason="withdrawn"');
		const [row] = await server.deps.db.select().from(parties).where(eq(parties.id, offender.id));
		expect(row).toMatchObject({ withdrawnVia: 'staff' });
		// Nothing more is sent to his side: their queued messages (invitations…) are cancelled.
		const pending = await server.deps.db
			.select({ partyId: notifications.partyId, status: notifications.status })
			.from(notifications)
			.where(inArray(notifications.partyId, [offender.id, guardian.id]));
		expect(pending.length).toBeGreaterThan(0);
		expect(pending.every((n) => n.status === 'cancelled')).toBe(true);
		// A second withdrawal of the same person is refused, not recorded twice.
		const again = await meeting.mediatorHttp.action(`${prepPath(meeting)}?/withdraw`, {
			partyId: offender.id
		});
		expect(again.type).toBe('error');
		expect(
			(
				await server.deps.db
					.select()
					.from(consents)
					.where(and(eq(consents.partyId, offender.id)))
			).every((c) => c.withdrawnAt !== null)
		).toBe(true);
		expect((await actionsOfCase(meeting.caseId)).map((a) => a.action)).toContain(
			'party.withdrawn_from_case'
		);
		// The gate is closed again: consent withdrawn.
		const prep = await meeting.mediatorHttp.page(prepPath(meeting));
		expect(prep.html).toContain('Otto Offender withdrew');
		mediator.close();
	});

	it('from the party’s own link, at any stage; a companion cannot withdraw the person they accompany', async () => {
		const meeting = await jointMeeting(server);
		const { victim, guardian } = meeting.parties;
		const byGuardian = await guardian.http.action(`${guardian.path}?/withdraw`, {});
		expect(byGuardian.type).toBe('error');

		successData(await victim.http.action(`${victim.path}?/withdraw`, {}));
		const [row] = await server.deps.db.select().from(parties).where(eq(parties.id, victim.id));
		expect(row).toMatchObject({ withdrawnVia: 'party' });
		const page = await victim.http.page(victim.path);
		expect(page.html).toContain('data-reason="withdrawn"');
		// Without a live session the mediator cannot start the joint session any more.
		const mediator = await joinAsMediator(server, meeting);
		const refused = await mediator.send({ type: 'startSession' });
		expect((refused as { error: { message: string } }).error.message).toContain(
			'Vera Victim withdrew'
		);
		mediator.close();
	});
});
