import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { embeddedPass } from '../helpers/env.ts';
import { HttpClient } from '../helpers/http.ts';
import { startMendProcess, type MendProcess } from '../helpers/process.ts';

/**
 * What a newcomer does after `npm ci`: start Mend with nothing configured. (The build step of
 * `npm start` has already run as part of `npm test`.)
 */

let dataDir: string;
let mend: MendProcess | undefined;

afterAll(async () => {
	await mend?.stop('SIGKILL');
	if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

// Always on the embedded database, whatever the run's: once in CI (env.ts, embeddedPass).
describe.runIf(embeddedPass)('starting Mend with no configuration', () => {
	it('creates the embedded database, seeds the demo and prints where to click', async () => {
		dataDir = await mkdtemp(path.join(tmpdir(), 'mend-start-'));
		mend = await startMendProcess({ DATA_DIR: path.join(dataDir, 'data'), PORT: '0' });
		const output = mend.output();
		expect(output).toContain('Staff sign in:');
		expect(output).toContain('coordinator@riverside.example');
		expect(output).toContain('mediator@riverside.example');
		const links = [...output.matchAll(/(http:\/\/\S+\/join\/\S+)/g)].map((m) => m[1]);
		expect(links).toHaveLength(3);
		// What the embedded database does not promise is said at start (PGlite runs without fsync).
		expect(output).toMatch(/embedded database \(PGlite\) does not flush its writes to disk/);

		const visitor = new HttpClient(mend.url);
		expect((await visitor.page('/')).status).toBe(200);
		const victim = await visitor.page(new URL(links[0]).pathname);
		expect(victim.html).toContain('Welcome, Maria Lopez');

		const staff = new HttpClient(mend.url);
		const signedIn = await staff.action('/login?/signIn', {
			email: 'coordinator@riverside.example',
			password: 'mend-demo-password'
		});
		expect(signedIn).toMatchObject({ type: 'redirect', location: '/staff' });
		const cases = await staff.page('/staff/riverside');
		expect(cases.status).toBe(200);
		expect(cases.html).toContain('Dana Whitfield');
	}, 120_000); // A first start creates the database: slow on a busy machine.

	it('stops cleanly on SIGTERM, and starts again on the same data without seeding twice', async () => {
		expect(await mend!.stop('SIGTERM')).toBe(0);
		mend = await startMendProcess({ DATA_DIR: path.join(dataDir, 'data'), PORT: '0' });
		const staff = new HttpClient(mend.url);
		await staff.action('/login?/signIn', {
			email: 'coordinator@riverside.example',
			password: 'mend-demo-password'
		});
		const cases = await staff.page('/staff/riverside');
		expect(cases.html.match(/\/staff\/riverside\/cases\/[0-9a-f-]{36}"/g)).toHaveLength(1);
	}, 120_000);

	it('is started by npm with the same V8 flags the tests and benchmarks use', async () => {
		const { readFile } = await import('node:fs/promises');
		const { SERVER_NODE_FLAGS } = await import('../helpers/process.ts');
		const scripts = JSON.parse(await readFile('package.json', 'utf8')).scripts;
		expect(scripts.serve).toBe(`node ${SERVER_NODE_FLAGS.join(' ')} server/index.ts`);
	});

	it('refuses to start on a bad setting, naming it', async () => {
		await expect(
			startMendProcess({ PORT: 'eighty', DATA_DIR: path.join(dataDir, 'x') })
		).rejects.toThrow(/PORT: must be a port number/);
	});
});
