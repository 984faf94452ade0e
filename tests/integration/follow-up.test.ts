import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '#lib/cases/plan-status.ts';
import {
	agreements,
	auditEvents,
	notifications,
	cases,
	followUps,
	meetings,
	parties,
	planItems,
	planRecords
} from '#lib/server/db/schema.ts';
import { dateIn } from '#lib/time.ts';
import { addStaff, createCase, createProgram, daysFromNow, signIn } from '../helpers/fixtures.ts';
import { HttpClient, failureData, successData } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * After the agreement: recording payments, hours and letters against the plan, follow-up
 * check-ins, surveys answered through their own link, reoffending look-ups, and closing.
 *
 * The executed agreement and its plan are written straight into the database (a joint
 * meeting marked ended, an executed agreement row, its plan items) instead of driving a live
 * session to signing: agreement-workflow.test.ts covers that; here what follows is tested,
 * and everything that follows goes through the real pages and form actions.
 */

let server: TestServer;
let slug: string;
let bSlug: string;
let coordinator: HttpClient;
let bCoordinator: HttpClient;
let caseId: string;
let bCaseId: string;
let today: string;
let item: { payment: string; service: string; letter: string };
let people: { victim: string; offender: string; guardian: string };

const page = () => `/staff/${slug}/cases/${caseId}/follow-up`;
const act = (action: string) => `${page()}?/${action}`;
const recordCount = async () =>
	(await server.deps.db.select().from(planRecords).where(eq(planRecords.caseId, caseId))).length;

/** The plan item's row on the page: its status attribute and its text. */
async function itemRow(id: string): Promise<{ status: string; text: string }> {
	const { status, html } = await coordinator.page(page());
	expect(status).toBe(200);
	const match = html.match(
		new RegExp(`<tr[^>]*data-item="${id}"[^>]*data-status="(\\w+)"[^>]*>([\\s\\S]*?)</tr>`)
	);
	expect(match, 'plan item row').toBeTruthy();
	return { status: match![1], text: match![2].replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ') };
}

/** A case of `programSlug` whose joint meeting ended yesterday, with an executed agreement. */
async function caseWithPlan(client: HttpClient, programSlug: string) {
	const id = await createCase(client, programSlug);
	const { meetingCreated } = successData<{ meetingCreated: string }>(
		await client.action(`/staff/${programSlug}/cases/${id}?/createMeeting`, {
			kind: 'joint',
			scheduledAt: daysFromNow(1)
		})
	);
	const { db } = server.deps;
	const yesterday = new Date(server.clock.now().getTime() - 24 * 60 * 60_000);
	await db
		.update(meetings)
		.set({ status: 'ended', endedAt: yesterday })
		.where(eq(meetings.id, meetingCreated));
	const [agreement] = await db
		.insert(agreements)
		.values({
			caseId: id,
			meetingId: meetingCreated,
			version: 1,
			status: 'executed',
			canonical: '{}',
			hash: 'a'.repeat(64),
			frozenAt: yesterday,
			executedAt: yesterday
		})
		.returning();
	const rows = await db.select().from(parties).where(eq(parties.caseId, id));
	const offender = rows.find((p) => p.role === 'offender')!.id;
	const base = { caseId: id, agreementId: agreement.id, responsiblePartyId: offender };
	const inserted = await db
		.insert(planItems)
		.values([
			{ ...base, kind: 'payment', description: 'Window repair', amountMinor: 100_00 },
			{ ...base, kind: 'service', description: 'Community garden', hours: 10 },
			{ ...base, kind: 'apology_letter', description: 'A letter', responsiblePartyId: offender }
		])
		.returning();
	return { id, rows, inserted };
}

beforeAll(async () => {
	server = await startTestServer();
	const program = await createProgram(server.deps);
	const programB = await createProgram(server.deps);
	slug = program.slug;
	bSlug = programB.slug;
	coordinator = await signIn(server.url, await addStaff(server.deps, program.id, 'coordinator'));
	bCoordinator = await signIn(server.url, await addStaff(server.deps, programB.id, 'coordinator'));
	today = dateIn(server.clock.now(), program.timeZone);

	const built = await caseWithPlan(coordinator, slug);
	caseId = built.id;
	// Due dates relative to today: the payment is due in 5 days, the hours in two months.
	const [payment, service, letter] = built.inserted;
	await server.deps.db
		.update(planItems)
		.set({ dueDate: addDays(today, 5) })
		.where(eq(planItems.id, payment.id));
	await server.deps.db
		.update(planItems)
		.set({ dueDate: addDays(today, 60) })
		.where(eq(planItems.id, service.id));
	item = { payment: payment.id, service: service.id, letter: letter.id };
	const role = (r: string) => built.rows.find((p) => p.role === r)!.id;
	people = { victim: role('victim'), offender: role('offender'), guardian: role('guardian') };
	bCaseId = (await caseWithPlan(bCoordinator, bSlug)).id;
});
afterAll(() => server?.close());

describe('restitution', () => {
	it('shows the plan: each item with its status, and a link to it from the case page', async () => {
		const casePage = await coordinator.page(`/staff/${slug}/cases/${caseId}`);
		expect(casePage.html).toContain(`/staff/${slug}/cases/${caseId}/follow-up`);
		expect((await itemRow(item.payment)).status).toBe('due');
		expect((await itemRow(item.service)).status).toBe('upcoming');
		expect((await itemRow(item.letter)).status).toBe('open');
	});

	it('records two payments: partly paid, then completed; each audited', async () => {
		const first = await coordinator.action(act('record'), {
			planItemId: item.payment,
			kind: 'payment',
			amount: '40.00',
			occurredOn: today,
			note: 'Cash at the office'
		});
		expect(first.type, JSON.stringify(first)).toBe('success');
		let row = await itemRow(item.payment);
		expect(row.status).toBe('due');
		expect(row.text).toContain('$40.00');
		expect(row.text).toContain('$60.00');

		const second = await coordinator.action(act('record'), {
			planItemId: item.payment,
			kind: 'payment',
			amount: '60',
			occurredOn: addDays(today, -1)
		});
		expect(second.type).toBe('success');
		row = await itemRow(item.payment);
		expect(row.status).toBe('completed');
		expect(row.text).toContain('$100.00');

		const { html } = await coordinator.page(page());
		expect(html).toMatch(/data-testid="plan-paid"[^>]*>\s*\$100\.00 of \$100\.00/);
		const audit = await server.deps.db
			.select()
			.from(auditEvents)
			.where(and(eq(auditEvents.caseId, caseId), eq(auditEvents.action, 'plan.recorded')));
		expect(audit.map((a) => a.detail.amountMinor).sort()).toEqual([40_00, 60_00]);
		expect(JSON.stringify(audit)).not.toContain('Cash at the office');
	});

	it('records hours and the letter; a record made by mistake is removed, audited', async () => {
		const hours = await coordinator.action(act('record'), {
			planItemId: item.service,
			kind: 'hours',
			hours: '2.5',
			occurredOn: today
		});
		expect(hours.type).toBe('success');
		expect((await itemRow(item.service)).text).toContain('7.5');

		const letter = await coordinator.action(act('record'), {
			planItemId: item.letter,
			kind: 'done',
			occurredOn: today
		});
		expect(letter.type).toBe('success');
		expect((await itemRow(item.letter)).status).toBe('completed');

		const { recorded } = successData<{ recorded: string }>(letter);
		const before = await recordCount();
		expect((await coordinator.action(act('removeRecord'), { recordId: recorded })).type).toBe(
			'success'
		);
		expect(await recordCount()).toBe(before - 1);
		expect((await itemRow(item.letter)).status).toBe('open');
		const [removed] = await server.deps.db
			.select()
			.from(auditEvents)
			.where(and(eq(auditEvents.caseId, caseId), eq(auditEvents.action, 'plan.record_removed')));
		expect(removed.detail).toMatchObject({ recordId: recorded, kind: 'done' });
	});

	it('refuses bad amounts, hours, dates and kinds, and records nothing', async () => {
		const before = await recordCount();
		const attempts: [Record<string, string>, string][] = [
			[{ planItemId: item.service, kind: 'payment', amount: '0' }, 'amount'],
			[{ planItemId: item.service, kind: 'payment', amount: '-5' }, 'amount'],
			[{ planItemId: item.service, kind: 'payment', amount: 'lots' }, 'amount'],
			[{ planItemId: item.service, kind: 'payment', amount: '1.234' }, 'amount'],
			[{ planItemId: item.service, kind: 'hours', hours: '0.1' }, 'hours'],
			[{ planItemId: item.service, kind: 'hours', hours: '1001' }, 'hours'],
			[{ planItemId: item.service, kind: 'payment', amount: '10' }, 'kind'],
			[
				{ planItemId: item.service, kind: 'hours', hours: '1', occurredOn: addDays(today, 2) },
				'occurredOn'
			],
			[
				{ planItemId: item.service, kind: 'hours', hours: '1', occurredOn: '10/03/2027' },
				'occurredOn'
			]
		];
		for (const [fields, field] of attempts) {
			const result = await coordinator.action(act('record'), { occurredOn: today, ...fields });
			expect(result.status, JSON.stringify(fields)).toBe(400);
			expect(failureData(result).errors, JSON.stringify(fields)).toHaveProperty(field);
		}
		expect(await recordCount()).toBe(before);
	});

	it("is refused on another program's case, and another program's staff cannot see this one", async () => {
		const before = await recordCount();
		const fields = { planItemId: item.payment, kind: 'payment', amount: '5', occurredOn: today };
		for (const url of [
			`/staff/${bSlug}/cases/${caseId}/follow-up?/record`,
			`/staff/${slug}/cases/${caseId}/follow-up?/record`,
			// Through B's own case: A's plan item is not found there.
			`/staff/${bSlug}/cases/${bCaseId}/follow-up?/record`
		]) {
			const result = await bCoordinator.action(url, fields);
			expect(result, url).toMatchObject({ type: 'error', status: 404 });
		}
		expect((await bCoordinator.page(page())).status).toBe(404);
		expect((await bCoordinator.page(`/staff/${bSlug}/cases/${caseId}/follow-up`)).status).toBe(404);
		expect(await recordCount()).toBe(before);
	});
});

describe('follow-up', () => {
	const rowsOf = async () =>
		server.deps.db.select().from(followUps).where(eq(followUps.caseId, caseId));

	it('schedules check-ins, surveys and reoffending look-ups once, from the joint meeting', async () => {
		await coordinator.page(page());
		await coordinator.page(page());
		const rows = await rowsOf();
		const yesterday = addDays(today, -1);
		const of = (kind: string) => rows.filter((r) => r.kind === kind);
		// Program defaults: check-ins at 14 and 90 days, reoffending at 6 and 30 months.
		expect(
			of('check_in')
				.map((r) => `${r.partyId}@${r.dueOn}`)
				.sort()
		).toEqual(
			[people.victim, people.offender]
				.flatMap((p) => [`${p}@${addDays(yesterday, 14)}`, `${p}@${addDays(yesterday, 90)}`])
				.sort()
		);
		expect(
			of('survey')
				.map((r) => r.partyId)
				.sort()
		).toEqual([people.victim, people.offender, people.guardian].sort());
		expect(of('survey').every((r) => r.dueOn === yesterday && r.tokenHash === null)).toBe(true);
		expect(of('reoffending')).toHaveLength(2);
		expect(of('reoffending').every((r) => r.partyId === people.offender)).toBe(true);
	});

	it('a survey link, answered once, works; the second time is refused; bad answers change nothing', async () => {
		const openLink = (url: string) => new HttpClient(server.url).page(new URL(url).pathname);
		const survey = (await rowsOf()).find(
			(r) => r.kind === 'survey' && r.partyId === people.victim
		)!;
		const makeLink = async () =>
			successData<{ surveyLink: { url: string; sent: string } }>(
				await coordinator.action(act('surveyLink'), { followUpId: survey.id })
			);
		// A lost link is made again: the first one stops working and its message is not sent.
		const first = await makeLink();
		const made = await makeLink();
		expect(made.surveyLink.url).not.toBe(first.surveyLink.url);
		expect((await openLink(first.surveyLink.url)).html).toContain('data-testid="survey-not-found"');
		const path = new URL(made.surveyLink.url).pathname;
		// The link goes to the victim through the outbox (kept there: no mail service in tests).
		expect(made.surveyLink.sent).toBe('outbox_only');
		const messages = await server.deps.db
			.select()
			.from(notifications)
			.where(eq(notifications.partyId, people.victim));
		const carrying = (url: string) => messages.find((n) => n.body.includes(url));
		expect(carrying(first.surveyLink.url)?.status).toBe('cancelled');
		expect(carrying(made.surveyLink.url)?.status).toBe('outbox_only');
		expect(path).toMatch(/^\/survey\/[A-Za-z0-9_-]{43}$/);
		const [stored] = await server.deps.db
			.select()
			.from(followUps)
			.where(eq(followUps.id, survey.id));
		expect(stored.tokenHash).toMatch(/^[0-9a-f]{64}$/);
		expect(made.surveyLink.url).not.toContain(stored.tokenHash);

		const party = new HttpClient(server.url);
		const open = await party.page(path);
		expect(open.status).toBe(200);
		expect(open.html).toContain('data-testid="survey-open"');
		expect(open.html).not.toContain('Vera Victim');

		// The victim is asked about fear of being harmed again: leaving it out is refused.
		const bad = await party.action(path, {
			satisfaction: '7',
			fairness: '4',
			wouldRecommend: 'yes'
		});
		expect(bad.status).toBe(400);
		expect(Object.keys(failureData(bad).errors).sort()).toEqual(['lessFear', 'satisfaction']);
		const [untouched] = await server.deps.db
			.select()
			.from(followUps)
			.where(eq(followUps.id, survey.id));
		expect(untouched.doneAt).toBeNull();

		const answers = {
			satisfaction: '5',
			fairness: '4',
			lessFear: 'yes',
			wouldRecommend: 'yes',
			comment: 'It helped.'
		};
		expect((await party.action(path, answers)).type).toBe('success');
		const [answered] = await server.deps.db
			.select()
			.from(followUps)
			.where(eq(followUps.id, survey.id));
		expect(answered.result).toEqual({
			kind: 'survey',
			satisfaction: 5,
			fairness: 4,
			lessFear: 'yes',
			wouldRecommend: true,
			comment: 'It helped.'
		});
		expect((await party.page(path)).html).toContain('data-testid="survey-answered"');

		const again = await party.action(path, { ...answers, satisfaction: '1' });
		expect(again).toMatchObject({ type: 'error', status: 409 });
		const [still] = await server.deps.db
			.select()
			.from(followUps)
			.where(eq(followUps.id, survey.id));
		expect(still.result).toMatchObject({ satisfaction: 5 });
		// An answered survey has no new link to make.
		expect((await coordinator.action(act('surveyLink'), { followUpId: survey.id })).status).toBe(
			409
		);
		const [audit] = await server.deps.db
			.select()
			.from(auditEvents)
			.where(and(eq(auditEvents.caseId, caseId), eq(auditEvents.action, 'survey.answered')));
		expect(audit).toMatchObject({ actorKind: 'party', actorId: people.victim });
		expect(JSON.stringify(audit.detail)).not.toContain('helped');
	});

	it('says clearly when a survey link does not work', async () => {
		const anyone = new HttpClient(server.url);
		for (const path of ['/survey/nonsense', `/survey/${'A'.repeat(43)}`]) {
			const { status, html } = await anyone.page(path);
			expect(status).toBe(200);
			expect(html).toContain('data-testid="survey-not-found"');
		}
		const answer = await anyone.action(`/survey/${'A'.repeat(43)}`, {
			satisfaction: '5',
			fairness: '5',
			wouldRecommend: 'yes'
		});
		expect(answer.status).toBe(404);
	});

	it('records a check-in and a reoffending look-up (where it is known from, when they did)', async () => {
		const rows = await rowsOf();
		const checkIn = rows.find((r) => r.kind === 'check_in' && r.partyId === people.victim)!;
		expect(
			(
				await coordinator.action(act('checkIn'), {
					followUpId: checkIn.id,
					reached: 'yes',
					note: 'Doing well'
				})
			).type
		).toBe('success');
		const [saved] = await server.deps.db
			.select()
			.from(followUps)
			.where(eq(followUps.id, checkIn.id));
		expect(saved?.doneAt).not.toBeNull();
		expect(saved?.result).toMatchObject({ kind: 'check_in', reached: true });

		const lookUp = rows.find((r) => r.kind === 'reoffending')!;
		const noSource = await coordinator.action(act('reoffending'), {
			followUpId: lookUp.id,
			reoffended: 'yes'
		});
		expect(failureData(noSource).errors).toHaveProperty('source');
		// A check-in's id is not a reoffending look-up.
		expect(
			(await coordinator.action(act('reoffending'), { followUpId: checkIn.id, reoffended: 'no' }))
				.status
		).toBe(404);
		const ok = await coordinator.action(act('reoffending'), {
			followUpId: lookUp.id,
			reoffended: 'yes',
			source: 'reconviction'
		});
		expect(ok.type).toBe('success');
		const [stored] = await server.deps.db
			.select()
			.from(followUps)
			.where(eq(followUps.id, lookUp.id));
		expect(stored.result).toEqual({
			kind: 'reoffending',
			reoffended: true,
			source: 'reconviction'
		});
		expect(stored.doneAt).not.toBeNull();
		const { html } = await coordinator.page(page());
		expect(html).toMatch(/data-testid="reoffending-result"[^>]*>\s*Reoffended \(Reconviction\)/);
	});
});

describe('closing the case', () => {
	it('closes with an outcome and reason; the case page shows it; the plan is then final', async () => {
		const noReason = await coordinator.action(act('close'), { closure: 'completed' });
		expect(failureData(noReason).errors).toHaveProperty('reason');
		const closed = await coordinator.action(act('close'), {
			closure: 'partially_completed',
			reason: 'Paid in full; hours not finished.'
		});
		expect(closed.type).toBe('success');
		const [row] = await server.deps.db.select().from(cases).where(eq(cases.id, caseId));
		expect(row).toMatchObject({ status: 'closed', closure: 'partially_completed' });
		expect(row.closedAt).not.toBeNull();

		const casePage = await coordinator.page(`/staff/${slug}/cases/${caseId}`);
		expect(casePage.html).toMatch(
			/data-testid="case-closure"[^>]*>\s*Closed as Partially completed/
		);
		expect(casePage.html).toContain('Case closed');

		const before = await recordCount();
		const late = await coordinator.action(act('record'), {
			planItemId: item.service,
			kind: 'hours',
			hours: '1',
			occurredOn: today
		});
		expect(late).toMatchObject({ type: 'error', status: 409 });
		expect(await recordCount()).toBe(before);
		expect(
			await coordinator.action(act('close'), { closure: 'completed', reason: 'Again' })
		).toMatchObject({ type: 'error', status: 409 });
	});
});
