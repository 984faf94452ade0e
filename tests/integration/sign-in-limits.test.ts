import { randomBytes } from 'node:crypto';
import { and, desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents } from '#lib/server/db/schema.ts';
import { addStaff, createProgram } from '../helpers/fixtures.ts';
import { HttpClient } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * Sign-in limits behind a reverse proxy (TRUST_PROXY=true, one proxy): each client here is a
 * browser at one address, as the proxy reports it — the proxy appends the address it saw to
 * whatever X-Forwarded-For the browser sent, so the last entry is the one Mend may believe.
 * The limits live in the server (in its memory, or in Redis when the run has one) for the
 * whole file: every test uses its own addresses and accounts.
 */

let server: TestServer;
let programId: string;

beforeAll(async () => {
	server = await startTestServer({ TRUST_PROXY: 'true' });
	programId = (await createProgram(server.deps)).id;
});
afterAll(() => server?.close());

/** A browser at `address`, reaching Mend through the proxy (which may add to what it sends). */
class BrowserAt extends HttpClient {
	readonly forwardedFor: () => string;

	constructor(baseUrl: string, forwardedFor: string | (() => string)) {
		super(baseUrl);
		this.forwardedFor = typeof forwardedFor === 'string' ? () => forwardedFor : forwardedFor;
	}

	override fetch(path: string, init: RequestInit = {}): Promise<Response> {
		const headers = new Headers(init.headers);
		headers.set('x-forwarded-for', this.forwardedFor());
		return super.fetch(path, { ...init, headers });
	}

	signIn(email: string, password: string) {
		return this.action('/login?/signIn', { email, password });
	}
}

const randomAddress = () => `10.${[...randomBytes(3)].join('.')}`;

describe('failed sign-ins', () => {
	it('from one address do not lock the account out from another address', async () => {
		const owner = await addStaff(server.deps, programId, 'mediator');
		const attacker = new BrowserAt(server.url, '203.0.113.10');
		const answers = [];
		for (let i = 0; i < 14; i++) answers.push(await attacker.signIn(owner.email, `guess-${i}`));
		expect(answers.slice(0, 10).map((a) => a.status)).toEqual(Array(10).fill(400));
		// The attacker's address is stopped for this account, even with the right password…
		expect(answers.slice(10).map((a) => a.status)).toEqual(Array(4).fill(429));
		expect(await attacker.signIn(owner.email, owner.password)).toMatchObject({ status: 429 });

		// …while the owner, in a browser that never signed in before, elsewhere, gets in.
		const ownerBrowser = new BrowserAt(server.url, '198.51.100.10');
		expect(await ownerBrowser.signIn(owner.email, owner.password)).toMatchObject({
			type: 'redirect'
		});
	});

	it('from an address that keeps failing, on any accounts, are limited', async () => {
		const owner = await addStaff(server.deps, programId, 'coordinator');
		const attacker = new BrowserAt(server.url, '203.0.113.20');
		const answers = [];
		for (let i = 0; i < 30; i++)
			answers.push((await attacker.signIn(`nobody-${i}@staff.example`, 'guess')).status);
		expect(answers).toEqual(Array(30).fill(400));
		expect(await attacker.signIn('someone-else@staff.example', 'guess')).toMatchObject({
			status: 429
		});
		expect(await attacker.signIn(owner.email, owner.password)).toMatchObject({ status: 429 });
		// Another address is not affected.
		expect(
			await new BrowserAt(server.url, '198.51.100.20').signIn(owner.email, owner.password)
		).toMatchObject({ type: 'redirect' });
	});

	it('are counted at the address the proxy saw, whatever X-Forwarded-For the browser sent', async () => {
		// The browser invents a new address for every request; the proxy appends the real one.
		const attacker = new BrowserAt(server.url, () => `${randomAddress()}, 192.0.2.30`);
		for (let i = 0; i < 30; i++)
			expect((await attacker.signIn(`forged-${i}@staff.example`, 'guess')).status).toBe(400);
		expect(await attacker.signIn('forged-last@staff.example', 'guess')).toMatchObject({
			status: 429
		});
		const [failure] = await server.deps.db
			.select({ ip: auditEvents.ipAddress })
			.from(auditEvents)
			.where(and(eq(auditEvents.action, 'staff.sign_in_failed')))
			.orderBy(desc(auditEvents.id))
			.limit(1);
		expect(failure.ip).toBe('192.0.2.30');
	});

	it('at one account from many addresses stop new browsers, never the browser that signed in before', async () => {
		const owner = await addStaff(server.deps, programId, 'mediator');
		const usual = new BrowserAt(server.url, '198.51.100.40');
		expect(await usual.signIn(owner.email, owner.password)).toMatchObject({ type: 'redirect' });
		expect((await usual.action('/logout', {})).type).toBe('redirect');

		// Eleven addresses, ten guesses each: more than an account allows from new browsers.
		for (let a = 0; a < 11; a++) {
			const attacker = new BrowserAt(server.url, `203.0.113.${100 + a}`);
			for (let i = 0; i < 10; i++) await attacker.signIn(owner.email, `guess-${a}-${i}`);
		}
		const newBrowser = new BrowserAt(server.url, '198.51.100.41');
		expect(await newBrowser.signIn(owner.email, owner.password)).toMatchObject({ status: 429 });
		// The browser the owner signed in with before still opens the account.
		expect(await usual.signIn(owner.email, owner.password)).toMatchObject({ type: 'redirect' });
	});
});
