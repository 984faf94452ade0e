import { afterAll } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { HttpClient } from './http.ts';
import { startMendProcess, stopStartedProcesses, type MendProcess } from './process.ts';
import { TEST_AUTH_SECRET } from './server.ts';

/*
 * Kept apart from process.ts, which the benches import outside vitest: this one needs the test
 * database and the test server's secret.
 */

// After each test file: a server whose start outlived its test (a timeout on a busy machine)
// was never handed to the test's own clean-up.
afterAll(stopStartedProcesses);

export type DemoParty = 'victim' | 'offender' | 'guardian';

/** A browser that opened a party's link: its cookies, and the meeting the page named. */
export interface DemoBrowser {
	http: HttpClient;
	meetingId: string;
}

/**
 * Mend in a child process on a database of its own, with the demo seeded, to be killed in the
 * middle of something and started again on the same port and data.
 */
export interface DemoMend {
	/** The process running now (the last one `restart` started). */
	process: MendProcess;
	/** The base URL; the same after a restart. */
	url: string;
	/** Each party's link, as the demo printed it (a path). */
	links: Record<DemoParty, string>;
	/** The database it runs on. */
	database: TestDatabase;
	/** Starts it again on the same port and data (not seeding again). */
	restart(): Promise<MendProcess>;
	/** Kills it and removes its database and data directory. */
	close(): Promise<void>;
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
	const probe = createServer();
	await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
	const { port } = probe.address() as { port: number };
	await new Promise((resolve) => probe.close(resolve));
	return port;
}

/**
 * `tempPrefix` names its temporary data directory; `database` makes the database it runs on
 * (by default the run's: in-memory PGlite's template on disk, or a fresh PostgreSQL database).
 */
export async function startDemoMend(
	tempPrefix: string,
	settings: Record<string, string> = {},
	database: () => Promise<TestDatabase> = createTestDatabase
): Promise<DemoMend> {
	const dataDir = await mkdtemp(path.join(tmpdir(), tempPrefix));
	let made: TestDatabase | undefined;
	let current: MendProcess | undefined;
	const close = async () => {
		await current?.stop('SIGKILL');
		await made?.drop();
		await rm(dataDir, { recursive: true, force: true });
	};
	try {
		made = await database();
		const env: Record<string, string> = {
			PORT: String(await freePort()),
			AUTH_SECRET: TEST_AUTH_SECRET,
			LOG_LEVEL: 'warn',
			...settings,
			...(made.config.kind === 'postgres'
				? { DATABASE_URL: made.config.url }
				: { DATA_DIR: path.join(dataDir, 'data') })
		};
		current = await startMendProcess({ ...env, SEED_DEMO: 'true' });
		const links = Object.fromEntries(
			[...current.output().matchAll(/^\s+(victim|offender|guardian)\s.*?(http:\/\/\S+)$/gm)].map(
				(m) => [m[1], new URL(m[2]).pathname]
			)
		) as Record<DemoParty, string>;
		const demo: DemoMend = {
			process: current,
			url: current.url,
			links,
			database: made,
			restart: async () => {
				current = await startMendProcess({ ...env, SEED_DEMO: 'false' });
				demo.process = current;
				return current;
			},
			close
		};
		return demo;
	} catch (error) {
		await close();
		throw error;
	}
}

/** The demo's mediator, signed in. */
export async function demoMediator(url: string): Promise<HttpClient> {
	const staff = new HttpClient(url);
	await staff.action('/login?/signIn', {
		email: 'mediator@riverside.example',
		password: 'mend-demo-password'
	});
	return staff;
}

/** A browser that opened a party's link, and the meeting its page is for. */
export async function openDemoLink(url: string, link: string): Promise<DemoBrowser> {
	const http = new HttpClient(url);
	const { html } = await http.page(link);
	return { http, meetingId: html.match(/meetingId:"([0-9a-f-]{36})"/)![1] };
}
