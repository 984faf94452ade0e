import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents } from '#lib/server/db/schema.ts';
import { addStaff, createProgram, signIn, type StaffLogin } from '../helpers/fixtures.ts';
import { HttpClient, successData } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { totpFromUri } from '../helpers/totp.ts';

let server: TestServer;
let programId: string;
let slug: string;

beforeAll(async () => {
	server = await startTestServer();
	const program = await createProgram(server.deps);
	programId = program.id;
	slug = program.slug;
});
afterAll(() => server?.close());

const auditActions = async () =>
	(await server.deps.db.select({ action: auditEvents.action }).from(auditEvents)).map(
		(a) => a.action
	);

describe('staff sign-in', () => {
	it('with the right password opens the program; with a wrong one says so and opens nothing', async () => {
		const login = await addStaff(server.deps, programId, 'coordinator');
		const stranger = new HttpClient(server.url);
		const wrong = await stranger.action('/login?/signIn', { email: login.email, password: 'nope' });
		expect(wrong).toMatchObject({ type: 'failure', status: 400 });
		expect(JSON.stringify(wrong)).toContain('do not match an account');
		expect(JSON.stringify(wrong)).not.toContain('nope');
		expect((await stranger.page(`/staff/${slug}`)).status).toBe(303);
		expect(await auditActions()).toContain('staff.sign_in_failed');

		const client = await signIn(server.url, login);
		const page = await client.page(`/staff/${slug}`);
		expect(page.status).toBe(200);
		expect(page.html).toContain(login.name);
	});

	it('slows down guessing: the eleventh wrong password for one account is refused unchecked', async () => {
		const login = await addStaff(server.deps, programId, 'mediator');
		const guesser = new HttpClient(server.url);
		for (let i = 0; i < 10; i++)
			await guesser.action('/login?/signIn', { email: login.email, password: `guess${i}` });
		const blocked = await guesser.action('/login?/signIn', {
			email: login.email,
			password: login.password
		});
		expect(blocked).toMatchObject({ type: 'failure', status: 429 });
		expect(JSON.stringify(blocked)).toContain('Too many attempts');
	});

	it('signs out: the session cookie stops opening staff pages', async () => {
		const client = await signIn(server.url, await addStaff(server.deps, programId, 'admin'));
		const sessionCookie = client.cookieHeader;
		expect((await client.action('/logout', {})).type).toBe('redirect');
		expect((await client.page(`/staff/${slug}`)).status).toBe(303);
		const replay = new HttpClient(server.url);
		for (const part of sessionCookie.split('; ')) {
			const [name, value] = part.split('=');
			replay.cookies.set(name, value);
		}
		expect((await replay.page(`/staff/${slug}`)).status).toBe(303);
	});

	it('has no public sign-up or other auth endpoint to attack', async () => {
		const anyone = new HttpClient(server.url);
		const response = await anyone.fetch('/api/auth/sign-up/email', {
			method: 'POST',
			headers: { 'content-type': 'application/json', origin: server.url },
			body: JSON.stringify({ email: 'x@x.example', password: 'abcdefghijkl', name: 'X' })
		});
		expect(response.status).toBe(404);
	});
});

describe('the page after signing in', () => {
	it('is a page of this site even when next= names another one a browser would follow (/%09/evil.example): a redirect, not a 500', async () => {
		const login = await addStaff(server.deps, programId, 'mediator');
		const hostile = ['/%09/evil.example', '/%0D%0A/evil.example', '/.//evil.example', '%2F%5Cevil'];
		for (const next of hostile) {
			const client = new HttpClient(server.url);
			const signedIn = await client.action(`/login?/signIn&next=${next}`, {
				email: login.email,
				password: login.password
			});
			expect(signedIn, next).toEqual({ type: 'redirect', status: 303, location: '/staff' });
			// Signed in already: the page itself sends them on.
			const page = await client.page(`/login?next=${next}`);
			expect(page.status, next).toBe(303);
			expect(page.location, next).toBe('/staff');
		}
		const client = await signIn(server.url, login);
		const page = await client.page(`/login?next=${encodeURIComponent(`/staff/${slug}`)}`);
		expect(page.location).toBe(`/staff/${slug}`);
	});
});

describe('two-step verification (TOTP)', () => {
	let login: StaffLogin;
	let uri: string;

	it('is set up with a code from an authenticator app and then asked at every sign-in', async () => {
		login = await addStaff(server.deps, programId, 'coordinator');
		const client = await signIn(server.url, login);

		const wrongPassword = await client.action('/staff/account?/startTwoFactor', { password: 'x' });
		expect(wrongPassword).toMatchObject({ type: 'failure', status: 400 });

		const started = await client.action('/staff/account?/startTwoFactor', {
			password: login.password
		});
		expect(started.type).toBe('success');
		uri = successData<{ setup: { totpURI: string } }>(started).setup.totpURI;
		expect(uri).toMatch(/^otpauth:\/\/totp\//);
		// Not in force until a code proves the app has it.
		expect((await client.page('/staff/account')).html).not.toContain('two-factor-on');

		const confirmed = await client.action('/staff/account?/confirmTwoFactor', {
			code: totpFromUri(uri)
		});
		expect(confirmed.type).toBe('success');
		expect((await client.page('/staff/account')).html).toContain('two-factor-on');
		expect(await auditActions()).toContain('staff.two_factor_enabled');
	});

	it('a password alone then no longer opens a session; the current code does', async () => {
		const client = new HttpClient(server.url);
		const first = await client.action('/login?/signIn', {
			email: login.email,
			password: login.password
		});
		expect(first).toMatchObject({ type: 'success', data: { step: 'two_factor' } });
		expect((await client.page(`/staff/${slug}`)).status).toBe(303);

		const wrong = await client.action('/login?/verifyCode', { code: '000000' });
		expect(wrong).toMatchObject({ type: 'failure' });

		const right = await client.action('/login?/verifyCode', { code: totpFromUri(uri) });
		expect(right).toMatchObject({ type: 'redirect' });
		expect((await client.page(`/staff/${slug}`)).status).toBe(200);

		const [row] = await server.deps.db
			.select()
			.from(auditEvents)
			.where(eq(auditEvents.action, 'staff.signed_in'))
			.orderBy(auditEvents.id);
		expect(row).toBeDefined();
	});
});

describe('changing a password', () => {
	it('replaces a temporary password, checks the current one, and ends other sessions', async () => {
		const login = await addStaff(server.deps, programId, 'mediator');
		const laptop = await signIn(server.url, login);
		const phone = await signIn(server.url, login);

		const mismatch = await laptop.action('/staff/account?/changePassword', {
			currentPassword: login.password,
			newPassword: 'correct horse battery',
			confirmPassword: 'correct horse batterY'
		});
		expect(JSON.stringify(mismatch)).toContain('The two new passwords are not the same.');
		const wrongCurrent = await laptop.action('/staff/account?/changePassword', {
			currentPassword: 'not it',
			newPassword: 'correct horse battery',
			confirmPassword: 'correct horse battery'
		});
		expect(wrongCurrent).toMatchObject({ type: 'failure', status: 400 });

		const changed = await laptop.action('/staff/account?/changePassword', {
			currentPassword: login.password,
			newPassword: 'correct horse battery',
			confirmPassword: 'correct horse battery'
		});
		expect(changed.type).toBe('success');
		expect((await laptop.page(`/staff/${slug}`)).status).toBe(200);
		expect((await phone.page(`/staff/${slug}`)).status).toBe(303);
		const old = await new HttpClient(server.url).action('/login?/signIn', {
			email: login.email,
			password: login.password
		});
		expect(old.type).toBe('failure');
		await signIn(server.url, { ...login, password: 'correct horse battery' });
	});
});
