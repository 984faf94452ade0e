import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	cases,
	consents,
	invitations,
	meetings,
	notifications,
	parties,
	programs,
	screenings,
	staffInvitations,
	victimChoices,
	planItems,
	planRecords,
	followUps
} from '#lib/server/db/schema.ts';
import { ensureAgreementForMeeting } from '#lib/server/agreements/ensure-agreement.ts';
import {
	addStaff,
	createCase,
	createProgram,
	daysFromNow,
	referralFields,
	signIn
} from '../helpers/fixtures.ts';
import { HttpClient, successData } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * Programs never see each other's data, and a mediator sees only their own cases — through
 * every page and every form action, not just the ones the UI links to.
 */

let server: TestServer;
let a: {
	slug: string;
	caseId: string;
	meetingId: string;
	invitationId: string;
	partyId: string;
	/** An invitation to its staff, waiting for an answer. */
	staffInvitationId: string;
	/** Its follow-up: a plan item with a payment recorded, and a check-in due. */
	planItemId: string;
	recordId: string;
	followUpId: string;
};
let bSlug: string;
let bCoordinator: HttpClient;
let bAdmin: HttpClient;
let aCoordinator: HttpClient;
let aOtherMediator: HttpClient;
let aMediator: HttpClient;

beforeAll(async () => {
	server = await startTestServer();
	const programA = await createProgram(server.deps);
	const programB = await createProgram(server.deps);
	bSlug = programB.slug;
	aCoordinator = await signIn(server.url, await addStaff(server.deps, programA.id, 'coordinator'));
	const mediator = await addStaff(server.deps, programA.id, 'mediator');
	aMediator = await signIn(server.url, mediator);
	aOtherMediator = await signIn(server.url, await addStaff(server.deps, programA.id, 'mediator'));
	bCoordinator = await signIn(server.url, await addStaff(server.deps, programB.id, 'coordinator'));
	bAdmin = await signIn(server.url, await addStaff(server.deps, programB.id, 'admin'));
	const aAdmin = await signIn(server.url, await addStaff(server.deps, programA.id, 'admin'));
	expect(
		await aAdmin.action(`/staff/${programA.slug}/team?/add`, {
			name: 'Nia Newcomer',
			email: 'nia@newcomer.example',
			role: 'mediator'
		})
	).toMatchObject({ type: 'success' });
	const [staffInvitation] = await server.deps.db.select().from(staffInvitations);

	const caseId = await createCase(aCoordinator, programA.slug);
	expect(
		await aCoordinator.action(`/staff/${programA.slug}/cases/${caseId}?/assignMediator`, {
			mediatorUserId: mediator.userId
		})
	).toMatchObject({ type: 'success' });
	const meeting = await aCoordinator.action(
		`/staff/${programA.slug}/cases/${caseId}?/createMeeting`,
		{
			kind: 'joint',
			scheduledAt: daysFromNow(3)
		}
	);
	const meetingId = successData<{ meetingCreated: string }>(meeting).meetingCreated;
	const [party] = await server.deps.db.query.parties.findMany({
		where: (p, { eq }) => eq(p.caseId, caseId)
	});
	await aCoordinator.action(`/staff/${programA.slug}/cases/${caseId}?/issueInvitation`, {
		meetingId,
		partyId: party.id
	});
	const [invitation] = await server.deps.db
		.select()
		.from(invitations)
		.where(eq(invitations.meetingId, meetingId));
	// Follow-up rows as an executed agreement leaves them (the plan's own path is tested in
	// follow-up.test.ts): what B aims its follow-up actions at.
	const agreement = await ensureAgreementForMeeting(
		server.deps.db,
		{ meetingId, caseId, programId: programA.id },
		null
	);
	const [item] = await server.deps.db
		.insert(planItems)
		.values({
			caseId,
			agreementId: agreement.id,
			kind: 'payment',
			description: 'Pays for the window',
			dueDate: '2030-01-01',
			amountMinor: 300_00
		})
		.returning();
	const [record] = await server.deps.db
		.insert(planRecords)
		.values({
			planItemId: item!.id,
			caseId,
			kind: 'payment',
			amountMinor: 100_00,
			occurredOn: '2026-01-02'
		})
		.returning();
	const [followUp] = await server.deps.db
		.insert(followUps)
		.values({ caseId, partyId: party.id, kind: 'check_in', dueOn: '2030-01-01' })
		.returning();
	a = {
		slug: programA.slug,
		caseId,
		meetingId,
		invitationId: invitation.id,
		staffInvitationId: staffInvitation.id,
		partyId: party.id,
		planItemId: item!.id,
		recordId: record!.id,
		followUpId: followUp!.id
	};
	// Program B has a case of its own, so that its pages exist and render for B's staff.
	await createCase(bCoordinator, bSlug);
});

afterAll(() => server?.close());

/** Every form action under /staff/[program]; a new one must be added to the attempts below. */
function staffActions(): string[] {
	const root = path.resolve('src/routes/staff/[program]');
	const found: string[] = [];
	const walk = (dir: string) => {
		for (const entry of readdirSync(dir, { withFileTypes: true })) {
			const full = path.join(dir, entry.name);
			if (entry.isDirectory()) walk(full);
			else if (entry.name === '+page.server.ts') {
				const source = readFileSync(full, 'utf8');
				const block = source.slice(source.indexOf('export const actions'));
				const route = path.relative(root, dir) || '.';
				for (const match of block.matchAll(/^\t(\w+): async/gm)) found.push(`${route}#${match[1]}`);
			}
		}
	};
	walk(root);
	return found.sort();
}

/** A message of the first program's outbox, as it was before the other program tried anything. */
let noticeBefore: typeof notifications.$inferSelect | undefined;

async function expectUnchanged() {
	if (noticeBefore) {
		const [now] = await server.deps.db
			.select()
			.from(notifications)
			.where(eq(notifications.id, noticeBefore.id));
		expect({ status: now?.status, attempts: now?.attempts }).toEqual({
			status: noticeBefore.status,
			attempts: noticeBefore.attempts
		});
	}
	const [staffInvitation] = await server.deps.db
		.select()
		.from(staffInvitations)
		.where(eq(staffInvitations.id, a.staffInvitationId));
	expect(staffInvitation.status).toBe('pending');
	const [row] = await server.deps.db.select().from(cases).where(eq(cases.id, a.caseId));
	expect(row.description).toBe('Window broken, phone taken from the car.');
	expect(row.closedAt).toBeNull();
	expect(row.gateOverriddenAt).toBeNull();
	const [party] = await server.deps.db.select().from(parties).where(eq(parties.id, a.partyId));
	expect(party.withdrawnAt).toBeNull();
	expect(await server.deps.db.select().from(screenings)).toEqual([]);
	expect(await server.deps.db.select().from(consents)).toEqual([]);
	expect(await server.deps.db.select().from(victimChoices)).toEqual([]);
	const [program] = await server.deps.db.select().from(programs).where(eq(programs.slug, a.slug));
	expect(program.readinessGate).toBe('strict');
	const [meeting] = await server.deps.db
		.select()
		.from(meetings)
		.where(eq(meetings.id, a.meetingId));
	expect(meeting.status).toBe('scheduled');
	const [invitation] = await server.deps.db
		.select()
		.from(invitations)
		.where(eq(invitations.id, a.invitationId));
	expect(invitation.revokedAt).toBeNull();
	const records = await server.deps.db
		.select()
		.from(planRecords)
		.where(eq(planRecords.caseId, a.caseId));
	expect(records.map((r) => [r.id, r.amountMinor])).toEqual([[a.recordId, 100_00]]);
	const [followUp] = await server.deps.db
		.select()
		.from(followUps)
		.where(eq(followUps.id, a.followUpId));
	expect({
		doneAt: followUp!.doneAt,
		result: followUp!.result,
		token: followUp!.tokenHash
	}).toEqual({
		doneAt: null,
		result: null,
		token: null
	});
}

describe("another program's coordinator", () => {
	it("gets 404 for every page of the first program's case, under either program's address", async () => {
		const pages = [
			`/staff/${a.slug}`,
			`/staff/${a.slug}/team`,
			`/staff/${a.slug}/cases/new`,
			`/staff/${a.slug}/cases/${a.caseId}`,
			`/staff/${a.slug}/cases/${a.caseId}/edit`,
			`/staff/${a.slug}/cases/${a.caseId}/follow-up`,
			`/staff/${bSlug}/cases/${a.caseId}`,
			`/staff/${bSlug}/cases/${a.caseId}/follow-up`,
			`/staff/${bSlug}/cases/${a.caseId}/edit`,
			`/staff/${a.slug}/cases/${a.caseId}/preparation`,
			`/staff/${bSlug}/cases/${a.caseId}/preparation`,
			`/staff/${a.slug}/settings`
		];
		for (const page of pages) {
			const { status, html } = await bCoordinator.page(page);
			expect(status, page).toBe(404);
			expect(html, page).not.toContain('Otto Offender');
		}
		const list = await bCoordinator.page(`/staff/${bSlug}`);
		expect(list.status).toBe(200);
		expect(list.html).not.toContain(a.caseId);
	});

	it("is refused every form action on the first program's case, meeting and invitation, and nothing changes", async () => {
		// The invitation issued in program A queued a message in A's outbox.
		const [notice] = await server.deps.db.select().from(notifications).limit(1);
		noticeBefore = notice;
		expect(notice).toBeDefined();
		const attempts: Record<string, [string, Record<string, string | boolean | undefined>]> = {
			'cases/[caseId]#assignMediator': [
				`/staff/${bSlug}/cases/${a.caseId}?/assignMediator`,
				{ mediatorUserId: 'x' }
			],
			'cases/[caseId]#createMeeting': [
				`/staff/${bSlug}/cases/${a.caseId}?/createMeeting`,
				{ kind: 'joint', scheduledAt: daysFromNow(4) }
			],
			'cases/[caseId]#cancelMeeting': [
				`/staff/${bSlug}/cases/${a.caseId}?/cancelMeeting`,
				{ meetingId: a.meetingId }
			],
			'cases/[caseId]#issueInvitation': [
				`/staff/${bSlug}/cases/${a.caseId}?/issueInvitation`,
				{ meetingId: a.meetingId, partyId: a.partyId }
			],
			'cases/[caseId]#revokeInvitation': [
				`/staff/${bSlug}/cases/${a.caseId}?/revokeInvitation`,
				{ invitationId: a.invitationId }
			],
			'cases/[caseId]/follow-up#record': [
				`/staff/${bSlug}/cases/${a.caseId}/follow-up?/record`,
				{ planItemId: a.planItemId, kind: 'payment', amount: '50.00', occurredOn: '2026-01-03' }
			],
			'cases/[caseId]/follow-up#removeRecord': [
				`/staff/${bSlug}/cases/${a.caseId}/follow-up?/removeRecord`,
				{ recordId: a.recordId }
			],
			'cases/[caseId]/follow-up#checkIn': [
				`/staff/${bSlug}/cases/${a.caseId}/follow-up?/checkIn`,
				{ followUpId: a.followUpId, reached: 'yes' }
			],
			'cases/[caseId]/follow-up#reoffending': [
				`/staff/${bSlug}/cases/${a.caseId}/follow-up?/reoffending`,
				{ followUpId: a.followUpId, reoffended: 'no' }
			],
			'cases/[caseId]/follow-up#surveyLink': [
				`/staff/${bSlug}/cases/${a.caseId}/follow-up?/surveyLink`,
				{ followUpId: a.followUpId }
			],
			'cases/[caseId]/follow-up#close': [
				`/staff/${bSlug}/cases/${a.caseId}/follow-up?/close`,
				{ closure: 'completed', reason: 'closed by B' }
			],
			'cases/[caseId]/edit#default': [
				`/staff/${bSlug}/cases/${a.caseId}/edit`,
				referralFields({ description: 'changed by B' })
			],
			'cases/new#default': [`/staff/${a.slug}/cases/new`, referralFields()],
			'cases/[caseId]/preparation#screening': [
				`/staff/${bSlug}/cases/${a.caseId}/preparation?/screening`,
				{
					partyId: a.partyId,
					readiness: 'ready',
					safetyConcerns: 'none',
					powerImbalance: 'none',
					outcome: 'suitable'
				}
			],
			'cases/[caseId]/preparation#consent': [
				`/staff/${bSlug}/cases/${a.caseId}/preparation?/consent`,
				{ partyId: a.partyId, textVersion: 'en-2026-11', confirmShown: 'true' }
			],
			'cases/[caseId]/preparation#withdraw': [
				`/staff/${bSlug}/cases/${a.caseId}/preparation?/withdraw`,
				{ partyId: a.partyId }
			],
			'cases/[caseId]/preparation#held': [
				`/staff/${bSlug}/cases/${a.caseId}/preparation?/held`,
				{ meetingId: a.meetingId, mode: 'in_person' }
			],
			'cases/[caseId]/preparation#choices': [
				`/staff/${bSlug}/cases/${a.caseId}/preparation?/choices`,
				{ partyId: a.partyId, firstSpeaker: 'offender' }
			],
			'cases/[caseId]/preparation#proposeTimes': [
				`/staff/${bSlug}/cases/${a.caseId}/preparation?/proposeTimes`,
				{ partyId: a.partyId, 'times.0': '2030-01-01T10:00' }
			],
			'cases/[caseId]/preparation#override': [
				`/staff/${bSlug}/cases/${a.caseId}/preparation?/override`,
				{ reason: 'overridden by another program' }
			],
			'settings#default': [`/staff/${a.slug}/settings`, { readinessGate: 'overridable' }],
			'outbox#cancel': [`/staff/${bSlug}/outbox?/cancel`, { notificationId: notice.id }],
			'outbox#retry': [`/staff/${bSlug}/outbox?/retry`, { notificationId: notice.id }],
			'team#add': [
				`/staff/${a.slug}/team?/add`,
				{ name: 'Mallory', email: 'm@x.example', role: 'admin' }
			],
			'team#revoke': [`/staff/${a.slug}/team?/revoke`, { invitationId: a.staffInvitationId }]
		};
		// Every action of the staff area is attempted here; a new one fails this line until added.
		expect(Object.keys(attempts).sort()).toEqual(staffActions());

		for (const [name, [url, fields]] of Object.entries(attempts)) {
			const result = await bCoordinator.action(url, fields);
			expect(result.type, name).toBe('error');
			expect(result.status, name).toBe(404);
		}
		// Through B's own case page too: ids of A's meeting and invitation do not work there.
		const bCase = (await server.deps.db.select().from(cases)).find((c) => c.id !== a.caseId)!;
		for (const [action, fields] of [
			['cancelMeeting', { meetingId: a.meetingId }],
			['issueInvitation', { meetingId: a.meetingId, partyId: a.partyId }],
			['revokeInvitation', { invitationId: a.invitationId }]
		] as const) {
			const result = await bCoordinator.action(
				`/staff/${bSlug}/cases/${bCase.id}?/${action}`,
				fields
			);
			expect(result.status, action).toBe(404);
		}
		// B's admin, through B's own team page: A's invitation is not B's to withdraw.
		const revoke = await bAdmin.action(`/staff/${bSlug}/team?/revoke`, {
			invitationId: a.staffInvitationId
		});
		expect(revoke).toMatchObject({ type: 'error', status: 404 });
		// And through B's own case's follow-up: ids of A's plan item, record and follow-up.
		for (const [action, fields] of [
			[
				'record',
				{ planItemId: a.planItemId, kind: 'payment', amount: '50.00', occurredOn: '2026-01-03' }
			],
			['removeRecord', { recordId: a.recordId }],
			['checkIn', { followUpId: a.followUpId, reached: 'yes' }],
			['reoffending', { followUpId: a.followUpId, reoffended: 'no' }],
			['surveyLink', { followUpId: a.followUpId }]
		] as const) {
			const result = await bCoordinator.action(
				`/staff/${bSlug}/cases/${bCase.id}/follow-up?/${action}`,
				fields
			);
			expect(result.type, action).toBe('error');
			expect([404, 400], action).toContain(result.status);
		}
		await expectUnchanged();
	});
});

describe('a mediator', () => {
	it('sees the cases assigned to them and not the others', async () => {
		const own = await aMediator.page(`/staff/${a.slug}`);
		expect(own.html).toContain(`/cases/${a.caseId}`);
		const other = await aOtherMediator.page(`/staff/${a.slug}`);
		expect(other.status).toBe(200);
		expect(other.html).not.toContain(a.caseId);
		expect((await aOtherMediator.page(`/staff/${a.slug}/cases/${a.caseId}`)).status).toBe(404);
	});

	it('cannot act on a case not assigned to them', async () => {
		for (const [action, fields] of [
			['createMeeting', { kind: 'joint', scheduledAt: daysFromNow(5) }],
			['cancelMeeting', { meetingId: a.meetingId }],
			['issueInvitation', { meetingId: a.meetingId, partyId: a.partyId }],
			['revokeInvitation', { invitationId: a.invitationId }]
		] as const) {
			const result = await aOtherMediator.action(
				`/staff/${a.slug}/cases/${a.caseId}?/${action}`,
				fields
			);
			expect(result.status, action).toBe(404);
		}
		await expectUnchanged();
	});

	it('can schedule and invite on their own case, but not edit the referral or reassign it', async () => {
		const meeting = await aMediator.action(`/staff/${a.slug}/cases/${a.caseId}?/createMeeting`, {
			kind: 'preparation',
			partyId: a.partyId,
			scheduledAt: daysFromNow(1)
		});
		expect(meeting.type).toBe('success');
		const edit = await aMediator.action(
			`/staff/${a.slug}/cases/${a.caseId}/edit`,
			referralFields({ description: 'changed by mediator' })
		);
		expect(edit).toMatchObject({ type: 'error', status: 403 });
		const assign = await aMediator.action(`/staff/${a.slug}/cases/${a.caseId}?/assignMediator`, {
			mediatorUserId: 'anyone'
		});
		expect(assign).toMatchObject({ type: 'error', status: 403 });
		expect((await aMediator.page(`/staff/${a.slug}/team`)).status).toBe(403);
		await expectUnchanged();
	});
});

describe('someone not signed in', () => {
	it('is sent to sign in from any staff page, and refused any staff action', async () => {
		const anonymous = new HttpClient(server.url);
		const page = await anonymous.page(`/staff/${a.slug}/cases/${a.caseId}`);
		expect(page.status).toBe(303);
		expect(page.location).toContain('/login?next=');
		const result = await anonymous.action(`/staff/${a.slug}/cases/${a.caseId}?/revokeInvitation`, {
			invitationId: a.invitationId
		});
		expect(result.type).toBe('redirect');
		await expectUnchanged();
	});
});
