import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, cases, meetings, parties } from '#lib/server/db/schema.ts';
import {
	addStaff,
	createCase,
	createProgram,
	daysFromNow,
	referralFields,
	signIn,
	type StaffLogin
} from '../helpers/fixtures.ts';
import { failureData, type HttpClient } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let slug: string;
let coordinator: HttpClient;
let mediator: StaffLogin;

beforeAll(async () => {
	server = await startTestServer();
	const program = await createProgram(server.deps);
	slug = program.slug;
	coordinator = await signIn(server.url, await addStaff(server.deps, program.id, 'coordinator'));
	mediator = await addStaff(server.deps, program.id, 'mediator', 'Mia Mediator');
});
afterAll(() => server?.close());

const count = async () => (await server.deps.db.select().from(cases)).length;

describe('taking a referral', () => {
	it('saves the case and its people, numbered, with an audit entry written with it', async () => {
		const caseId = await createCase(coordinator, slug);
		const [row] = await server.deps.db.select().from(cases).where(eq(cases.id, caseId));
		expect(row).toMatchObject({
			referralSource: 'probation',
			referralStage: 'diversion',
			offenseCategory: 'property',
			offenderIsJuvenile: true,
			lossesClaimedMinor: 45_000,
			status: 'referred'
		});
		expect(row.reference).toMatch(/^\d{4}-\d{4}$/);
		const people = await server.deps.db.select().from(parties).where(eq(parties.caseId, caseId));
		expect(people.map((p) => p.role).sort()).toEqual(['guardian', 'offender', 'victim']);
		const offender = people.find((p) => p.role === 'offender')!;
		expect(people.find((p) => p.role === 'guardian')?.accompaniesPartyId).toBe(offender.id);
		const audit = await server.deps.db
			.select()
			.from(auditEvents)
			.where(eq(auditEvents.caseId, caseId));
		expect(audit).toHaveLength(1);
		expect(audit[0]).toMatchObject({ action: 'case.created', actorKind: 'staff' });
		// The audit names what happened, not the people's contact details.
		expect(JSON.stringify(audit)).not.toContain('vera@home.example');

		const page = await coordinator.page(`/staff/${slug}/cases/${caseId}`);
		expect(page.html).toContain(row.reference);
		expect(page.html).toContain('Referral taken');
	});

	it('numbers cases one after another within the program', async () => {
		const first = await createCase(coordinator, slug);
		const second = await createCase(coordinator, slug);
		const rows = await server.deps.db.select().from(cases);
		const ref = (id: string) => Number(rows.find((r) => r.id === id)!.reference.split('-')[1]);
		expect(ref(second)).toBe(ref(first) + 1);
	});

	it('answers bad input field by field, keeps what was typed, and saves nothing', async () => {
		const before = await count();
		const result = await coordinator.action(
			`/staff/${slug}/cases/new`,
			referralFields({
				referralSource: 'astrologer',
				description: '',
				lossesClaimed: 'a lot',
				'parties.0.email': 'vera-at-home',
				'parties.2.accompanies': undefined
			})
		);
		expect(result).toMatchObject({ type: 'failure', status: 400 });
		const data = failureData(result);
		expect(data.errors).toMatchObject({
			referralSource: 'Choose one of the options.',
			description: 'Required.',
			lossesClaimed: 'Enter an amount such as 1250 or 1250.50.',
			'parties.0.email': 'Enter an email address such as name@example.org.',
			'parties.2.accompanies': 'Choose the victim or offender this person accompanies.'
		});
		expect(data.values).toMatchObject({ offenseCategory: 'property' });
		expect(await count()).toBe(before);
	});

	it('needs a victim and an offender', async () => {
		const result = await coordinator.action(
			`/staff/${slug}/cases/new`,
			referralFields({
				'parties.1.role': 'victim',
				'parties.2.role': 'support',
				'parties.2.accompanies': '0'
			})
		);
		expect(JSON.stringify(result)).toContain('Add at least one offender.');
	});
});

describe('working a case', () => {
	it('edits the referral and its people; the audit names the fields that changed', async () => {
		const caseId = await createCase(coordinator, slug);
		const people = await server.deps.db.select().from(parties).where(eq(parties.caseId, caseId));
		const id = (role: string) => people.find((p) => p.role === role)!.id;
		const result = await coordinator.action(
			`/staff/${slug}/cases/${caseId}/edit`,
			referralFields({
				offenseCategory: 'violent',
				'parties.0.id': id('victim'),
				'parties.0.displayName': 'Vera V.',
				'parties.1.id': id('offender'),
				'parties.2.id': id('guardian'),
				'parties.3.role': 'support',
				'parties.3.displayName': 'Sam Support',
				'parties.3.accompanies': '0'
			})
		);
		expect(result).toMatchObject({ type: 'redirect' });
		const [row] = await server.deps.db.select().from(cases).where(eq(cases.id, caseId));
		expect(row.offenseCategory).toBe('violent');
		const after = await server.deps.db.select().from(parties).where(eq(parties.caseId, caseId));
		expect(after.map((p) => p.displayName).sort()).toEqual([
			'Gail Guardian',
			'Otto Offender',
			'Sam Support',
			'Vera V.'
		]);
		const [audit] = await server.deps.db
			.select()
			.from(auditEvents)
			.where(eq(auditEvents.action, 'case.updated'));
		expect(audit.detail).toMatchObject({ changed: ['offenseCategory'] });
	});

	it('will not drop someone already invited to a meeting, and changes nothing then', async () => {
		const caseId = await createCase(coordinator, slug);
		const people = await server.deps.db.select().from(parties).where(eq(parties.caseId, caseId));
		const victim = people.find((p) => p.role === 'victim')!;
		const offender = people.find((p) => p.role === 'offender')!;
		const meeting = await coordinator.action(`/staff/${slug}/cases/${caseId}?/createMeeting`, {
			kind: 'preparation',
			partyId: offender.id,
			scheduledAt: daysFromNow(1)
		});
		expect(meeting.type).toBe('success');
		const result = await coordinator.action(`/staff/${slug}/cases/${caseId}/edit`, {
			...referralFields({ description: 'edited' }),
			'parties.0.id': victim.id,
			'parties.1.role': 'offender',
			'parties.1.displayName': 'Someone Else',
			'parties.2.role': undefined,
			'parties.2.displayName': undefined,
			'parties.2.accompanies': undefined
		});
		expect(result).toMatchObject({ type: 'failure', status: 409 });
		const [row] = await server.deps.db.select().from(cases).where(eq(cases.id, caseId));
		expect(row.description).not.toBe('edited');
		expect(
			(await server.deps.db.select().from(parties).where(eq(parties.caseId, caseId))).length
		).toBe(3);
	});

	it('assigns a mediator of the program, and refuses anyone else', async () => {
		const caseId = await createCase(coordinator, slug);
		const refused = await coordinator.action(`/staff/${slug}/cases/${caseId}?/assignMediator`, {
			mediatorUserId: 'not-a-member'
		});
		expect(refused).toMatchObject({ type: 'failure', status: 400 });
		const assigned = await coordinator.action(`/staff/${slug}/cases/${caseId}?/assignMediator`, {
			mediatorUserId: mediator.userId
		});
		expect(assigned.type).toBe('success');
		const page = await coordinator.page(`/staff/${slug}/cases/${caseId}`);
		expect(page.html).toMatch(/data-testid="assigned-mediator"[^>]*>Mia Mediator/);
		const [row] = await server.deps.db.select().from(cases).where(eq(cases.id, caseId));
		expect(row.status).toBe('in_progress');
	});

	it('schedules meetings in the program time zone, in the future only', async () => {
		const caseId = await createCase(coordinator, slug);
		const past = await coordinator.action(`/staff/${slug}/cases/${caseId}?/createMeeting`, {
			kind: 'joint',
			scheduledAt: '2020-01-01T10:00'
		});
		expect(JSON.stringify(past)).toContain('Choose a time in the future.');
		const ok = await coordinator.action(`/staff/${slug}/cases/${caseId}?/createMeeting`, {
			kind: 'joint',
			scheduledAt: '2031-07-01T17:00',
			durationMinutes: 120
		});
		expect(ok.type).toBe('success');
		const [meeting] = await server.deps.db
			.select()
			.from(meetings)
			.where(eq(meetings.caseId, caseId));
		// 17:00 in Chicago in July is 22:00 UTC.
		expect(meeting.scheduledAt.toISOString()).toBe('2031-07-01T22:00:00.000Z');
		expect(meeting.durationMinutes).toBe(120);
	});
});
