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
import { afterAll, afterEach, expect } from 'vitest';
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

/** A Content-Security-Policy violation a page reported, where and what it blocked. */
export interface CspViolation {
	page: string;
	directive: string;
	blocked: string;
	sample: string;
}

/** Violations reported since the last test ended (every browser of this test file). */
const cspViolations: CspViolation[] = [];

/**
 * Every page of every context records what the Content-Security-Policy blocked: the page's
 * `securitypolicyviolation` events, and Chromium's console errors about the policy (which also
 * come from workers). Init scripts and `evaluate` run outside the page's policy.
 */
async function recordCspViolations(context: BrowserContext): Promise<void> {
	await context.exposeBinding('__mendCspViolation', ({ page }, v: Omit<CspViolation, 'page'>) => {
		cspViolations.push({ page: page.url(), ...v });
	});
	await context.addInitScript(() => {
		const report = (window as unknown as { __mendCspViolation: (v: object) => void })
			.__mendCspViolation;
		document.addEventListener('securitypolicyviolation', (event) =>
			report({
				directive: event.effectiveDirective,
				blocked: event.blockedURI,
				sample: event.sample
			})
		);
	});
	context.on('console', (message) => {
		if (/content security policy/i.test(message.text()))
			cspViolations.push({
				page: message.page()?.url() ?? '(worker)',
				directive: '(console)',
				blocked: '',
				sample: message.text()
			});
	});
}

/** The violations reported so far, taken: a test that provokes some expects them itself. */
export const takeCspViolations = (): CspViolation[] => cspViolations.splice(0);

/** Throws, listing them, if a page reported a policy violation since the last call. */
export function expectNoCspViolations(): void {
	expect(takeCspViolations(), 'Content-Security-Policy violations').toEqual([]);
}

// Every browser test runs under Mend's policy: a page that needs something the policy forbids
// fails the test it happened in (or, reported after its last test, the file), not production.
afterEach(() => expectNoCspViolations());
afterAll(() => expectNoCspViolations());

/**
 * Debian's Chromium, whose every context records Content-Security-Policy violations: the test
 * in which one occurs fails.
 */
export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
	if (!chromiumPath) throw new Error('Chromium is not installed');
	const browser = await chromium.launch({
		executablePath: chromiumPath,
		args: CHROMIUM_ARGS,
		...options
	});
	const newContext = browser.newContext.bind(browser);
	browser.newContext = async (contextOptions) => {
		const context = await newContext(contextOptions);
		await recordCspViolations(context);
		return context;
	};
	return browser;
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
