import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { chromiumPath, launchChromium, pageWithCookies } from '../helpers/browser.ts';
import { jointMeeting, type MeetingFixture } from '../helpers/meeting.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { eventually, growth, openLinks, recordPeerConnections } from '../helpers/webrtc.ts';
import { expectAccessible } from '../helpers/accessibility.ts';

/**
 * Built-in (browser-to-browser) media under the session's rules, with Chromium's fake camera
 * and microphone on loopback. Media is proven flowing — or not — by the bytes counted in each
 * browser's own WebRTC statistics.
 */

const PHONE = { width: 360, height: 740 };
const LAPTOP = { width: 1280, height: 900 };
const SHOTS = 'test-results/screenshots';

let server: TestServer;
let meeting: MeetingFixture;
let browser: Browser;
let mediator: Page;
let victim: Page;
let offender: Page;
let ids: { mediator: string; victim: string; offender: string };

const pageFor = (cookies: Map<string, string>, viewport: { width: number; height: number }) =>
	pageWithCookies(browser, server.url, cookies, { viewport, prepare: recordPeerConnections });

/** Bytes of `kind` arriving at `page` from `peer` keep growing. */
const receives = (page: Page, peer: string, kind: 'audioIn' | 'videoIn') =>
	eventually(
		() => growth(page, peer, 1000),
		(g) => g[kind] > 0
	);

/** Bytes of `kind` from `peer` stop arriving at `page` (a second to settle, then a quiet window). */
async function receivesNothing(page: Page, peer: string, kind: 'audioIn' | 'videoIn') {
	return eventually(
		() => growth(page, peer, 1500),
		(g) => g[kind] === 0
	);
}

beforeAll(async () => {
	if (!chromiumPath) return;
	server = await startTestServer();
	meeting = await jointMeeting(server);
	browser = await launchChromium();
	await mkdir(SHOTS, { recursive: true });
	mediator = await pageFor(meeting.mediatorHttp.cookies, LAPTOP);
	victim = await pageFor(meeting.parties.victim.http.cookies, PHONE);
	offender = await pageFor(meeting.parties.offender.http.cookies, PHONE);
	ids = {
		mediator: `staff:${meeting.mediator.userId}`,
		victim: meeting.parties.victim.id,
		offender: meeting.parties.offender.id
	};
});

afterAll(async () => {
	await browser?.close();
	await server?.close();
});

describe.skipIf(!chromiumPath)('browser-to-browser media', () => {
	it('checks devices before joining: self-view, a moving microphone level, the connection', async () => {
		await victim.goto(meeting.parties.victim.path);
		const prejoin = victim.getByTestId('prejoin');
		await prejoin.waitFor();
		await prejoin.locator('video').waitFor();
		const level = await eventually(
			() => victim.getByTestId('mic-level').evaluate((el) => (el as HTMLMeterElement).value),
			(value) => value > 0
		);
		expect(level).toBeGreaterThan(0);
		await victim.locator('[data-testid="connection-check"][data-quality="good"]').waitFor();
		await victim.screenshot({ path: `${SHOTS}/prejoin-360.png`, fullPage: true });
		await expectAccessible(victim, 'the camera and microphone check');
		await victim.getByRole('button', { name: 'Join with these settings' }).click();
		await victim.getByTestId('media-stage').waitFor();
		// In the waiting room (and before the start) nobody is in a media room with you.
		expect(await openLinks(victim)).toEqual([]);
	});

	it('lets everyone admitted see and hear everyone else in the joint room', async () => {
		await offender.goto(meeting.parties.offender.path);
		await offender.getByRole('button', { name: 'Join with these settings' }).click();
		await mediator.goto(
			`/staff/${meeting.slug}/cases/${meeting.caseId}/meetings/${meeting.meetingId}`
		);
		await mediator.getByRole('button', { name: 'Join with these settings' }).click();
		await mediator.getByRole('button', { name: 'Start the session' }).click();
		const waiting = mediator.getByTestId('waiting-room');
		for (const name of ['Vera Victim', 'Otto Offender'])
			await waiting
				.getByRole('listitem')
				.filter({ hasText: name })
				.getByRole('button', { name: 'Let in', exact: true })
				.click();

		for (const [page, from] of [
			[mediator, ids.victim],
			[mediator, ids.offender],
			[victim, ids.mediator],
			[victim, ids.offender],
			[offender, ids.victim],
			[offender, ids.mediator]
		] as const) {
			expect((await receives(page, from, 'audioIn')).audioIn).toBeGreaterThan(0);
			expect((await receives(page, from, 'videoIn')).videoIn).toBeGreaterThan(0);
		}
		await mediator.screenshot({ path: `${SHOTS}/session-laptop.png`, fullPage: true });
		await victim.screenshot({ path: `${SHOTS}/session-360.png`, fullPage: true });
		await expectAccessible(victim, 'the session with video on a phone');
	});

	it('in moderated mode, stops the audio of whoever does not hold the floor', async () => {
		await mediator.getByRole('button', { name: 'Raise hands' }).click();
		const joint = mediator.getByTestId('room-joint');
		await joint
			.getByRole('listitem')
			.filter({ hasText: 'Vera Victim' })
			.getByRole('button', { name: 'Give the floor' })
			.click();
		expect((await receivesNothing(mediator, ids.offender, 'audioIn')).audioIn).toBe(0);
		expect((await receivesNothing(victim, ids.offender, 'audioIn')).audioIn).toBe(0);
		expect((await receives(offender, ids.victim, 'audioIn')).audioIn).toBeGreaterThan(0);
		// Video still flows: the floor is about who is heard.
		expect((await receives(mediator, ids.offender, 'videoIn')).videoIn).toBeGreaterThan(0);
		await mediator.getByRole('button', { name: 'Open conversation' }).click();
		expect((await receives(victim, ids.offender, 'audioIn')).audioIn).toBeGreaterThan(0);
	});

	it('closes the offender’s links when the victim is taken to a private room with the mediator', async () => {
		const joint = mediator.getByTestId('room-joint');
		await joint
			.getByRole('listitem')
			.filter({ hasText: 'Vera Victim' })
			.getByRole('button', { name: 'Private room' })
			.click();
		await mediator
			.getByTestId('room-caucus')
			.getByRole('button', { name: 'Go to this room' })
			.click();
		const links = await eventually(
			() => openLinks(offender),
			(open) => !open.includes(ids.victim) && !open.includes(ids.mediator)
		);
		expect(links).toEqual([]);
		expect((await growth(offender, ids.victim)).audioIn).toBe(0);
		expect((await receives(victim, ids.mediator, 'audioIn')).audioIn).toBeGreaterThan(0);
		expect(await openLinks(victim)).not.toContain(ids.offender);

		await mediator
			.getByTestId('room-joint')
			.getByRole('button', { name: 'Go to this room' })
			.click();
		await mediator
			.getByTestId('room-caucus')
			.getByRole('button', { name: 'Close this room' })
			.click();
		expect((await receives(offender, ids.victim, 'audioIn')).audioIn).toBeGreaterThan(0);
	});

	it('sends no video in audio-only mode, and receives none', async () => {
		await offender.getByRole('button', { name: 'Audio only (weak connection)' }).click();
		const out = await eventually(
			() => growth(offender, ids.victim, 1500),
			(g) => g.videoOut === 0 && g.videoIn === 0
		);
		expect(out).toMatchObject({ videoOut: 0, videoIn: 0 });
		expect(out.audioOut).toBeGreaterThan(0);
		expect((await receivesNothing(victim, ids.offender, 'videoIn')).videoIn).toBe(0);
		await victim
			.locator(`[data-testid="tile"][data-peer="${ids.offender}"][data-video="off"]`)
			.waitFor();
	});

	it('separates the parties in media the moment the mediator’s connection drops', async () => {
		await mediator.context().close();
		const links = await eventually(
			() => openLinks(offender),
			(open) => !open.includes(ids.victim)
		);
		expect(links).not.toContain(ids.victim);
		expect((await growth(victim, ids.offender)).audioIn).toBe(0);
		await victim.getByText("The mediator's connection dropped.", { exact: false }).waitFor();
		await victim.screenshot({ path: `${SHOTS}/separated-360.png`, fullPage: true });
	});
});
