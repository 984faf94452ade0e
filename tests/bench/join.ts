/**
 * `npm run bench:join` — how fast a party goes from opening their invitation link to hearing
 * and seeing the others, and how much JavaScript the pages cost them.
 *
 * - media_ms: from the victim's browser opening the link to remote audio AND video flowing
 *   (inbound-rtp bytes > 0), built-in (browser-to-browser) mode on loopback, with the victim
 *   pressing "Join" and the mediator letting them in as soon as each is possible (automated, so
 *   this is the system's part of the wait, not a person's reaction time). Median of REPS runs.
 * - join_js_gzip_kb: JavaScript the join page loads before the person joins (gzip -9 of each
 *   script), and session_js_gzip_kb after joining, media flowing; the same session page again
 *   with LiveKit configured (pointed at a local stub: no LiveKit server can run here, so no
 *   media flows then — the bytes are what matter).
 * The baseline is the issue's goal: media within 2 s; join page under 60 KB without LiveKit.
 *
 * BENCH_REPS=5 (runs of the arrival); BENCH_LIST_SCRIPTS=1 also lists each script the join
 * and session pages load with its gzip size (to see what a page carries).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.ts';
import { HttpClient } from '../helpers/http.ts';
import { LiveKitStub } from '../helpers/livekit-stub.ts';
import { weighScripts, type ScriptWeight } from '../helpers/page-weight.ts';
import { startMendProcess, type MendProcess } from '../helpers/process.ts';
import { linkStats, recordPeerConnections } from '../helpers/webrtc.ts';

const REPS = Number(process.env.BENCH_REPS ?? 5);
const LIST_SCRIPTS = Boolean(process.env.BENCH_LIST_SCRIPTS);
/** A string in livekit-client's code: its chunk has arrived (the page got a LiveKit transport). */
const LIVEKIT_MARKER = 'livekit-pc-manager';
const SECRET = 'bench-secret-that-is-long-enough-for-better-auth';

async function settle(page: Page) {
	await page.waitForLoadState('networkidle').catch(() => {});
	await page.waitForTimeout(300);
}

async function until<T>(
	probe: () => Promise<T>,
	test: (v: T) => boolean,
	timeoutMs = 20_000
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (test(value)) return value;
		if (Date.now() > deadline) throw new Error(`timed out; last ${JSON.stringify(value)}`);
		await new Promise((r) => setTimeout(r, 25));
	}
}

interface Stage {
	mend: MendProcess;
	browser: Browser;
	console: Page;
	victimLink: string;
	dataDir: string;
}

/** Mend with its demo, the demo mediator in the joint session's console, the session started. */
async function stage(env: Record<string, string>): Promise<Stage> {
	const dataDir = await mkdtemp(path.join(tmpdir(), 'mend-bench-join-'));
	const mend = await startMendProcess(
		{
			PORT: '0',
			SEED_DEMO: 'true',
			AUTH_SECRET: SECRET,
			LOG_LEVEL: 'warn',
			DATA_DIR: path.join(dataDir, 'data'),
			...env
		},
		120_000
	);
	const victimLink = mend.output().match(/victim\s+Maria Lopez\s+(\S+)/)![1];
	const staff = new HttpClient(mend.url);
	await staff.action('/login?/signIn', {
		email: 'mediator@riverside.example',
		password: 'mend-demo-password'
	});
	const browser = await launchChromium();
	const context = await browser.newContext({
		baseURL: mend.url,
		viewport: { width: 1280, height: 900 }
	});
	const host = new URL(mend.url).hostname;
	await context.addCookies(
		[...staff.cookies].map(([name, value]) => ({ name, value, domain: host, path: '/' }))
	);
	await recordPeerConnections(context);
	const page = await context.newPage();
	await page.goto('/staff/riverside');
	await page.locator('a[href*="/cases/"]').first().click();
	await page
		.getByRole('region', { name: 'Joint session' })
		.getByRole('link', { name: 'Open the session' })
		.click();
	await page.getByRole('button', { name: 'Join with these settings' }).click();
	await page.getByRole('button', { name: 'Start the session' }).click();
	await page.getByTestId('waiting-room').waitFor();
	return { mend, browser, console: page, victimLink: new URL(victimLink).pathname, dataDir };
}

async function teardown(s: Stage) {
	await s.browser.close();
	await s.mend.stop('SIGTERM');
	await rm(s.dataDir, { recursive: true, force: true });
}

/** One party's arrival: link opened, Join pressed, let in, media flowing both ways. */
/** BENCH_LIST_SCRIPTS: each script a page loaded, largest first. */
function listScripts(name: string, weight: ScriptWeight) {
	if (!LIST_SCRIPTS) return;
	console.log(`Scripts of the ${name}, gzip:`);
	for (const [url, size] of [...weight.scripts].sort((a, b) => b[1] - a[1]))
		console.log(`  ${(size / 1024).toFixed(1).padStart(6)} KB  ${url}`);
}

async function arrive(s: Stage, options: { media: boolean }) {
	const context = await s.browser.newContext({
		baseURL: s.mend.url,
		viewport: { width: 360, height: 740 }
	});
	await recordPeerConnections(context);
	const victim = await context.newPage();
	const weighed = weighScripts(victim, LIVEKIT_MARKER);
	const started = Date.now();
	await victim.goto(s.victimLink);
	const join = victim.getByRole('button', { name: 'Join with these settings' });
	await join.waitFor();
	await join.click();
	const letIn = s.console
		.getByTestId('waiting-room')
		.getByRole('listitem')
		.filter({ hasText: 'Maria Lopez' })
		.getByRole('button', { name: 'Let in', exact: true });
	await letIn.click({ timeout: 20_000 });
	let mediaMs = NaN;
	if (options.media) {
		await until(
			() => linkStats(victim),
			(links) => links.some((l) => l.audioIn > 0 && l.videoIn > 0)
		);
		mediaMs = Date.now() - started;
	} else {
		// LiveKit: wait for its chunk to load (the transport arrived), then the page to settle.
		await until(async () => weighed.sawMarker, Boolean);
	}
	await settle(victim);
	const sessionBytes = weighed.bytes;
	listScripts(options.media ? 'session page' : 'session page, LiveKit', weighed);
	// Back to the waiting room for the next arrival.
	await s.console
		.getByTestId('room-joint')
		.getByRole('listitem')
		.filter({ hasText: 'Maria Lopez' })
		.getByRole('button', { name: 'Send to the waiting room' })
		.click();
	await context.close();
	return { mediaMs, sessionBytes };
}

/** The join page alone: what loads before the person presses Join. */
async function joinPageBytes(s: Stage, name: string): Promise<number> {
	const context = await s.browser.newContext({
		baseURL: s.mend.url,
		viewport: { width: 360, height: 740 }
	});
	const page = await context.newPage();
	const weighed = weighScripts(page);
	await page.goto(s.victimLink);
	await page.getByRole('button', { name: 'Join with these settings' }).waitFor();
	await settle(page);
	const bytes = weighed.bytes;
	listScripts(name, weighed);
	await context.close();
	return bytes;
}

const kb = (bytes: number) => Math.round((bytes / 1024) * 10) / 10;
const median = (values: number[]) =>
	[...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const builtIn = await stage({});
let joinBytes: number;
const times: number[] = [];
let sessionBytes = 0;
try {
	joinBytes = await joinPageBytes(builtIn, 'join page');
	for (let rep = 0; rep < REPS; rep++) {
		const result = await arrive(builtIn, { media: true });
		times.push(result.mediaMs);
		sessionBytes = result.sessionBytes;
	}
} finally {
	await teardown(builtIn);
}

const stub = await new LiveKitStub().start();
const withLiveKit = await stage({
	LIVEKIT_URL: stub.url,
	LIVEKIT_API_KEY: stub.apiKey,
	LIVEKIT_API_SECRET: stub.apiSecret
});
let liveKitJoinBytes: number;
let liveKitSessionBytes: number;
try {
	liveKitJoinBytes = await joinPageBytes(withLiveKit, 'join page, LiveKit configured');
	liveKitSessionBytes = (await arrive(withLiveKit, { media: false })).sessionBytes;
} finally {
	await teardown(withLiveKit);
	await stub.stop();
}

console.log(
	`\nFrom opening the link to remote audio and video flowing (built-in mode, loopback), ${REPS} runs:`
);
console.log(
	`  ${times.map((t) => `${t} ms`).join(', ')} — median ${median(times)} ms (goal: under 2000 ms)\n`
);
console.log('| page | JavaScript (gzip) | goal |');
console.log('|---|---:|---|');
console.log(`| join page (before joining) | ${kb(joinBytes!)} KB | under 60 KB |`);
console.log(`| session page, built-in media | ${kb(sessionBytes)} KB | — |`);
console.log(`| join page, LiveKit configured | ${kb(liveKitJoinBytes!)} KB | — |`);
console.log(`| session page, LiveKit | ${kb(liveKitSessionBytes!)} KB | — |`);
console.log(
	`RESULT join media_ms=${median(times)} join_js_gzip_kb=${kb(joinBytes!)} session_js_gzip_kb=${kb(sessionBytes)} session_js_gzip_kb_livekit=${kb(liveKitSessionBytes!)}`
);
