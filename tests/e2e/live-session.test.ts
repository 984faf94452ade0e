import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { chromiumPath, launchChromium, pageWithCookies, see } from '../helpers/browser.ts';
import { jointMeeting, type MeetingFixture } from '../helpers/meeting.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { expectAccessible } from '../helpers/accessibility.ts';
import { weighScripts, type ScriptWeight } from '../helpers/page-weight.ts';

/**
 * Three browsers run a short session: the mediator on a laptop, the victim and the offender on
 * 360-pixel-wide phones. Admit, the floor to the victim first, a raised hand, a private room,
 * a break, the end.
 */

const PHONE = { width: 360, height: 740 };
const SHOTS = 'test-results/screenshots';

let server: TestServer;
let meeting: MeetingFixture;
let browser: Browser;
let mediator: Page;
let victim: Page;
let offender: Page;
/** Whether each has loaded Yjs (its import guard names it: `__ $YJS$ __`). */
let victimYjs: ScriptWeight;
let mediatorYjs: ScriptWeight;

const contextFor = (cookies: Map<string, string>, viewport = { width: 1280, height: 900 }) =>
	pageWithCookies(browser, server.url, cookies, { viewport });

const victimChoices = () =>
	victim.getByRole('heading', { name: 'Your choices for the joint meeting' });
const consoleButton = (name: string | RegExp) => mediator.getByRole('button', { name });

beforeAll(async () => {
	if (!chromiumPath) return;
	server = await startTestServer();
	meeting = await jointMeeting(server);
	browser = await launchChromium();
	await mkdir(SHOTS, { recursive: true });
	mediator = await contextFor(meeting.mediatorHttp.cookies);
	victim = await contextFor(meeting.parties.victim.http.cookies, PHONE);
	offender = await contextFor(meeting.parties.offender.http.cookies, PHONE);
	victimYjs = weighScripts(victim, '__ $YJS$ __');
	mediatorYjs = weighScripts(mediator, '__ $YJS$ __');
});

afterAll(async () => {
	await browser?.close();
	await server?.close();
});

describe.skipIf(!chromiumPath)('a short session in three browsers', () => {
	it('the mediator opens the console and starts; the parties wait', async () => {
		await mediator.goto(`/staff/${meeting.slug}/cases/${meeting.caseId}`);
		await mediator.getByRole('link', { name: 'Open the session' }).click();
		await mediator.getByTestId('mediator-console').waitFor();
		for (const [page, party] of [
			[victim, meeting.parties.victim],
			[offender, meeting.parties.offender]
		] as const) {
			await page.goto(party.path);
			if (page === victim) await see(victimChoices());
			await page.getByRole('button', { name: 'Join with these settings' }).click();
		}
		await see(victim.getByRole('heading', { name: 'The meeting has not started yet' }));
		// The preparation (the victim's choices "for the joint meeting") was shown with the
		// link; in the meeting, the phone shows the meeting alone.
		expect(await victimChoices().count()).toBe(0);
		await consoleButton('Start the session').click();
		await see(mediator.getByText('Running for 0 min'));
		await see(victim.getByRole('heading', { name: 'You are in the waiting room' }));
		await see(offender.getByRole('heading', { name: 'You are in the waiting room' }));
		// Two people wait to be let in: the mediator's tab says so, seen from any other tab.
		await expect.poll(() => mediator.title()).toMatch(/^\(2\) Joint session · Case /);
		await victim.screenshot({ path: `${SHOTS}/party-waiting-360.png`, fullPage: true });
		await expectAccessible(victim, 'the waiting room on a phone');
	});

	it('admits both; each confirms taking part voluntarily', async () => {
		const waiting = mediator.getByTestId('waiting-room');
		await waiting
			.getByRole('listitem')
			.filter({ hasText: 'Vera Victim' })
			.getByRole('button', { name: 'Let in', exact: true })
			.click();
		await see(victim.getByRole('heading', { name: 'You are in the joint room' }));
		await waiting
			.getByRole('listitem')
			.filter({ hasText: 'Otto Offender' })
			.getByRole('button', { name: 'Let in', exact: true })
			.click();
		await see(offender.getByRole('heading', { name: 'You are in the joint room' }));
		// Nobody waits any more: the tab's title is plain again.
		await expect.poll(() => mediator.title()).toMatch(/^Joint session · Case /);
		for (const page of [victim, offender]) {
			await page.getByRole('button', { name: 'I understand and take part voluntarily' }).click();
			await page
				.getByRole('button', { name: 'I understand and take part voluntarily' })
				.waitFor({ state: 'detached' });
		}
	});

	it('moves to the victim’s account and gives the victim the floor first', async () => {
		await consoleButton("The victim's account").click();
		await consoleButton('Raise hands').click();
		const joint = mediator.getByTestId('room-joint');
		await joint
			.getByRole('listitem')
			.filter({ hasText: 'Vera Victim' })
			.getByRole('button', { name: 'Give the floor' })
			.click();
		await see(victim.getByText('You have the floor: you can speak now.'));
		await see(offender.getByText('Vera Victim has the floor.'));
	});

	it('the offender raises a hand; the mediator sees it and gives the floor', async () => {
		await offender.getByRole('button', { name: 'Raise my hand' }).click();
		await see(offender.getByText('number 1 in line'));
		const panel = mediator.getByTestId('speaking-panel');
		await panel.getByRole('listitem').filter({ hasText: 'Otto Offender' }).waitFor();
		await panel
			.getByRole('listitem')
			.filter({ hasText: 'Otto Offender' })
			.getByRole('button', { name: 'Give the floor' })
			.click();
		await see(offender.getByText('You have the floor: you can speak now.'));
		await see(victim.getByText('Otto Offender has the floor.'));
		await offender.screenshot({ path: `${SHOTS}/party-floor-360.png`, fullPage: true });
		await expectAccessible(offender, 'a party holding the floor');
	});

	it('the mediator lowers a hand left raised, and mutes every party at once', async () => {
		await victim.getByRole('button', { name: 'Raise my hand' }).click();
		await see(victim.getByText('number 1 in line'));
		await mediator.getByRole('button', { name: "Lower Vera Victim's hand" }).click();
		await see(victim.getByRole('button', { name: 'Raise my hand' }));

		await consoleButton('Mute all parties').click();
		await see(victim.getByText('The mediator has muted your microphone for now.'));
		await see(offender.getByText('The mediator has muted your microphone for now.'));
		await consoleButton('Unmute all parties').click();
		await victim.getByText('The mediator has muted your microphone for now.').waitFor({
			state: 'detached'
		});
		await see(offender.getByText('You have the floor: you can speak now.'));
	});

	it('the mediator gives the victim more time, then puts the offender first in the order of turns; the victim keeps the turn', async () => {
		await mediator.getByLabel('Length of each turn').selectOption({ label: '1 min' });
		await consoleButton('In turns').click();
		await see(victim.getByText('It is your turn to speak.'));
		// The turn's time runs down on the victim's phone, second by second.
		const timer = victim.getByRole('timer', { name: 'Time left in this turn' });
		const first = await timer.innerText();
		expect(first).toMatch(/^(1:00|0:5\d) left$/);
		await expect.poll(() => timer.innerText(), { timeout: 5000 }).not.toBe(first);
		// The victim needs longer: the mediator gives her a minute more, and her phone shows it.
		await consoleButton(/Give Vera Victim one more minute/).click();
		await expect.poll(() => timer.innerText()).toMatch(/^1:[45]\d left$/);
		await see(mediator.getByTestId('turn-extended').getByText('1 min added to this turn'));
		// Turns of two minutes from now on, this one included: three in all for the victim.
		await mediator.getByLabel('Length of each turn').selectOption({ label: '2 min' });
		await expect.poll(() => timer.innerText()).toMatch(/^2:[345]\d left$/);
		await expectAccessible(mediator, "the mediator's console, speaking in turns");
		await consoleButton('Move Otto Offender earlier in the order').click();
		const order = offender.locator('ol', { hasText: 'Vera Victim' }).getByRole('listitem');
		// Gail Guardian, invited but not in the room, is in the order the console shows; a party is
		// shown only the people in the room with them.
		await expect.poll(() => order.allInnerTexts()).toEqual(['Otto Offender', 'Vera Victim']);
		await see(mediator.getByRole('button', { name: 'Move Gail Guardian earlier in the order' }));
		await see(victim.getByText('It is your turn to speak.'));
		await consoleButton('Raise hands').click();
	});

	it('opens a private room with the victim; the offender is told nothing of it', async () => {
		const joint = mediator.getByTestId('room-joint');
		await joint
			.getByRole('listitem')
			.filter({ hasText: 'Vera Victim' })
			.getByRole('button', { name: 'Private room' })
			.click();
		// A phone on a weak link loads the shared-editing code only once it is needed: not in
		// the joint room before drafting, but for the private notes of a private room.
		expect(victimYjs.sawMarker, 'Yjs loaded before the private room').toBe(false);
		await see(victim.getByRole('heading', { name: 'Private room' }));
		await see(victim.getByRole('heading', { name: 'Your private notes' }));
		await expect.poll(() => victimYjs.sawMarker).toBe(true);
		const caucus = mediator.getByTestId('room-caucus');
		// The same for the mediator's console: the notes with the victim bring it.
		expect(mediatorYjs.sawMarker, 'Yjs loaded with the console').toBe(false);
		await caucus.getByRole('button', { name: 'Go to this room' }).click();
		await see(victim.getByText(/With: Dana Mediator/));
		await expect.poll(() => mediatorYjs.sawMarker).toBe(true);
		await offender
			.getByText('With: Gail Guardian')
			.or(offender.getByText('With: nobody else yet'))
			.first()
			.waitFor();
		expect(await offender.locator('main').innerText()).not.toContain('Vera');
		await mediator.screenshot({ path: `${SHOTS}/mediator-console-laptop.png`, fullPage: true });
		await expectAccessible(mediator, "the mediator's console");
		await mediator
			.getByTestId('room-joint')
			.getByRole('button', { name: 'Go to this room' })
			.click();
		await mediator
			.getByTestId('room-caucus')
			.getByRole('button', { name: 'Close this room' })
			.click();
		await see(victim.getByRole('heading', { name: 'You are in the joint room' }));
	});

	it('the victim taps "I need a break": out at once, and the mediator is told', async () => {
		await victim.getByTestId('need-break').click();
		await see(victim.getByRole('heading', { name: 'You are on a break' }));
		await mediator
			.getByText('Vera Victim asked for a break and is in a room of their own.')
			.waitFor();
		await expect.poll(() => mediator.title()).toMatch(/^\(1\) Joint session/);
		await victim.screenshot({ path: `${SHOTS}/party-break-360.png`, fullPage: true });
		await expectAccessible(victim, 'a party on a break');
		// The break page fits a phone: nothing wider than the screen.
		const width = await victim.evaluate(() => document.documentElement.scrollWidth);
		expect(width).toBeLessThanOrEqual(PHONE.width);
	});

	it('she says she is ready to come back; only then can the mediator bring her back', async () => {
		const vera = () => mediator.getByRole('listitem').filter({ hasText: 'Vera Victim' });
		const bringBack = () => vera().getByRole('button', { name: 'Bring to the joint room' });
		await see(vera().filter({ hasText: 'on a break' }));
		expect(await bringBack().count()).toBe(0);
		await victim.getByRole('button', { name: 'I am ready to come back' }).click();
		await see(victim.getByText('The mediator knows you are ready to come back.'));
		const joint = mediator.getByTestId('room-joint');
		const goThere = joint.getByRole('button', { name: 'Go to this room' });
		if ((await goThere.count()) > 0) await goThere.click();
		await see(joint.getByText('You are here'));
		// Her room now offers it, and says she is ready.
		const bringButton = mediator.getByRole('button', { name: 'Bring to the joint room' });
		await see(vera().filter({ has: bringButton }).getByText('ready to come back', { exact: true }));
		await bringBack().click();
		await see(victim.getByRole('heading', { name: 'You are in the joint room' }));
	});

	it('the mediator ends the session; both parties see it has ended', async () => {
		await consoleButton('End the session').click();
		await consoleButton('Yes, end it').click();
		await see(victim.getByRole('heading', { name: 'The meeting has ended' }));
		await see(offender.getByRole('heading', { name: 'The meeting has ended' }));
	});
});
