import { existsSync } from 'node:fs';
import { chromium, type Browser, type LaunchOptions } from 'playwright-core';
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
