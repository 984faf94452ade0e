import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromiumPath, launchChromium } from '../helpers/browser.ts';
import { addStaff, createProgram, type StaffLogin } from '../helpers/fixtures.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { expectAccessible } from '../helpers/accessibility.ts';
import { weighScripts } from '../helpers/page-weight.ts';

/**
 * A coordinator takes a referral, schedules the joint session and sends the victim their link;
 * the victim opens it in another browser; the link is revoked and says so.
 */

let server: TestServer;
let browser: Browser;
let coordinatorContext: BrowserContext;
let victimContext: BrowserContext;
let coordinator: Page;
let victim: Page;
let login: StaffLogin;
let slug: string;
let link: string;

beforeAll(async () => {
	if (!chromiumPath) return;
	server = await startTestServer();
	const program = await createProgram(server.deps, { name: 'Lakeside Dialogue Program' });
	slug = program.slug;
	login = await addStaff(server.deps, program.id, 'coordinator', 'Casey Coordinator');
	browser = await launchChromium();
	coordinatorContext = await browser.newContext({ baseURL: server.url });
	await coordinatorContext.grantPermissions(['clipboard-read', 'clipboard-write'], {
		origin: server.url
	});
	victimContext = await browser.newContext({ baseURL: server.url });
	coordinator = await coordinatorContext.newPage();
	victim = await victimContext.newPage();
});

afterAll(async () => {
	await browser?.close();
	await server?.close();
});

describe.skipIf(!chromiumPath)('from referral to the victim opening their link', () => {
	it('a coordinator signs in', async () => {
		await coordinator.goto('/login');
		await expectAccessible(coordinator, 'the sign-in page');
		await coordinator.getByLabel('Email').fill(login.email);
		await coordinator.getByLabel('Password').fill(login.password);
		await coordinator.getByRole('button', { name: 'Sign in' }).click();
		await coordinator.waitForURL(`**/staff/${slug}`);
		await expect(coordinator.getByRole('heading', { name: 'Cases' }).isVisible()).resolves.toBe(
			true
		);
	});

	it('takes a referral with two parties, after being told what is missing', async () => {
		await coordinator.getByRole('link', { name: 'New referral' }).click();
		await coordinator.waitForURL('**/cases/new');
		await coordinator.getByLabel('Referred by').selectOption('victim_advocate');
		await coordinator.getByLabel('Stage').selectOption('diversion');
		await coordinator.getByLabel('Offense').selectOption('property');
		await coordinator.getByLabel('What happened').fill('Graffiti on the garage door.');
		await coordinator.getByLabel('Losses claimed (USD)').fill('300');
		const names = coordinator.getByLabel('Name', { exact: true });
		await names.nth(0).fill('Rosa Alvarez');
		await coordinator.getByLabel('Email').first().fill('rosa@home.example');
		await coordinator.getByRole('button', { name: 'Save referral' }).click();
		// The offender's name is missing: the form says so next to the field, and keeps the rest.
		await coordinator.getByText('Required.').waitFor();
		await expectAccessible(coordinator, 'the referral form, telling what is missing');
		expect(await names.nth(0).inputValue()).toBe('Rosa Alvarez');
		await names.nth(1).fill('Tyler Brooks');
		await coordinator.getByRole('button', { name: 'Save referral' }).click();
		await coordinator.waitForURL(/\/cases\/[0-9a-f-]{36}$/);
		await coordinator.getByRole('heading', { name: /^Case \d{4}-\d{4}$/ }).waitFor();
		expect(await coordinator.getByText('Rosa Alvarez').count()).toBeGreaterThan(0);
	});

	it('creates the joint session and copies the victim’s invitation link', async () => {
		await coordinator.getByLabel('Meeting', { exact: true }).selectOption('joint');
		await coordinator.getByLabel('Date and time').fill('2031-07-01T17:00');
		await coordinator.getByRole('button', { name: 'Schedule', exact: true }).click();
		await coordinator.getByRole('heading', { name: 'Joint session' }).waitFor();

		await coordinator
			.getByLabel('Invite', { exact: true })
			.selectOption({ label: 'Rosa Alvarez (Victim)' });
		await coordinator.getByRole('button', { name: 'Create link' }).click();
		const shown = coordinator.getByTestId('invitation-link');
		await shown.waitFor();
		await coordinator.getByRole('button', { name: 'Copy link' }).click();
		await coordinator.getByText('Copied.').waitFor();
		link = await coordinator.evaluate(() => navigator.clipboard.readText());
		expect(link).toBe(await shown.textContent());
		// Mend's own address (here the one it listens on), not the one the coordinator's browser used.
		expect(link).toMatch(new RegExp(`^${server.deps.publicUrl.href}/join/[A-Za-z0-9_-]{43}$`));
	});

	it('opens, in another browser, the victim’s join page — connected, without an account', async () => {
		const weight = weighScripts(victim);
		await victim.goto(link, { waitUntil: 'networkidle' });
		await victim.getByRole('heading', { name: 'Welcome, Rosa Alvarez' }).waitFor();
		// On a weak phone connection the page is usable after little code: under 60 KB (gzip)
		// before "Join" (the session's code comes after it). `BENCH_LIST_SCRIPTS=1 npm run
		// bench:join` lists what it is made of.
		const scripts = [...weight.scripts].map(
			([url, bytes]) => `${url} ${(bytes / 1024).toFixed(1)}`
		);
		expect(weight.bytes / 1024, `KB of scripts: ${scripts.join(', ')}`).toBeLessThan(60);
		await victim.getByRole('button', { name: 'Join with these settings' }).click();
		await victim.locator('[data-testid="connection-status"][data-status="connected"]').waitFor();
		const text = await victim.locator('main').innerText();
		expect(text).toContain('Joint session');
		expect(text).toContain('Lakeside Dialogue Program');
		expect(text).not.toContain('Tyler Brooks');
		expect(text).not.toContain('Graffiti');
		await expectAccessible(victim, "the victim's join page");
	});

	it('shows the revoked page once the coordinator revokes the link', async () => {
		await coordinator.getByRole('button', { name: 'Revoke' }).click();
		await coordinator.getByText('Revoked').first().waitFor();
		await victim.reload();
		await victim.getByRole('heading', { name: 'This link has been turned off' }).waitFor();
		await expectAccessible(victim, 'the page of a revoked link');
		expect(await victim.locator('main').innerText()).toContain(`office@${slug}.example`);
	});
});
