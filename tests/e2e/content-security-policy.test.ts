import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
	chromiumPath,
	launchChromium,
	pageWithCookies,
	takeCspViolations,
	type CspViolation
} from '../helpers/browser.ts';
import { LiveKitStub } from '../helpers/livekit-stub.ts';
import { joinAsMediator, jointMeeting, type MeetingFixture } from '../helpers/meeting.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import type { MediatorClient } from '../helpers/session-client.ts';

/**
 * Mend's Content-Security-Policy as Chromium enforces it, with LiveKit configured (a stub of
 * its server: tests/helpers/livekit-stub.ts). Every other browser test also fails on any
 * violation (tests/helpers/browser.ts): there, the pages, media and collaboration code are
 * shown to work under the policy; here, that it stops what it is for and lets LiveKit through.
 */

/** What a stored cross-site-scripting flaw would put into a page. */
const INJECTED = [
	`<script>window.__injected = 'inline script'</script>`,
	`<img src="/no-such-image.png" onerror="window.__injected = 'inline handler'">`,
	`<base href="https://attacker.example/">`
].join('');

let stub: LiveKitStub;
let server: TestServer;
let meeting: MeetingFixture;
let browser: Browser;
let mediator: MediatorClient | undefined;

beforeAll(async () => {
	if (!chromiumPath) return;
	stub = await new LiveKitStub().start();
	server = await startTestServer({
		LIVEKIT_URL: stub.url,
		LIVEKIT_API_KEY: stub.apiKey,
		LIVEKIT_API_SECRET: stub.apiSecret,
		LIVEKIT_E2EE: 'true'
	});
	meeting = await jointMeeting(server);
	browser = await launchChromium();
});

afterAll(async () => {
	mediator?.close();
	await browser?.close();
	await server?.close();
	await stub?.stop();
});

const partyPage = (who: 'victim' | 'offender'): Promise<Page> =>
	pageWithCookies(browser, server.url, meeting.parties[who].http.cookies, {
		viewport: { width: 360, height: 740 }
	});

describe.skipIf(!chromiumPath)('the Content-Security-Policy in Chromium', () => {
	it('runs no script injected into a party’s page, while the page’s own scripts run', async () => {
		const page = await partyPage('offender');
		const path = meeting.parties.offender.path;
		// The page as Mend sends it — its headers, its policy — with the injection in its HTML.
		await page.route(`**${path}`, async (route) => {
			const response = await route.fetch();
			const html = (await response.text()).replace('</body>', `${INJECTED}</body>`);
			await route.fulfill({ response, body: html });
		});
		await page.goto(path);
		// Hydrated: SvelteKit's own inline script (it bears the nonce) started the app.
		await page
			.getByRole('button', { name: 'Join with these settings' })
			.and(page.locator(':enabled'))
			.waitFor();
		// Each is reported twice: as a `securitypolicyviolation` event and on the console.
		const violations: CspViolation[] = [];
		await vi.waitFor(() => {
			violations.push(...takeCspViolations());
			const events = violations.filter((v) => v.directive !== '(console)');
			expect(events.map((v) => v.directive).sort()).toEqual([
				'base-uri',
				'script-src-attr',
				'script-src-elem'
			]);
			expect(violations).toHaveLength(6);
		});
		expect(violations.every((v) => v.page.endsWith(path))).toBe(true);
		expect(
			await page.evaluate(() => (window as { __injected?: string }).__injected)
		).toBeUndefined();
		expect(await page.evaluate(() => document.baseURI)).toBe(`${server.url}${path}`);
		await page.context().close();
	});

	it('lets a party’s page connect to the configured LiveKit server, with its encryption worker', async () => {
		const page = await partyPage('victim');
		const workers: string[] = [];
		page.on('worker', (worker) => workers.push(worker.url()));
		await page.goto(meeting.parties.victim.path);
		await page.getByRole('button', { name: 'Join with these settings' }).click();
		await page.locator('[data-testid="connection-status"][data-status="connected"]').waitFor();
		mediator = await joinAsMediator(server, meeting);
		await mediator.do({ type: 'startSession' });
		await mediator.do({ type: 'admit', participantId: meeting.parties.victim.id });
		// LiveKit's client in the page opened its signalling WebSocket to the server configured
		// at run time (the stub does not speak LiveKit: it records the attempt and closes it).
		// Its encryption worker, from Mend's own files, starts around the same time: either may
		// come first.
		await vi.waitFor(
			() => {
				expect(stub.visits.some((v) => v.startsWith('upgrade /rtc'))).toBe(true);
				expect(workers.some((url) => url.startsWith(`${server.url}/_app/immutable/`))).toBe(true);
			},
			{ timeout: 30_000, interval: 100 }
		);
		await page.context().close();
	});
});
