import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { agreements, meetings, planItems } from '#lib/server/db/schema.ts';
import {
	chromiumPath,
	holdScripts,
	launchChromium,
	pageWithCookies,
	see
} from '../helpers/browser.ts';
import { jointMeeting, type MeetingFixture } from '../helpers/meeting.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { expectAccessible } from '../helpers/accessibility.ts';

/**
 * A coordinator runs the case around its joint session in a browser: screens both parties,
 * records their consents and preparation meetings, sees the gate open; then, after a signed
 * agreement, records two payments and sees the plan's status and the program's figures change.
 *
 * Two things are put in the database directly, because other tests cover how they come about
 * and here they would only add minutes: the preparation meetings' dates (moved into the past so
 * that they can be recorded as held) and the signed agreement with its plan (the agreement's
 * browser test signs one end to end).
 */

let server: TestServer;
let meeting: MeetingFixture;
let browser: Browser;
let page: Page;

beforeAll(async () => {
	if (!chromiumPath) return;
	server = await startTestServer();
	meeting = await jointMeeting(server, { prepared: false });
	browser = await launchChromium();
	page = await pageWithCookies(browser, server.url, meeting.coordinatorHttp.cookies, {
		viewport: { width: 390, height: 844 }
	});
});

afterAll(async () => {
	await browser?.close();
	await server?.close();
});

const casePath = () => `/staff/${meeting.slug}/cases/${meeting.caseId}`;

describe.skipIf(!chromiumPath)('a case from preparation to restitution, in a browser', () => {
	it('starts with the gate closed, saying what is missing', async () => {
		await page.goto(casePath());
		const gate = page.getByTestId('case-preparation');
		await see(gate.getByText('The joint session cannot start yet:'));
		expect(await gate.textContent()).toContain('Vera Victim is not screened yet');
	});

	it('screens both parties, records both consents and both preparation meetings; the gate opens', async () => {
		// Two preparation meetings, one per party, that took place this morning.
		for (const who of ['victim', 'offender'] as const)
			await server.deps.db.insert(meetings).values({
				caseId: meeting.caseId,
				kind: 'preparation',
				partyId: meeting.parties[who].id,
				scheduledAt: new Date(Date.now() - 3 * 3_600_000),
				durationMinutes: 60,
				status: 'scheduled'
			});
		// On a slow link: the victim's screening is filled in before the page's scripts have
		// arrived, and saved once they have. Hydration must not undo those choices.
		const slowLink = await holdScripts(page);
		await page.goto(`${casePath()}/preparation`, { waitUntil: 'commit' });
		for (const [who, name] of [
			['victim', 'Vera Victim'],
			['offender', 'Otto Offender']
		] as const) {
			const section = page.getByTestId(`prep-${who}`);
			await section.getByLabel(/Willing to meet|Acknowledges what they did/).selectOption('ready');
			if (who === 'offender')
				await section.getByLabel('Motivation for taking part').selectOption('4');
			await section.getByLabel('Outcome of the screening').selectOption('suitable');
			if (who === 'victim') await slowLink.release();
			await section.getByRole('button', { name: 'Save the screening' }).click();
			await see(section.getByTestId('screening-outcome').getByText('Suitable'));

			await section
				.getByLabel('The person was shown this text, understood it, and agreed.')
				.check();
			await section.getByRole('button', { name: 'Record consent' }).click();
			await see(section.getByTestId('consent-given'));

			await section.getByLabel('How it was held').selectOption('in_person');
			await section.getByRole('button', { name: 'Record as held' }).click();
			await see(section.getByTestId('held'));
			expect(await section.textContent()).toContain(name);
		}
		await see(
			page.getByTestId('gate').getByText('Everyone is ready: the joint session can start.')
		);
		await page.goto(casePath());
		await see(
			page
				.getByTestId('case-preparation')
				.getByText('Everyone is ready: the joint session can start.')
		);
		await page.screenshot({ path: 'test-results/screenshots/case-ready-390.png', fullPage: true });
		await expectAccessible(page, 'the case page');
	});

	it('after a signed agreement, records two payments: the plan and the program’s figures change', async () => {
		const yesterday = new Date(Date.now() - 86_400_000);
		await server.deps.db
			.update(meetings)
			.set({ status: 'ended', endedAt: yesterday })
			.where(eq(meetings.id, meeting.meetingId));
		const [agreement] = await server.deps.db
			.insert(agreements)
			.values({
				caseId: meeting.caseId,
				meetingId: meeting.meetingId,
				version: 1,
				status: 'executed',
				canonical: '{}',
				hash: 'b'.repeat(64),
				frozenAt: yesterday,
				executedAt: yesterday
			})
			.returning();
		await server.deps.db.insert(planItems).values({
			caseId: meeting.caseId,
			agreementId: agreement!.id,
			kind: 'payment',
			responsiblePartyId: meeting.parties.offender.id,
			description: 'Repair of the window',
			amountMinor: 150_00,
			dueDate: new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10)
		});

		const outcomes = `/staff/${meeting.slug}/outcomes`;
		const paidCard = () =>
			page.locator('.headline').filter({ hasText: 'Paid, of the amounts agreed' });
		await page.goto(outcomes);
		const before = await paidCard().textContent();

		await page.goto(`${casePath()}/follow-up`, { waitUntil: 'networkidle' });
		const item = page.getByTestId('plan-item').first();
		expect(await item.getAttribute('data-status')).toBe('upcoming');
		// The form to record progress sits under its item.
		const form = page.locator('tr.record-row').first();
		for (const amount of ['50.00', '100.00']) {
			const details = form.locator('details');
			if (!(await details.evaluate((d) => (d as HTMLDetailsElement).open)))
				await form.locator('summary').click();
			await form.getByLabel('Amount (USD)').fill(amount);
			await form.getByRole('button', { name: 'Record', exact: true }).click();
			await page.getByTestId('plan-records').getByText(`$${amount}`).waitFor();
			if (amount === '50.00') await see(item.getByText('$100.00'));
		}
		await expect.poll(() => item.getAttribute('data-status')).toBe('completed');
		await see(item.getByText('Completed'));
		await page.screenshot({ path: 'test-results/screenshots/follow-up-390.png', fullPage: true });
		await expectAccessible(page, 'the follow-up page');

		await page.goto(outcomes);
		await expectAccessible(page, "the program's outcomes, with charts");
		const after = await paidCard().textContent();
		expect(after).not.toBe(before);
		// Both payments count: all of the agreed amount is paid.
		expect(after).toContain('$150.00 of $150.00');
		expect(after).toContain('100%');
	});
});
