import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, invitations, meetings } from '#lib/server/db/schema.ts';
import { HttpClient, successData } from '../helpers/http.ts';
import {
	addStaff,
	createCase,
	createProgram,
	daysFromNow,
	signIn,
	type StaffLogin
} from '../helpers/fixtures.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let coordinator: HttpClient;
let programSlug: string;
let caseId: string;
let meetingId: string;
let partyIds: Record<string, string>;

async function issue(partyName: string, withAccessCode = false) {
	const result = await coordinator.action(
		`/staff/${programSlug}/cases/${caseId}?/issueInvitation`,
		{
			meetingId,
			partyId: partyIds[partyName],
			withAccessCode
		}
	);
	expect(result.type).toBe('success');
	const issued = successData<{ issued: { url: string; accessCode: string | null } }>(result).issued;
	return { path: new URL(issued.url).pathname, accessCode: issued.accessCode, url: issued.url };
}

beforeAll(async () => {
	server = await startTestServer();
	const program = await createProgram(server.deps);
	programSlug = program.slug;
	const login: StaffLogin = await addStaff(server.deps, program.id, 'coordinator');
	coordinator = await signIn(server.url, login);
	caseId = await createCase(coordinator, programSlug);
	const created = await coordinator.action(`/staff/${programSlug}/cases/${caseId}?/createMeeting`, {
		kind: 'joint',
		scheduledAt: daysFromNow(2),
		durationMinutes: 90
	});
	expect(created.type).toBe('success');
	meetingId = successData<{ meetingCreated: string }>(created).meetingCreated;
	const parties = await server.deps.db.query.parties.findMany({
		where: (p, { eq }) => eq(p.caseId, caseId)
	});
	partyIds = Object.fromEntries(parties.map((p) => [p.displayName, p.id]));
});

afterAll(() => server?.close());

describe('an invitation link', () => {
	it('is shown once, and only its hash is stored', async () => {
		const { path, url } = await issue('Vera Victim');
		const token = path.split('/').pop() as string;
		expect(url.startsWith(`${server.deps.publicUrl.href}/join/`)).toBe(true);
		expect(Buffer.from(token, 'base64url').length).toBeGreaterThanOrEqual(16);
		const rows = await server.deps.db.select().from(invitations);
		expect(JSON.stringify(rows)).not.toContain(token);
	});

	it("opens the party's own join page, without an account, showing only what they may see", async () => {
		const { path } = await issue('Otto Offender');
		const offender = new HttpClient(server.url);
		const { status, html } = await offender.page(path);
		expect(status).toBe(200);
		expect(html).toContain('data-testid="join-ready"');
		expect(html).toContain('Welcome, Otto Offender');
		// Their own preparation (consent) is there from the first visit, not only on reload.
		expect(html).toContain('id="consent-heading"');
		// The victim's contact details never reach the offender's browser.
		for (const secret of ['vera@home.example', '+1 555 0199', '1 Secret Street'])
			expect(html).not.toContain(secret);
		// Nor does the case's description, which is for staff.
		expect(html).not.toContain('Window broken');
	});

	it('can be reopened: the browser goes straight back in, and so does the link in a new browser', async () => {
		const { path } = await issue('Gail Guardian');
		const browser = new HttpClient(server.url);
		await browser.page(path);
		expect([...browser.cookies.keys()].some((n) => n.startsWith('mend_party_'))).toBe(true);
		const again = await browser.page(path);
		expect(again.html).toContain('Welcome, Gail Guardian');
		const otherDevice = await new HttpClient(server.url).page(path);
		expect(otherDevice.html).toContain('Welcome, Gail Guardian');
	});

	it('stops working at once when revoked, with a page that says so and whom to contact', async () => {
		const { path } = await issue('Vera Victim');
		const victim = new HttpClient(server.url);
		expect((await victim.page(path)).html).toContain('join-ready');
		const [row] = await server.deps.db
			.select()
			.from(invitations)
			.where(eq(invitations.partyId, partyIds['Vera Victim']))
			.orderBy(invitations.createdAt);
		const active = (await server.deps.db.select().from(invitations)).filter(
			(i) => i.partyId === partyIds['Vera Victim'] && !i.revokedAt
		);
		expect(active).toHaveLength(1);
		expect(row).toBeDefined();
		const revoked = await coordinator.action(
			`/staff/${programSlug}/cases/${caseId}?/revokeInvitation`,
			{
				invitationId: active[0].id
			}
		);
		expect(revoked.type).toBe('success');
		const { html } = await victim.page(path);
		expect(html).toContain('data-reason="revoked"');
		expect(html).toContain('This link has been turned off');
		expect(html).toContain(`office@${programSlug}.example`);
		expect(html).not.toContain('join-ready');
	});

	it('is replaced by a reissued one: the old link says it was replaced', async () => {
		const first = await issue('Otto Offender');
		const second = await issue('Otto Offender');
		expect((await new HttpClient(server.url).page(first.path)).html).toContain(
			'data-reason="reissued"'
		);
		expect((await new HttpClient(server.url).page(second.path)).html).toContain('join-ready');
	});

	it('with an access code asks for it, counts wrong codes in the database and locks', async () => {
		const { path, accessCode } = await issue('Vera Victim', true);
		expect(accessCode).toMatch(/^\d{6}$/);
		const victim = new HttpClient(server.url);
		expect((await victim.page(path)).html).toContain('join-code');

		const wrong = accessCode === '000000' ? '111111' : '000000';
		for (let attempt = 1; attempt <= 4; attempt++) {
			const result = await victim.action(`${path}?/enterCode`, { code: wrong });
			expect(result).toMatchObject({ type: 'failure', status: 400 });
			expect(JSON.stringify(result)).toContain(`${5 - attempt} attempts left`);
		}
		const fifth = await victim.action(`${path}?/enterCode`, { code: wrong });
		expect(fifth).toMatchObject({ type: 'failure', status: 429 });
		// Locked: even the right code is refused now, and the page says when to try again.
		const right = await victim.action(`${path}?/enterCode`, { code: accessCode as string });
		expect(right).toMatchObject({ type: 'failure', status: 429 });
		expect((await victim.page(path)).html).toContain('Too many wrong codes');

		const audit = await server.deps.db
			.select({ action: auditEvents.action })
			.from(auditEvents)
			.where(eq(auditEvents.caseId, caseId));
		expect(audit.map((a) => a.action)).toContain('invitation.access_code_locked');

		server.clock.advance(16 * 60_000);
		const afterLock = await victim.action(`${path}?/enterCode`, { code: accessCode as string });
		expect(afterLock).toMatchObject({ type: 'redirect', location: path });
		expect((await victim.page(path)).html).toContain('Welcome, Vera Victim');
	});

	it('refuses a malformed code with a field message and counts nothing', async () => {
		const { path } = await issue('Gail Guardian', true);
		const browser = new HttpClient(server.url);
		const result = await browser.action(`${path}?/enterCode`, { code: '12ab' });
		expect(result).toMatchObject({ type: 'failure', status: 400 });
		expect(JSON.stringify(result)).toContain('The code is 6 digits');
		const [row] = (await server.deps.db.select().from(invitations)).filter(
			(i) => i.partyId === partyIds['Gail Guardian'] && !i.revokedAt
		);
		expect(row.failedCodeAttempts).toBe(0);
	});

	it('says when the meeting has ended, or the link has expired', async () => {
		const { path } = await issue('Otto Offender');
		await server.deps.db
			.update(meetings)
			.set({ status: 'ended' })
			.where(eq(meetings.id, meetingId));
		expect((await new HttpClient(server.url).page(path)).html).toContain(
			'data-reason="meeting_ended"'
		);
		await server.deps.db
			.update(meetings)
			.set({ status: 'scheduled' })
			.where(eq(meetings.id, meetingId));
		server.clock.advance(10 * 24 * 60 * 60_000);
		expect((await new HttpClient(server.url).page(path)).html).toContain('data-reason="expired"');
	});

	it('that does not exist gets a clear page, not an error', async () => {
		for (const path of ['/join/short', `/join/${'A'.repeat(43)}`]) {
			const { status, html } = await new HttpClient(server.url).page(path);
			expect(status).toBe(200);
			expect(html).toContain('join-not-found');
		}
	});
});
