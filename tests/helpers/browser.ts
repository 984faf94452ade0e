import { existsSync } from 'node:fs';
import {
	chromium,
	type Browser,
	type BrowserContext,
	type BrowserContextOptions,
	type LaunchOptions,
	type Locator,
	type Page,
	type Route
} from 'playwright-core';
import { expect } from 'vitest';
import { testEnv } from './env.ts';

const CANDIDATES = [testEnv.chromiumPath, '/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** Debian's Chromium; never a browser downloaded by a test tool. */
export const chromiumPath = CANDIDATES.find((p): p is string => Boolean(p && existsSync(p)));

if (!chromiumPath) {
	const message =
		'Chromium was not found (looked for CHROMIUM_PATH, /usr/bin/chromium). ' +
		'Install it with `sudo apt-get install -y chromium`.';
	if (testEnv.inCi) throw new Error(`${message} Browser tests cannot run in CI without it.`);
	console.warn(`\n${'!'.repeat(78)}\n!! SKIPPING BROWSER TESTS: ${message}\n${'!'.repeat(78)}\n`);
}

/** Flags that keep Chromium quiet on a closed network and give it a fake camera and microphone. */
export const CHROMIUM_ARGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	'--use-fake-device-for-media-stream',
	'--use-fake-ui-for-media-stream',
	'--allow-loopback-in-peer-connection'
];

export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
	if (!chromiumPath) throw new Error('Chromium is not installed');
	return chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS, ...options });
}

/**
 * A page in a browser of its own holding these cookies (a person's own phone or laptop, their
 * link already opened or signed in), at `baseUrl`. `prepare` runs on the context first.
 */
export async function pageWithCookies(
	browser: Browser,
	baseUrl: string,
	cookies: Map<string, string>,
	options: BrowserContextOptions & { prepare?: (context: BrowserContext) => Promise<void> } = {}
): Promise<Page> {
	const { prepare, ...contextOptions } = options;
	const context = await browser.newContext({
		baseURL: baseUrl,
		viewport: { width: 1280, height: 900 },
		...contextOptions
	});
	await prepare?.(context);
	const { hostname } = new URL(baseUrl);
	await context.addCookies(
		[...cookies].map(([name, value]) => ({ name, value, domain: hostname, path: '/' }))
	);
	return context.newPage();
}

/** Waits until a person would see it, and says so as an assertion. */
export async function see(locator: Locator): Promise<void> {
	await locator.waitFor();
	expect(await locator.isVisible()).toBe(true);
}

/**
 * A slow link: the page's scripts are held back until `release` (the page is shown and can be
 * filled in, but is not hydrated yet). Call before `goto`.
 */
export async function holdScripts(page: Page): Promise<{ release: () => Promise<void> }> {
	const held: Route[] = [];
	let holding = true;
	await page.route('**/_app/immutable/**/*.js', async (route) => {
		if (holding) held.push(route);
		else await route.continue();
	});
	return {
		release: async () => {
			holding = false;
			await Promise.all(held.splice(0).map((route) => route.continue()));
			await page.waitForLoadState('networkidle');
		}
	};
}
