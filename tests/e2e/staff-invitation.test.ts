import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifications } from '#lib/server/db/schema.ts';
import { expectAccessible } from '../helpers/accessibility.ts';
import { chromiumPath, launchChromium, pageWithCookies } from '../helpers/browser.ts';
import { addStaff, createProgram, signIn, type StaffLogin } from '../helpers/fixtures.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * In a browser: an admin invites two colleagues — one new to Mend, one who works in another
 * program — and each joins their own way, on pages that work before their scripts and pass axe.
 */

let server: TestServer;
let browser: Browser;
let admin: Page;
let slug: string;
let elsewhere: StaffLogin;

beforeAll(async () => {
	if (!chromiumPath) return;
	server = await startTestServer();
	const program = await createProgram(server.deps, { name: 'Lakeside Dialogue Program' });
	const other = await createProgram(server.deps, { name: 'Hillside Program' });
	slug = program.slug;
	elsewhere = await addStaff(server.deps, other.id, 'mediator', 'Elsa Elsewhere');
	browser = await launchChromium();
	const signedIn = await signIn(server.url, await addStaff(server.deps, program.id, 'admin'));
	admin = await pageWithCookies(browser, server.url, signedIn.cookies);
});

afterAll(async () => {
	await browser?.close();
	await server?.close();
});

const invite = async (name: string, email: string, role: string) => {
	await admin.getByLabel('Name').fill(name);
	await admin.getByLabel('Email').fill(email);
	await admin.getByLabel('Role').selectOption(role);
	await admin.getByRole('button', { name: 'Send the invitation' }).click();
	await admin.getByText(`An invitation was sent to ${email}.`).waitFor();
};

const linkTo = async (email: string) => {
	const [message] = await server.deps.db
		.select()
		.from(notifications)
		.where(eq(notifications.recipient, email));
	return /\/staff-invitation\/[\w-]{43}/.exec(message.body)![0];
};

describe.skipIf(!chromiumPath)('inviting colleagues', () => {
	it('an admin sends two invitations, listed by the addresses typed', async () => {
		await admin.goto(`/staff/${slug}/team`);
		await invite('Nia Newcomer', 'nia@newcomer.example', 'mediator');
		await invite('Typed Name', elsewhere.email, 'coordinator');
		const pending = admin.getByTestId('pending-invitation');
		await expect(pending.count()).resolves.toBe(2);
		expect(await admin.getByText('Elsa Elsewhere').count()).toBe(0);
		await expectAccessible(admin, 'the team page with invitations waiting');
	});

	it('someone new opens the link, makes their account and lands in the program', async () => {
		const newcomer = await (await browser.newContext({ baseURL: server.url })).newPage();
		await newcomer.goto(await linkTo('nia@newcomer.example'));
		await newcomer
			.getByRole('heading', { name: 'Join Lakeside Dialogue Program on Mend' })
			.waitFor();
		await expectAccessible(newcomer, 'the invitation page');
		expect(await newcomer.getByLabel('Name').inputValue()).toBe('Nia Newcomer');
		await newcomer.getByLabel('Password', { exact: true }).fill('correct horse battery');
		await newcomer.getByLabel('Password, again').fill('correct horse battery');
		await newcomer.getByRole('button', { name: 'Create my account and join' }).click();
		await newcomer.waitForURL(`**/staff/${slug}`);
		await newcomer.getByRole('heading', { name: 'Cases' }).waitFor();
	});

	it('a colleague from another program signs in, sees the invitation and accepts it', async () => {
		const colleague = await (await browser.newContext({ baseURL: server.url })).newPage();
		await colleague.goto(await linkTo(elsewhere.email));
		await colleague.getByRole('button', { name: 'Sign in to accept' }).click();
		await colleague.waitForURL('**/login?next=*');
		await colleague.getByLabel('Email').fill(elsewhere.email);
		await colleague.getByLabel('Password').fill(elsewhere.password);
		await colleague.getByRole('button', { name: 'Sign in' }).click();
		// Back on the invitation, now as its addressee.
		await colleague.waitForURL('**/staff-invitation/*');
		await expectAccessible(colleague, 'the invitation page, signed in as its addressee');
		await colleague.getByRole('button', { name: 'Accept' }).click();
		await colleague.waitForURL(`**/staff/${slug}`);

		await admin.goto(`/staff/${slug}/team`);
		await admin.getByText('Elsa Elsewhere').waitFor();
		await expect(admin.getByTestId('pending-invitation').count()).resolves.toBe(0);
	});
});
