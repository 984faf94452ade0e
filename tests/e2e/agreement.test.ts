import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { chromiumPath, launchChromium, pageWithCookies, see } from '../helpers/browser.ts';
import { jointMeeting, type MeetingFixture } from '../helpers/meeting.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { expectAccessible } from '../helpers/accessibility.ts';

/**
 * The agreement in four browsers: the mediator on a laptop, the victim, the offender (a
 * juvenile) and his guardian on phones. They write the draft together, each party accepts each
 * part, the mediator freezes it, all four sign; the PDF downloads, and the public verification
 * page accepts it and rejects a copy with one byte changed.
 */

const PHONE = { width: 360, height: 740 };
const SHOTS = 'test-results/screenshots';

let server: TestServer;
let meeting: MeetingFixture;
let browser: Browser;
let mediator: Page;
let victim: Page;
let offender: Page;
let guardian: Page;
let pdfPath: string;

const contextFor = (cookies: Map<string, string>, viewport = { width: 1280, height: 900 }) =>
	pageWithCookies(browser, server.url, cookies, { viewport, acceptDownloads: true });

/** Types into a shared text the way a person does: click, then keys. */
async function typeInto(page: Page, field: string, text: string) {
	const box = page.getByTestId(`text-${field}`);
	await box.click();
	await box.press('End');
	await box.pressSequentially(text, { delay: 5 });
}

const dateInDays = (days: number) =>
	new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
	if (!chromiumPath) return;
	server = await startTestServer();
	meeting = await jointMeeting(server);
	browser = await launchChromium();
	await mkdir(SHOTS, { recursive: true });
	mediator = await contextFor(meeting.mediatorHttp.cookies);
	victim = await contextFor(meeting.parties.victim.http.cookies, PHONE);
	offender = await contextFor(meeting.parties.offender.http.cookies, PHONE);
	guardian = await contextFor(meeting.parties.guardian.http.cookies, PHONE);
});

afterAll(async () => {
	await browser?.close();
	await server?.close();
});

describe.skipIf(!chromiumPath)('the agreement in four browsers', () => {
	it('reaches the drafting step with everyone in the joint room', async () => {
		await mediator.goto(`/staff/${meeting.slug}/cases/${meeting.caseId}`);
		await mediator.getByRole('link', { name: 'Open the session' }).click();
		await mediator.getByTestId('mediator-console').waitFor();
		const parties = [
			[victim, meeting.parties.victim, 'Vera Victim'],
			[offender, meeting.parties.offender, 'Otto Offender'],
			[guardian, meeting.parties.guardian, 'Gail Guardian']
		] as const;
		for (const [page, party] of parties) {
			await page.goto(party.path);
			await page.getByRole('button', { name: 'Join with these settings' }).click();
		}
		await mediator.getByRole('button', { name: 'Start the session' }).click();
		const waiting = mediator.getByTestId('waiting-room');
		for (const [page, , name] of parties) {
			await waiting
				.getByRole('listitem')
				.filter({ hasText: name })
				.getByRole('button', { name: 'Let in', exact: true })
				.click();
			await see(page.getByRole('heading', { name: 'You are in the joint room' }));
			await page.getByRole('button', { name: 'I understand and take part voluntarily' }).click();
		}
		await mediator.getByRole('button', { name: 'Drafting the agreement' }).click();
		for (const page of [mediator, victim, offender, guardian])
			await see(page.getByTestId('agreement-draft'));
	});

	it('co-drafts: each sees the others’ words and where they are writing', async () => {
		await typeInto(victim, 'harm', 'My bicycle was taken and I was afraid to go out.');
		await see(offender.getByText('Writing with you now:', { exact: false }));
		await expect
			.poll(() => offender.getByTestId('text-harm').inputValue())
			.toBe('My bicycle was taken and I was afraid to go out.');
		// While the victim's caret is in the field, the offender sees her name on it.
		await see(offender.getByTestId('editing-harm'));
		expect(await offender.getByTestId('editing-harm').textContent()).toContain('Vera Victim');

		await typeInto(offender, 'harm', ' I took it, and I am sorry.');
		await expect
			.poll(() => mediator.getByTestId('text-harm').inputValue())
			.toBe('My bicycle was taken and I was afraid to go out. I took it, and I am sorry.');

		// The mediator adds the payment; the offender's side sees it appear and fills the date.
		await mediator
			.getByLabel('New obligation')
			.selectOption({ label: 'Payment to the person harmed' });
		await mediator
			.getByLabel('Who does it', { exact: true })
			.last()
			.selectOption({ label: 'Otto Offender' });
		await mediator.getByTestId('add-obligation').click();
		await see(offender.getByTestId('obligation-0'));
		await mediator.getByTestId('amount-0').fill('120.00');
		await mediator.getByTestId('amount-0').blur();
		await offender.getByTestId('due-0').fill(dateInDays(30));
		await offender.getByTestId('due-0').blur();
		const verification = mediator.getByTestId(
			`text-obligation:${await obligationId(mediator)}:verification`
		);
		await verification.click();
		await verification.pressSequentially('A receipt sent to the program.', { delay: 5 });
		await expect.poll(() => victim.getByTestId('amount-0').inputValue()).toBe('120.00');
		await victim.screenshot({ path: `${SHOTS}/agreement-draft-360.png`, fullPage: true });
		await expectAccessible(victim, 'the agreement draft on a phone');
	});

	it('the guardian cannot accept; victim and offender accept every part', async () => {
		// The guardian signs but does not accept clauses: no button for them.
		await see(guardian.getByTestId('acceptance-harm'));
		expect(await guardian.getByRole('button', { name: 'I accept this part' }).count()).toBe(0);
		for (const page of [victim, offender]) {
			const buttons = page.getByRole('button', { name: 'I accept this part' });
			await expect.poll(() => buttons.count()).toBe(4);
			while ((await buttons.count()) > 0) {
				const before = await buttons.count();
				await buttons.first().click();
				await expect.poll(() => buttons.count()).toBe(before - 1);
			}
		}
		await see(mediator.getByText('Everyone has accepted every part.'));
	});

	it('the mediator freezes: nobody can change it, everyone reads the final text', async () => {
		await mediator.getByTestId('freeze').click();
		for (const page of [mediator, victim, offender, guardian]) {
			await see(page.getByTestId('agreement-text'));
			expect(await page.getByTestId('agreement-text').textContent()).toContain(
				'I took it, and I am sorry.'
			);
		}
		expect(await victim.getByTestId('agreement-draft').count()).toBe(0);
		await see(victim.getByText('Fingerprint of this text (SHA-256):', { exact: false }));
	});

	it('each signer types a name, may draw, agrees, and signs; the last signature executes it', async () => {
		const signers = [
			[victim, 'Vera Victim'],
			[offender, 'Otto Offender'],
			[guardian, 'Gail Guardian'],
			[mediator, 'Dana Mediator']
		] as const;
		for (const [page, name] of signers) {
			const form = page.getByTestId('sign-form');
			await form.waitFor();
			await form.getByLabel('Your full name').fill(name);
			if (page === victim) {
				const pad = form.getByTestId('signature-pad');
				const box = (await pad.boundingBox())!;
				await page.mouse.move(box.x + 20, box.y + 30);
				await page.mouse.down();
				await page.mouse.move(box.x + 120, box.y + 60, { steps: 8 });
				await page.mouse.move(box.x + 200, box.y + 20, { steps: 8 });
				await page.mouse.up();
			}
			await form.getByLabel('I have read the agreement shown above and I agree to it.').check();
			await form.getByRole('button', { name: 'Sign the agreement' }).click();
			await form.waitFor({ state: 'detached' });
		}
		for (const page of [mediator, victim, offender, guardian])
			await see(page.getByTestId('agreement-executed'));
		await offender.screenshot({ path: `${SHOTS}/agreement-signed-360.png`, fullPage: true });
		await expectAccessible(offender, 'the signed agreement on a phone');
	});

	it('the signed PDF downloads for a party', async () => {
		const [download] = await Promise.all([
			offender.waitForEvent('download'),
			offender.getByTestId('agreement-pdf').click()
		]);
		pdfPath = `${SHOTS}/../agreement.pdf`;
		await download.saveAs(pdfPath);
		const bytes = await readFile(pdfPath);
		expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
		expect(download.suggestedFilename()).toMatch(/^agreement-.*-v1\.pdf$/);
	});

	it('the verification page accepts the PDF and rejects a copy with one byte changed', async () => {
		const page = await (await browser.newContext({ baseURL: server.url })).newPage();
		await page.goto('/verify');
		await page.getByLabel('Agreement PDF').setInputFiles(pdfPath);
		await page.getByRole('button', { name: 'Check the file' }).click();
		await see(page.getByText('Genuine: this is the signed agreement, unchanged.'));
		expect(await page.getByTestId('verify-result').textContent()).toContain('Gail Guardian');

		const bytes = await readFile(pdfPath);
		const altered = Buffer.from(bytes);
		const at = altered.indexOf('Otto');
		altered[at >= 0 ? at : 100] ^= 0x01;
		const alteredPath = pdfPath.replace('.pdf', '-altered.pdf');
		await writeFile(alteredPath, altered);
		await page.getByLabel('Agreement PDF').setInputFiles(alteredPath);
		await page.getByRole('button', { name: 'Check the file' }).click();
		await see(
			page.getByText('Not recognised: this file is not a signed agreement issued by Mend.')
		);
		await page.context().close();
	});

	it('the case page lists the signed version, with its PDF and its history', async () => {
		await mediator.goto(`/staff/${meeting.slug}/cases/${meeting.caseId}`);
		const list = mediator.getByTestId('case-agreements');
		await see(list.getByText('Version 1 — Signed'));
		await see(list.getByRole('link', { name: 'Download the signed agreement (PDF)' }));
		await see(mediator.getByText('Agreement signed by everyone').first());
	});
});

async function obligationId(page: Page): Promise<string> {
	const testId = await page
		.locator('[data-testid^="text-obligation:"][data-testid$=":verification"]')
		.first()
		.getAttribute('data-testid');
	return testId!.split(':')[1]!;
}
