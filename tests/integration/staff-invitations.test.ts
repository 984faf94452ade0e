import { and, eq, like, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	auditEvents,
	memberships,
	notifications,
	staffInvitations,
	user
} from '#lib/server/db/schema.ts';
import { addStaff, createProgram, signIn, type StaffLogin } from '../helpers/fixtures.ts';
import { HttpClient, type ActionResult } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * "Add a colleague" across programs: an admin of program A adds the e-mail address of someone
 * who works in program B. Nobody joins a program without their consent, and the admin learns
 * nothing about the address — not that it has an account, not its owner's name.
 */

let server: TestServer;
let a: { id: string; slug: string; name: string };
let b: { id: string };
let aAdmin: HttpClient;

beforeAll(async () => {
	server = await startTestServer();
	const programA = await createProgram(server.deps, { name: 'Lakeside Mediation' });
	const programB = await createProgram(server.deps);
	a = { id: programA.id, slug: programA.slug, name: programA.name };
	b = { id: programB.id };
	aAdmin = await signIn(server.url, await addStaff(server.deps, a.id, 'admin'));
});
afterAll(() => server?.close());

let counter = 0;
/** A staff member of program B, with a name nobody in A should learn. */
const memberOfB = (role: 'admin' | 'coordinator' | 'mediator' = 'mediator') =>
	addStaff(server.deps, b.id, role, `Beatrice Realname ${++counter}`);
const newAddress = () => `newcomer-${++counter}@elsewhere.example`;

const invite = (email: string, role = 'admin') =>
	aAdmin.action(`/staff/${a.slug}/team?/add`, { name: 'Typed By Admin', email, role });

const invitationTo = async (email: string) => {
	const [row] = await server.deps.db
		.select()
		.from(staffInvitations)
		.where(eq(staffInvitations.email, email));
	return row;
};

/** The message inviting `email`, as A's outbox holds it. */
const messageTo = async (email: string) => {
	const [row] = await server.deps.db
		.select()
		.from(notifications)
		.where(
			and(eq(notifications.recipient, email), like(notifications.dedupeKey, 'staff-invite:%'))
		);
	return row;
};

const linkIn = (body: string) => {
	const match = /\/staff-invitation\/[\w-]{43}/.exec(body);
	if (!match) throw new Error(`no link in ${body}`);
	return match[0];
};

const membershipIn = async (programId: string, userId: string) => {
	const [row] = await server.deps.db
		.select()
		.from(memberships)
		.where(and(eq(memberships.programId, programId), eq(memberships.userId, userId)));
	return row;
};

/** Audit entries about one invitation, in order. */
const auditOf = (invitationId: string) =>
	server.deps.db
		.select()
		.from(auditEvents)
		.where(sql`${auditEvents.detail}->>'invitationId' = ${invitationId}`)
		.orderBy(auditEvents.id);

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const TOKEN = /\/staff-invitation\/[\w-]{43}/g;
/** What one path shows, with the address, ids, link tokens and instants written out of it. */
const seen = (value: unknown, email: string) =>
	(typeof value === 'string' ? value : JSON.stringify(value))
		.replaceAll(email, '<address>')
		.replace(UUID, '<id>')
		.replace(TOKEN, '/staff-invitation/<token>')
		.replace(/new Date\(\d+\)/g, 'new Date(<instant>)')
		// Every page carries a fresh Content-Security-Policy nonce.
		.replace(/nonce="[^"]*"/g, 'nonce="<nonce>"');

const pendingRows = (html: string) =>
	html.match(/<tr data-testid="pending-invitation"[\s\S]*?<\/tr>/g);
const rowOf = (html: string, email: string) =>
	pendingRows(html)?.find((row) => row.includes(email));

describe('an admin adding the e-mail address of another program’s staff member', () => {
	let existing: StaffLogin;
	let fresh: string;
	let answers: [ActionResult, ActionResult];

	beforeAll(async () => {
		existing = await memberOfB('admin');
		fresh = newAddress();
		answers = [await invite(existing.email), await invite(fresh)];
	});

	it('gets the same answer as for an address new to Mend, with no name in it', async () => {
		expect(answers[0]).toMatchObject({ type: 'success' });
		expect(seen(answers[0], existing.email)).toBe(seen(answers[1], fresh));
		expect(JSON.stringify(answers[0])).not.toContain(existing.name);
	});

	it('sees the invitation on the team page by the address typed, exactly as a new one, never the name', async () => {
		const team = await aAdmin.page(`/staff/${a.slug}/team`);
		expect(team.status).toBe(200);
		expect(team.html).not.toContain(existing.name);
		expect(team.html).not.toContain('Beatrice');
		const rows = [rowOf(team.html, existing.email), rowOf(team.html, fresh)];
		expect(rows[0]).toBeDefined();
		expect(seen(rows[0], existing.email)).toBe(seen(rows[1], fresh));
	});

	it('puts the same message in the outbox, and the same entries in the audit log', async () => {
		const messages = [await messageTo(existing.email), await messageTo(fresh)];
		const shape = (n: typeof notifications.$inferSelect, email: string) =>
			seen(
				{
					subject: n.subject,
					body: n.body,
					recipient: n.recipient,
					status: n.status,
					userId: n.userId,
					partyId: n.partyId,
					caseId: n.caseId
				},
				email
			);
		expect(shape(messages[0], existing.email)).toBe(shape(messages[1], fresh));
		expect(messages[0].body).not.toContain(existing.name);
		const outbox = await aAdmin.page(`/staff/${a.slug}/outbox`);
		expect(outbox.html).not.toContain(existing.name);

		const entries = async (email: string, notificationId: string) => {
			const invitation = await invitationTo(email);
			const [queued] = await server.deps.db
				.select()
				.from(auditEvents)
				.where(sql`${auditEvents.detail}->>'notificationId' = ${notificationId}`);
			return [...(await auditOf(invitation.id)), queued];
		};
		const logged = [
			await entries(existing.email, messages[0].id),
			await entries(fresh, messages[1].id)
		];
		expect(logged[0].map((e) => e.action)).toEqual(['staff.invited', 'notification.queued']);
		expect(JSON.stringify(logged[0])).not.toContain(existing.userId);
		const shown = (rows: (typeof auditEvents.$inferSelect)[], email: string) =>
			rows.map((e) =>
				seen(
					{ action: e.action, actor: e.actorKind, detail: e.detail, program: e.programId },
					email
				)
			);
		expect(shown(logged[0], existing.email)).toEqual(shown(logged[1], fresh));
	});

	it('does not see the link in the outbox while Mend is about to send the message itself', async () => {
		// The link would tell its holder whether the address has an account (only a new address
		// can make one with it): staff see it only when they must pass the message on themselves.
		const message = await messageTo(existing.email);
		const link = linkIn(message.body);
		expect((await aAdmin.page(`/staff/${a.slug}/outbox`)).html).toContain(link);
		await server.deps.db
			.update(notifications)
			.set({ status: 'queued' })
			.where(eq(notifications.id, message.id));
		try {
			const outbox = await aAdmin.page(`/staff/${a.slug}/outbox`);
			expect(outbox.html).not.toContain(link);
			expect(outbox.html).toContain('/staff-invitation/[…]');
		} finally {
			await server.deps.db
				.update(notifications)
				.set({ status: message.status })
				.where(eq(notifications.id, message.id));
		}
	});

	it('gains nothing: the invited member of B is not in A and opens nothing of it', async () => {
		expect(await membershipIn(a.id, existing.userId)).toBeUndefined();
		const invited = await signIn(server.url, existing);
		expect((await invited.page(`/staff/${a.slug}`)).status).toBe(404);
		expect((await invited.page(`/staff/${a.slug}/team`)).status).toBe(404);
	});

	it('shows the same page to whoever opens the link, whether the address has an account or not', async () => {
		const visitor = new HttpClient(server.url);
		const pages = [
			await visitor.page(linkIn((await messageTo(existing.email)).body)),
			await visitor.page(linkIn((await messageTo(fresh)).body))
		];
		expect(pages.map((p) => p.status)).toEqual([200, 200]);
		expect(pages[0].html).not.toContain(existing.name);
		expect(seen(pages[0].html, existing.email)).toBe(seen(pages[1].html, fresh));
	});
});

describe('the owner of the invited account', () => {
	it('accepts when signed in, and then works in the program with the role', async () => {
		const owner = await memberOfB();
		expect(await invite(owner.email, 'coordinator')).toMatchObject({ type: 'success' });
		const invitation = await invitationTo(owner.email);

		const client = await signIn(server.url, owner);
		// Their only program is B, but an invitation waits: the programs page shows it.
		const home = await client.page('/staff');
		expect(home.status).toBe(200);
		expect(home.html).toContain(a.name);
		const accepted = await client.action('/staff?/accept', { invitationId: invitation.id });
		expect(accepted).toEqual({ type: 'redirect', status: 303, location: `/staff/${a.slug}` });

		expect(await membershipIn(a.id, owner.userId)).toMatchObject({ role: 'coordinator' });
		expect((await client.page(`/staff/${a.slug}`)).status).toBe(200);
		expect((await invitationTo(owner.email)).status).toBe('accepted');
		expect((await auditOf(invitation.id)).map((e) => [e.action, e.programId])).toEqual([
			['staff.invited', a.id],
			['staff.invitation_accepted', a.id]
		]);
		// Now that they chose to join, the team shows them as they are.
		const team = await aAdmin.page(`/staff/${a.slug}/team`);
		expect(team.html).toContain(owner.name);
		expect(rowOf(team.html, owner.email)).toBeUndefined();
		expect((await messageTo(owner.email)).status).toBe('cancelled');
	});

	it('declines, and nothing is left: no membership, no invitation waiting', async () => {
		const owner = await memberOfB();
		await invite(owner.email);
		const invitation = await invitationTo(owner.email);
		const client = await signIn(server.url, owner);
		const declined = await client.action('/staff?/decline', { invitationId: invitation.id });
		expect(declined).toMatchObject({ type: 'success', data: { declined: true } });

		expect(await membershipIn(a.id, owner.userId)).toBeUndefined();
		expect((await client.page(`/staff/${a.slug}`)).status).toBe(404);
		expect((await invitationTo(owner.email)).status).toBe('declined');
		expect(rowOf((await aAdmin.page(`/staff/${a.slug}/team`)).html, owner.email)).toBeUndefined();
		expect((await auditOf(invitation.id)).map((e) => e.action)).toEqual([
			'staff.invited',
			'staff.invitation_declined'
		]);
		// Answered: it cannot be accepted afterwards.
		expect(await client.action('/staff?/accept', { invitationId: invitation.id })).toMatchObject({
			type: 'error',
			status: 404
		});
	});

	it('also answers through the link, once signed in', async () => {
		const owner = await memberOfB();
		await invite(owner.email, 'mediator');
		const link = linkIn((await messageTo(owner.email)).body);
		const client = await signIn(server.url, owner);
		const page = await client.page(link);
		expect(page.html).toContain('Accept');
		expect(await client.action(`${link}?/accept`, {})).toMatchObject({
			type: 'redirect',
			location: `/staff/${a.slug}`
		});
		expect(await membershipIn(a.id, owner.userId)).toMatchObject({ role: 'mediator' });
	});
});

describe('an invitation addressed to one account', () => {
	it('cannot be answered by anyone else, by its id or with its link', async () => {
		const owner = await memberOfB();
		await invite(owner.email);
		const invitation = await invitationTo(owner.email);
		const link = linkIn((await messageTo(owner.email)).body);
		const someoneElse = await signIn(server.url, await memberOfB());
		expect(
			await someoneElse.action('/staff?/accept', { invitationId: invitation.id })
		).toMatchObject({ type: 'error', status: 404 });
		expect(
			await someoneElse.action('/staff?/decline', { invitationId: invitation.id })
		).toMatchObject({ type: 'error', status: 404 });
		expect(await someoneElse.action(`${link}?/accept`, {})).toMatchObject({
			type: 'error',
			status: 404
		});
		// Not even the admin who sent it.
		expect(await aAdmin.action(`${link}?/accept`, {})).toMatchObject({
			type: 'error',
			status: 404
		});
		expect((await invitationTo(owner.email)).status).toBe('pending');
		expect(await membershipIn(a.id, owner.userId)).toBeUndefined();
	});

	it('cannot make a second account for its address: its owner’s password decides', async () => {
		const owner = await memberOfB();
		await invite(owner.email);
		const link = linkIn((await messageTo(owner.email)).body);
		const holder = new HttpClient(server.url);
		const made = await holder.action(`${link}?/create`, {
			name: 'Someone Else',
			password: 'a password of the holder',
			confirmPassword: 'a password of the holder'
		});
		expect(made).toMatchObject({ type: 'failure', status: 409 });
		const accounts = await server.deps.db.select().from(user).where(eq(user.email, owner.email));
		expect(accounts.map((u) => u.name)).toEqual([owner.name]);
		expect(await membershipIn(a.id, owner.userId)).toBeUndefined();
		expect((await invitationTo(owner.email)).status).toBe('pending');
		await signIn(server.url, owner);
	});
});

describe('someone new to Mend', () => {
	it('makes their account with the link, is signed in, and works in the program with the role', async () => {
		const email = newAddress();
		await invite(email, 'mediator');
		const link = linkIn((await messageTo(email)).body);
		const newcomer = new HttpClient(server.url);
		const mismatch = await newcomer.action(`${link}?/create`, {
			name: 'Nia Newcomer',
			password: 'correct horse battery',
			confirmPassword: 'correct horse batterY'
		});
		expect(mismatch).toMatchObject({ type: 'failure', status: 400 });
		const made = await newcomer.action(`${link}?/create`, {
			name: 'Nia Newcomer',
			password: 'correct horse battery',
			confirmPassword: 'correct horse battery'
		});
		expect(made).toEqual({ type: 'redirect', status: 303, location: `/staff/${a.slug}` });
		expect((await newcomer.page(`/staff/${a.slug}`)).status).toBe(200);
		const [account] = await server.deps.db.select().from(user).where(eq(user.email, email));
		expect(account.name).toBe('Nia Newcomer');
		expect(await membershipIn(a.id, account.id)).toMatchObject({ role: 'mediator' });
		await signIn(server.url, {
			userId: account.id,
			name: account.name,
			email,
			password: 'correct horse battery'
		});
		// The link has done its work.
		expect((await new HttpClient(server.url).page(link)).html).toContain('no longer valid');
	});

	it('declines with the link without an account, and nothing is made', async () => {
		const email = newAddress();
		await invite(email);
		const link = linkIn((await messageTo(email)).body);
		const declined = await new HttpClient(server.url).action(`${link}?/decline`, {});
		expect(declined).toMatchObject({ type: 'success', data: { declined: true } });
		expect((await invitationTo(email)).status).toBe('declined');
		expect(await server.deps.db.select().from(user).where(eq(user.email, email))).toEqual([]);
	});
});

describe('a program admin', () => {
	it('is the only one who invites, and cannot invite a member twice or the same address twice', async () => {
		const coordinator = await signIn(server.url, await addStaff(server.deps, a.id, 'coordinator'));
		expect(
			await coordinator.action(`/staff/${a.slug}/team?/add`, {
				name: 'X',
				email: newAddress(),
				role: 'admin'
			})
		).toMatchObject({ type: 'error', status: 403 });
		const member = await addStaff(server.deps, a.id, 'mediator');
		expect(await invite(member.email)).toMatchObject({ type: 'failure', status: 409 });
		const email = newAddress();
		await invite(email);
		expect(await invite(email)).toMatchObject({ type: 'failure', status: 409 });
	});

	it('withdraws an invitation: its link stops working and its message is not sent', async () => {
		const owner = await memberOfB();
		await invite(owner.email);
		const invitation = await invitationTo(owner.email);
		const link = linkIn((await messageTo(owner.email)).body);
		expect(
			await aAdmin.action(`/staff/${a.slug}/team?/revoke`, { invitationId: invitation.id })
		).toMatchObject({ type: 'success' });
		expect((await invitationTo(owner.email)).status).toBe('revoked');
		expect((await messageTo(owner.email)).status).toBe('cancelled');
		expect((await auditOf(invitation.id)).map((e) => e.action)).toEqual([
			'staff.invited',
			'staff.invitation_revoked'
		]);
		const client = await signIn(server.url, owner);
		expect((await client.page(link)).html).toContain('no longer valid');
		expect(await client.action('/staff?/accept', { invitationId: invitation.id })).toMatchObject({
			type: 'error',
			status: 404
		});
		expect(await membershipIn(a.id, owner.userId)).toBeUndefined();
	});

	it('sees an invitation end when it expires: a week later it opens nothing', async () => {
		const owner = await memberOfB();
		await invite(owner.email);
		const invitation = await invitationTo(owner.email);
		server.clock.advance(8 * 24 * 60 * 60_000);
		const client = await signIn(server.url, owner);
		expect(await client.action('/staff?/accept', { invitationId: invitation.id })).toMatchObject({
			type: 'error',
			status: 404
		});
		expect(await membershipIn(a.id, owner.userId)).toBeUndefined();
		expect(rowOf((await aAdmin.page(`/staff/${a.slug}/team`)).html, owner.email)).toBeUndefined();
		// Its message, had it still been waiting for a transport, is not sent any more.
		const message = await messageTo(owner.email);
		await server.deps.db
			.update(notifications)
			.set({ status: 'queued' })
			.where(eq(notifications.id, message.id));
		await server.mend.sweeper.runOnce();
		expect((await messageTo(owner.email)).status).toBe('cancelled');
		// Expired, it may be sent again.
		expect(await invite(owner.email)).toMatchObject({ type: 'success' });
	});
});
