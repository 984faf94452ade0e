import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	acceptEverything,
	draftedAgreement,
	freeze,
	sign,
	type Drafted
} from '../helpers/agreement.ts';
import { HttpClient } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * The headers Mend sends, read over real HTTP from the built app: a strict Content-Security-
 * Policy on every page, nothing about a person kept in a cache, the build's files cached long
 * and never sniffed, and HTTPS kept to only when Mend is served over it.
 */

/** A directive's sources, e.g. `sources(csp, 'script-src')` → ["'self'", "'nonce-…'"]. */
function sources(csp: string | null, name: string): string[] {
	const directive = (csp ?? '')
		.split(';')
		.map((part) => part.trim().split(/\s+/))
		.find(([directiveName]) => directiveName === name);
	if (!directive) throw new Error(`no ${name} in ${csp}`);
	return directive.slice(1);
}

/** Checks the policy every page must carry; returns its nonce. */
function expectStrictPolicy(csp: string | null, origin: string): string {
	expect(sources(csp, 'default-src')).toEqual(["'self'"]);
	const scripts = sources(csp, 'script-src');
	expect(scripts).toContain("'self'");
	expect(scripts.filter((s) => s !== "'self'")).toEqual([
		expect.stringMatching(/^'nonce-.{16,}'$/)
	]);
	expect(sources(csp, 'style-src')).not.toContain("'unsafe-inline'");
	expect(sources(csp, 'style-src-attr')).not.toContain("'unsafe-inline'");
	expect(sources(csp, 'object-src')).toEqual(["'none'"]);
	expect(sources(csp, 'base-uri')).toEqual(["'none'"]);
	expect(sources(csp, 'frame-ancestors')).toEqual(["'none'"]);
	expect(sources(csp, 'form-action')).toEqual(["'self'"]);
	expect(sources(csp, 'connect-src')).toEqual(["'self'", origin.replace(/^http/, 'ws')]);
	return scripts.find((s) => s.startsWith("'nonce-"))!.slice(7, -1);
}

describe('over plain http', () => {
	let server: TestServer;
	let d: Drafted;
	const cleanups: (() => void)[] = [];

	beforeAll(async () => {
		server = await startTestServer();
		d = await draftedAgreement(server, cleanups);
	});
	afterAll(async () => {
		for (const cleanup of cleanups.splice(0)) cleanup();
		await server?.close();
	});

	const casePath = () => `/staff/${d.meeting.slug}/cases/${d.meeting.caseId}`;
	const meetingPath = () => `${casePath()}/meetings/${d.meeting.meetingId}`;

	it('every page carries a strict Content-Security-Policy with a fresh nonce only its own scripts bear, and is never framed nor named in a Referer', async () => {
		const anonymous = new HttpClient(server.url);
		const pages = [
			[anonymous, '/login'],
			[anonymous, '/verify'],
			[d.meeting.coordinatorHttp, casePath()],
			[d.meeting.mediatorHttp, meetingPath()],
			[d.offender.http, d.meeting.parties.offender.path],
			[anonymous, '/no-such-page']
		] as const;
		const nonces = new Set<string>();
		for (const [client, path] of pages) {
			const response = await client.fetch(path);
			const html = await response.text();
			expect(response.headers.get('content-type'), path).toMatch(/^text\/html/);
			const nonce = expectStrictPolicy(response.headers.get('content-security-policy'), server.url);
			nonces.add(nonce);
			// The invitation's token is in the path: no Referer ever carries it; no site frames us.
			expect(response.headers.get('referrer-policy'), path).toBe('no-referrer');
			expect(response.headers.get('x-frame-options'), path).toBe('DENY');
			expect(response.headers.get('permissions-policy'), path).toContain('geolocation=()');
			const scripts = [...html.matchAll(/<script\b([^>]*)>/g)].map((match) => match[1]);
			expect(scripts.length, path).toBeGreaterThan(0);
			for (const attributes of scripts) expect(attributes, path).toContain(`nonce="${nonce}"`);
		}
		expect(nonces.size).toBe(pages.length);
	});

	it('nothing about a person is kept by a browser or a proxy: staff and party pages, their data, form answers, JSON and the PDF', async () => {
		const { agreementId } = d;
		await acceptEverything([d.victim, d.offender], agreementId);
		const hash = await freeze(d);
		for (const [actor, name] of [
			[d.victim, 'Vera Victim'],
			[d.offender, 'Otto Offender'],
			[d.guardian, 'Gail Guardian'],
			[d.mediator, 'Dana Mediator']
		] as const)
			expect((await sign(actor, agreementId, hash, name)).status).toBe(200);

		const offender = d.offender.http;
		const coordinator = d.meeting.coordinatorHttp;
		const meeting = `?meeting=${d.meeting.meetingId}`;
		const answers: [string, Response][] = [
			['staff page', await coordinator.fetch(casePath())],
			['staff page data', await coordinator.fetch(`${casePath()}/__data.json`)],
			['live session (mediator)', await d.meeting.mediatorHttp.fetch(meetingPath())],
			['party page', await offender.fetch(d.meeting.parties.offender.path)],
			['party page data', await offender.fetch(`${d.meeting.parties.offender.path}/__data.json`)],
			['survey page', await new HttpClient(server.url).fetch(`/survey/${'x'.repeat(43)}`)],
			['agreement JSON', await offender.fetch(`/api/agreements/${agreementId}${meeting}`)],
			['PDF', await offender.fetch(`/api/agreements/${agreementId}/pdf${meeting}`)],
			[
				'form answer',
				await coordinator.fetch(`${casePath()}?/assignMediator`, {
					method: 'POST',
					body: new URLSearchParams({ mediatorUserId: 'nobody' }),
					headers: { origin: server.url, accept: 'application/json' }
				})
			]
		];
		for (const [what, response] of answers) {
			await response.arrayBuffer();
			expect(response.status, what).toBeLessThan(500);
			expect(response.headers.get('cache-control'), what).toBe('no-store');
		}
		expect(answers.find(([what]) => what === 'PDF')![1].headers.get('content-type')).toBe(
			'application/pdf'
		);
		expect(
			answers.find(([what]) => what === 'staff page data')![1].headers.get('content-type')
		).toMatch(/^application\/json/);
	});

	it('the build’s files are cached for a year and never sniffed, as is every other response', async () => {
		const html = await (await new HttpClient(server.url).fetch('/login')).text();
		const asset = html.match(/_app\/immutable\/[\w./-]+\.js/)?.[0];
		expect(asset).toBeTruthy();
		const file = await fetch(`${server.url}/${asset}`);
		await file.arrayBuffer();
		expect(file.status).toBe(200);
		expect(file.headers.get('cache-control')).toBe('public,max-age=31536000,immutable');
		expect(file.headers.get('x-content-type-options')).toBe('nosniff');
		// socket.io answers its long-polling requests itself, before SvelteKit.
		const polling = await fetch(`${server.url}/rt/?EIO=4&transport=polling`);
		await polling.arrayBuffer();
		expect(polling.headers.get('x-content-type-options')).toBe('nosniff');
		for (const path of ['/login', '/api/health'])
			expect((await fetch(`${server.url}${path}`)).headers.get('x-content-type-options')).toBe(
				'nosniff'
			);
	});

	it('says nothing of HTTPS over plain http, even when a client claims it came over https', async () => {
		for (const headers of [{}, { 'x-forwarded-proto': 'https' }] as Record<string, string>[]) {
			const response = await fetch(`${server.url}/login`, { headers });
			await response.arrayBuffer();
			expect(response.headers.has('strict-transport-security')).toBe(false);
		}
	});
});

describe('over https, with LiveKit', () => {
	let server: TestServer;

	beforeAll(async () => {
		server = await startTestServer({
			PUBLIC_URL: 'https://mend.example.org',
			// A name that never resolves: Mend asks its LiveKit server for its rooms as it starts.
			LIVEKIT_URL: 'wss://livekit.invalid',
			LIVEKIT_API_KEY: 'APIkey',
			LIVEKIT_API_SECRET: 'a-secret-that-is-long-enough-for-livekit-tokens'
		});
	});
	afterAll(() => server?.close());

	it('keeps browsers to HTTPS for a year, on pages and on the build’s files', async () => {
		const page = await fetch(`${server.url}/login`);
		const html = await page.text();
		expect(page.headers.get('strict-transport-security')).toBe('max-age=31536000');
		const asset = html.match(/_app\/immutable\/[\w./-]+\.js/)![0];
		const file = await fetch(`${server.url}/${asset}`);
		await file.arrayBuffer();
		expect(file.headers.get('strict-transport-security')).toBe('max-age=31536000');
	});

	it('lets pages connect to Mend’s secure WebSocket and to the configured LiveKit server only', async () => {
		const page = await fetch(`${server.url}/login`);
		await page.arrayBuffer();
		expect(sources(page.headers.get('content-security-policy'), 'connect-src')).toEqual([
			"'self'",
			'wss://mend.example.org',
			'wss://livekit.invalid',
			'https://livekit.invalid'
		]);
	});
});
