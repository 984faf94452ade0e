import { createHmac } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	agreements,
	auditEvents,
	cases,
	followUps,
	meetings,
	parties,
	planItems,
	planRecords,
	screenings
} from '#lib/server/db/schema.ts';
import { OUTCOME_CSV_COLUMNS } from '#lib/server/outcomes/export-outcomes.ts';
import {
	addStaff,
	createCase,
	createProgram,
	referralFields,
	signIn
} from '../helpers/fixtures.ts';
import { HttpClient } from '../helpers/http.ts';
import { startTestServer, TEST_AUTH_SECRET, type TestServer } from '../helpers/server.ts';

/**
 * The outcomes page and its export: figures of the program's own cases only, for admins and
 * coordinators only, and an export that names nobody.
 */

let server: TestServer;
let aSlug: string;
let bSlug: string;
let aProgramId: string;
let aCoordinator: HttpClient;
let aAdmin: HttpClient;
let aMediator: HttpClient;
let bCoordinator: HttpClient;
const aCaseIds: string[] = [];
const bCaseIds: string[] = [];

/** Everything identifying that went into program A: none of it may leave in the export. */
const SECRETS = [
	'Zebulon',
	'Quixwhistle',
	'zebulon.q@victim-mail.example',
	'+1 555 0142',
	'Ottoline',
	'Brambleford',
	'ottoline@offender-mail.example',
	'+1 555 0177',
	'Gwendolyn',
	'Marchbanks',
	'42 Hidden Lane',
	'Zither stolen from the barn',
	'Second zither case',
	'SECRET-SURVEY-COMMENT',
	'SECRET-PLAN-NOTE',
	'SECRET-SAFETY-NOTE',
	'SECRET-PLAN-DESCRIPTION'
];

function distinctiveFields(n: number, source: string) {
	return referralFields({
		referralSource: source,
		description: n === 0 ? 'Zither stolen from the barn' : 'Second zither case',
		'parties.0.displayName': `Zebulon Quixwhistle ${n}`,
		'parties.0.email':
			n === 0 ? 'zebulon.q@victim-mail.example' : `zebulon${n}@victim-mail.example`,
		'parties.0.phone': `+1 555 0142 ${n}`,
		'parties.0.address': '42 Hidden Lane, Brambleford',
		'parties.1.displayName': `Ottoline Brambleford ${n}`,
		'parties.1.email': 'ottoline@offender-mail.example',
		'parties.1.phone': `+1 555 0177 ${n}`,
		'parties.2.displayName': `Gwendolyn Marchbanks ${n}`
	});
}

const at = (daysAgo: number) => new Date(Date.now() - daysAgo * 24 * 60 * 60_000);
const day = (daysAgo: number) => at(daysAgo).toISOString().slice(0, 10);

/** A held joint meeting, a signed agreement, a part-paid plan, surveys and a look-up. */
async function seedCasework(caseId: string) {
	const db = server.deps.db;
	const roster = await db.select().from(parties).where(eq(parties.caseId, caseId));
	const victim = roster.find((p) => p.role === 'victim')!;
	const offender = roster.find((p) => p.role === 'offender')!;
	const [meeting] = await db
		.insert(meetings)
		.values({
			caseId,
			kind: 'joint',
			scheduledAt: at(40),
			durationMinutes: 90,
			status: 'ended',
			endedAt: at(40)
		})
		.returning();
	const [agreement] = await db
		.insert(agreements)
		.values({ caseId, meetingId: meeting.id, version: 1, status: 'executed', executedAt: at(40) })
		.returning();
	const [item] = await db
		.insert(planItems)
		.values({
			caseId,
			agreementId: agreement.id,
			kind: 'payment',
			responsiblePartyId: offender.id,
			description: 'SECRET-PLAN-DESCRIPTION',
			dueDate: day(10),
			amountMinor: 100_00
		})
		.returning();
	await db.insert(planRecords).values({
		planItemId: item.id,
		caseId,
		kind: 'payment',
		amountMinor: 40_00,
		occurredOn: day(20),
		note: 'SECRET-PLAN-NOTE'
	});
	await db.insert(screenings).values([
		{
			partyId: offender.id,
			caseId,
			readiness: 'ready',
			safetyConcerns: 'some',
			safetyNotes: 'SECRET-SAFETY-NOTE',
			powerImbalance: 'none',
			motivation: 4,
			outcome: 'suitable'
		}
	]);
	await db.insert(followUps).values([
		{
			caseId,
			partyId: victim.id,
			kind: 'survey',
			dueOn: day(25),
			doneAt: at(25),
			result: {
				kind: 'survey',
				satisfaction: 4,
				fairness: 5,
				lessFear: 'yes',
				wouldRecommend: true,
				comment: 'SECRET-SURVEY-COMMENT'
			}
		},
		{
			caseId,
			partyId: offender.id,
			kind: 'survey',
			dueOn: day(25),
			doneAt: at(25),
			result: { kind: 'survey', satisfaction: 3, fairness: 4 }
		}
	]);
}

beforeAll(async () => {
	server = await startTestServer();
	const programA = await createProgram(server.deps);
	const programB = await createProgram(server.deps);
	aSlug = programA.slug;
	bSlug = programB.slug;
	aProgramId = programA.id;
	aCoordinator = await signIn(server.url, await addStaff(server.deps, programA.id, 'coordinator'));
	aAdmin = await signIn(server.url, await addStaff(server.deps, programA.id, 'admin'));
	aMediator = await signIn(server.url, await addStaff(server.deps, programA.id, 'mediator'));
	bCoordinator = await signIn(server.url, await addStaff(server.deps, programB.id, 'coordinator'));

	for (const [n, source] of ['judge', 'police', 'judge'].entries())
		aCaseIds.push(await createCase(aCoordinator, aSlug, distinctiveFields(n, source)));
	await seedCasework(aCaseIds[0]!);
	// Program B's referrals all come from defense attorneys: none may show in A's figures.
	for (let n = 0; n < 2; n++)
		bCaseIds.push(
			await createCase(bCoordinator, bSlug, referralFields({ referralSource: 'defense' }))
		);
});

afterAll(() => server?.close());

const expectedHeader = [...OUTCOME_CSV_COLUMNS, 'reoffended_6m', 'reoffended_30m'].join(',');
const keyOf = (caseId: string) =>
	createHmac('sha256', TEST_AUTH_SECRET)
		.update(`mend.outcomes.case:${caseId}`)
		.digest('hex')
		.slice(0, 16);

async function exportCsv(client: HttpClient, slug: string, query = '') {
	const response = await client.fetch(`/staff/${slug}/outcomes/export.csv${query}`);
	return { response, text: await response.text() };
}

describe('the de-identified export', () => {
	it('is a CSV attachment, one row per case, with the documented header', async () => {
		const { response, text } = await exportCsv(aCoordinator, aSlug);
		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
		expect(response.headers.get('content-disposition')).toMatch(
			new RegExp(`^attachment; filename="outcomes-${aSlug}-\\d{4}-\\d{2}-\\d{2}\\.csv"$`)
		);
		expect(text.endsWith('\r\n')).toBe(true);
		const lines = text.slice(0, -2).split('\r\n');
		expect(lines[0]).toBe(expectedHeader);
		expect(lines).toHaveLength(1 + aCaseIds.length);

		const rows = lines.slice(1).map((line) => line.split(','));
		const keys = rows.map((row) => row[0]);
		expect(keys.slice().sort()).toEqual(aCaseIds.map(keyOf).sort());
		const column = (name: string) => expectedHeader.split(',').indexOf(name);
		const seeded = rows.find((row) => row[0] === keyOf(aCaseIds[0]!))!;
		// Three cases: fewer than five share anything a reader could know of them.
		for (const name of [
			'referral_source',
			'referral_stage',
			'offense_category',
			'juvenile',
			'referral_period'
		])
			expect(rows.map((row) => row[column(name)])).toEqual(['withheld', 'withheld', 'withheld']);
		expect(seeded[column('reached_joint_meeting')]).toBe('yes');
		expect(seeded[column('agreement_signed')]).toBe('yes');
		expect(seeded[column('amount_agreed')]).toBe('100.00');
		expect(seeded[column('amount_paid')]).toBe('40.00');
		expect(seeded[column('plan_items_due')]).toBe('1');
		expect(seeded[column('plan_items_due_completed')]).toBe('0');
		expect(seeded[column('offender_motivation')]).toBe('4');
		expect(seeded[column('victim_satisfaction')]).toBe('4');
		expect(seeded[column('victim_less_fear')]).toBe('yes');
		expect(seeded[column('offender_fairness')]).toBe('4');
		const other = rows.find((row) => row[0] === keyOf(aCaseIds[1]!))!;
		expect(other[column('reached_joint_meeting')]).toBe('no');
		expect(other[column('victim_satisfaction')]).toBe('');
	});

	it('names nobody: no names, contact details, free text, references or ids', async () => {
		const { text } = await exportCsv(aCoordinator, aSlug);
		const ids = await server.deps.db
			.select({ id: parties.id })
			.from(parties)
			.innerJoin(cases, eq(cases.id, parties.caseId))
			.where(eq(cases.programId, aProgramId));
		const references = await server.deps.db
			.select({ reference: cases.reference })
			.from(cases)
			.where(eq(cases.programId, aProgramId));
		const forbidden = [
			...SECRETS,
			...aCaseIds,
			...ids.map((row) => row.id),
			...references.map((row) => row.reference),
			'@'
		];
		for (const secret of forbidden) expect(text, secret).not.toContain(secret);
		// Nor the phone numbers' digits, however they would be written.
		for (const field of text.split(/[,\r\n]/))
			expect(field.replace(/\D/g, '')).not.toMatch(/5550142|5550177/);
	});

	it('gives the same keys on every export, and records each export in the audit log', async () => {
		const first = await exportCsv(aCoordinator, aSlug);
		const second = await exportCsv(aAdmin, aSlug);
		expect(second.text).toBe(first.text);
		const events = await server.deps.db
			.select()
			.from(auditEvents)
			.where(
				and(eq(auditEvents.programId, aProgramId), eq(auditEvents.action, 'outcomes.exported'))
			);
		expect(events.length).toBeGreaterThanOrEqual(2);
		expect(events.at(-1)).toMatchObject({
			actorKind: 'staff',
			caseId: null,
			detail: { from: null, to: null, rows: 3, period: 'month', withheld: 3 }
		});
	});

	it('takes the date filter, and refuses a date that is not one', async () => {
		const future = await exportCsv(aCoordinator, aSlug, '?from=2999-01-01');
		expect(future.response.status).toBe(200);
		expect(future.text).toBe(`${expectedHeader}\r\n`);
		// Every case was referred today: from long ago they are all in, up to long ago none is.
		const all = await exportCsv(aCoordinator, aSlug);
		const since = await exportCsv(aCoordinator, aSlug, '?from=2000-01-01');
		expect(since.text).toBe(all.text);
		expect(since.text.trim().split('\r\n')).toHaveLength(1 + aCaseIds.length);
		const until = await exportCsv(aCoordinator, aSlug, '?to=2000-01-01');
		expect(until.text).toBe(`${expectedHeader}\r\n`);
		const bad = await exportCsv(aCoordinator, aSlug, '?from=not-a-date');
		expect(bad.response.status).toBe(400);
	});

	it("is refused to a mediator, to another program's staff and to nobody signed in", async () => {
		expect((await exportCsv(aMediator, aSlug)).response.status).toBe(403);
		const other = await exportCsv(bCoordinator, aSlug);
		expect(other.response.status).toBe(404);
		for (const key of aCaseIds.map(keyOf)) expect(other.text).not.toContain(key);
		const anonymous = await server.deps.db.$count(auditEvents);
		const response = await new HttpClient(server.url).fetch(`/staff/${aSlug}/outcomes/export.csv`);
		expect(response.status).toBe(303);
		expect(response.headers.get('location')).toMatch(/^\/login/);
		expect(await server.deps.db.$count(auditEvents)).toBe(anonymous);
	});

	it("gives another program's coordinator their own cases only", async () => {
		const { response, text } = await exportCsv(bCoordinator, bSlug);
		expect(response.status).toBe(200);
		const lines = text.slice(0, -2).split('\r\n');
		expect(lines).toHaveLength(1 + bCaseIds.length);
		expect(
			lines
				.slice(1)
				.map((line) => line.split(',')[0])
				.sort()
		).toEqual(bCaseIds.map(keyOf).sort());
		expect(lines.slice(1).every((line) => line.split(',')[1] === 'withheld')).toBe(true);
	});

	it('releases what at least five cases share, and hides a lone case among five withheld', async () => {
		const program = await createProgram(server.deps);
		const coordinator = await signIn(
			server.url,
			await addStaff(server.deps, program.id, 'coordinator')
		);
		const sources = [...Array(6).fill('judge'), ...Array(5).fill('police'), 'defense'];
		const ids: string[] = [];
		for (const source of sources)
			ids.push(
				await createCase(coordinator, program.slug, referralFields({ referralSource: source }))
			);
		const { text } = await exportCsv(coordinator, program.slug);
		const [header, ...lines] = text.slice(0, -2).split('\r\n');
		const column = (name: string) => header!.split(',').indexOf(name);
		const byKey = new Map(lines.map((line) => [line.split(',')[0], line.split(',')]));
		const month = new Date().toISOString().slice(0, 7);
		// The six judge referrals are alike: released, to the month.
		for (const id of ids.slice(0, 6))
			expect(byKey.get(keyOf(id))).toMatchObject({
				[column('referral_source')]: 'judge',
				[column('referral_stage')]: 'diversion',
				[column('offense_category')]: 'property',
				[column('juvenile')]: 'yes',
				[column('referral_period')]: month
			});
		// The lone defense referral would be one of one: withheld, with the smallest whole group.
		for (const id of ids.slice(6))
			expect(byKey.get(keyOf(id))![column('referral_source')], id).toBe('withheld');
		expect(text).not.toContain('defense');
		expect(text).not.toContain('police');
	});
});

describe('the outcomes page', () => {
	it("shows the program's own referrals only, as charts with a text summary and tables", async () => {
		const { status, html } = await aCoordinator.page(`/staff/${aSlug}/outcomes`);
		expect(status).toBe(200);
		expect(html).toContain('role="img"');
		// Two judge and one police referral in A; B's defense referrals are not counted.
		expect(html).toContain('aria-label="Referrals by source: Judge, 2; Probation officer, 0;');
		expect(html).toContain('Defense attorney, 0; Police, 1; Other, 0"');
		expect(html).toContain('Show as table');
		// One of three cases reached a joint meeting, which ended signed.
		expect(html).toContain('1 of 3');
		expect(html).toContain('Victims: satisfaction, 4 of 5 (n = 1)');
		for (const secret of SECRETS) expect(html).not.toContain(secret);
	});

	it('filters by referral date with a plain GET form', async () => {
		const { status, html } = await aCoordinator.page(
			`/staff/${aSlug}/outcomes?from=2999-01-01&to=2999-12-31`
		);
		expect(status).toBe(200);
		expect(html).toContain('method="GET"');
		expect(html).toContain('value="2999-01-01"');
		expect(html).toContain('aria-label="Referrals by source: Judge, 0;');
		expect(html).toContain(
			`/staff/${aSlug}/outcomes/export.csv?from=2999-01-01&amp;to=2999-12-31"`
		);
	});

	it('is open to admins and coordinators, linked in their menu; a mediator is refused', async () => {
		expect((await aAdmin.page(`/staff/${aSlug}/outcomes`)).status).toBe(200);
		const home = await aCoordinator.page(`/staff/${aSlug}`);
		// Links are relative (../staff/…): the menu has one to the page.
		expect(home.html).toContain(`/staff/${aSlug}/outcomes"`);
		expect((await aMediator.page(`/staff/${aSlug}/outcomes`)).status).toBe(403);
		const mediatorHome = await aMediator.page(`/staff/${aSlug}`);
		expect(mediatorHome.html).not.toContain(`/staff/${aSlug}/outcomes`);
	});

	it("is not found for another program's staff", async () => {
		const { status, html } = await bCoordinator.page(`/staff/${aSlug}/outcomes`);
		expect(status).toBe(404);
		expect(html).not.toContain('Judge, 2');
		const own = await bCoordinator.page(`/staff/${bSlug}/outcomes`);
		expect(own.html).toContain('Defense attorney, 2');
		expect(own.html).toContain('Judge, 0');
	});
});
