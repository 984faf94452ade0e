import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { agreementDocName } from '#lib/protocol/collab.ts';
import type { MediatorView, PartyView } from '#lib/protocol/session-view.ts';
import { agreementOfMeeting, credentialsOf, staffActor, type Actor } from '../helpers/agreement.ts';
import { CollabClient } from '../helpers/collab.ts';
import { createPostgresDatabase, type TestDatabase } from '../helpers/database.ts';
import { demoMediator, freePort, openDemoLink, type DemoParty } from '../helpers/demo-mend.ts';
import { embeddedPass, postgresPass, testEnv } from '../helpers/env.ts';
import { HttpClient } from '../helpers/http.ts';
import { postgresFor } from '../helpers/postgres.ts';
import { spawnMend, startMendProcess, type SpawnedMend } from '../helpers/process.ts';
import { TEST_AUTH_SECRET } from '../helpers/server.ts';
import { SessionClient } from '../helpers/session-client.ts';

/**
 * What an IT team does with a second Mend process: start it on the same database, start both
 * at once on an empty one, kill the one serving in the middle of a meeting. Real processes
 * (`node server/index.ts`), a real PostgreSQL database of the test's own.
 */

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
	for (const cleanup of cleanups.reverse()) await cleanup();
});

const RUNNING = /Mend is running at (\S+)/;
const STANDING_BY = /this one stands by/;

const withPostgres = postgresPass && (await postgresFor('server'));

describe('a second process on the embedded database', () => {
	it.runIf(embeddedPass)(
		'is refused with the reason, and the first goes on serving',
		async () => {
			const dir = await mkdtemp(path.join(tmpdir(), 'mend-two-'));
			cleanups.push(() => rm(dir, { recursive: true, force: true }));
			const env = { DATA_DIR: path.join(dir, 'data'), PORT: '0', LOG_LEVEL: 'warn' };
			const first = await startMendProcess(env);
			cleanups.push(() => first.stop('SIGKILL'));

			const second = spawnMend(env);
			cleanups.push(() => second.stop('SIGKILL'));
			expect(await second.exited).toBe(1);
			expect(second.output()).toContain(
				`Another Mend process (pid ${first.child.pid}) is using the embedded database`
			);
			expect((await new HttpClient(first.url).page('/api/health')).status).toBe(200);
		},
		120_000
	);
});

/** The database of the test under way. */
let database: TestDatabase;

/**
 * Starts a process of the deployment on `port`: serving, or standing by. `seed`: it seeds the
 * demo once it serves — which gives every party a new link, so only the first process may.
 */
const start = (port: number, seed: boolean): SpawnedMend => {
	const mend = spawnMend({
		DATABASE_URL: (database.config as { url: string }).url,
		PORT: String(port),
		AUTH_SECRET: TEST_AUTH_SECRET,
		SEED_DEMO: String(seed),
		LOG_LEVEL: 'warn'
	});
	cleanups.push(() => mend.stop('SIGKILL'));
	return mend;
};

describe('processes on one PostgreSQL database', () => {
	it.runIf(withPostgres)(
		'start together on an empty database: migrated once, one serves, the other stands by and takes over',
		async () => {
			database = await createPostgresDatabase(testEnv.postgresUrl);
			cleanups.push(() => database.drop());
			// The same port: the standby listens only once it serves (the one before let it go).
			const port = await freePort();
			const both = [start(port, true), start(port, true)];
			const serving = await Promise.race(
				both.map((mend) => mend.waitFor(RUNNING).then(() => mend))
			);
			const standby = both.find((mend) => mend !== serving)!;
			await standby.waitFor(STANDING_BY);

			const client = new pg.Client({ connectionString: (database.config as { url: string }).url });
			await client.connect();
			const { rows } = await client.query(
				'select count(*)::int as n from drizzle.__drizzle_migrations'
			);
			await client.end();
			const files = (await readdir('drizzle')).filter((file) => file.endsWith('.sql'));
			expect(rows[0].n).toBe(files.length);
			expect(standby.child.exitCode).toBeNull();
			expect(standby.output()).not.toMatch(RUNNING);

			expect(await serving.stop('SIGKILL')).toBeNull();
			const url = (await standby.waitFor(RUNNING))[1]!;
			expect((await new HttpClient(url).page('/api/health')).status).toBe(200);
		},
		180_000
	);

	it.runIf(withPostgres)(
		'a standby takes the place of a process killed mid-meeting and mid-typing, losing nothing',
		async () => {
			database = await createPostgresDatabase(testEnv.postgresUrl);
			cleanups.push(() => database.drop());
			const port = await freePort();
			const serving = start(port, true);
			const url = (await serving.waitFor(RUNNING))[1]!;
			const standby = start(port, false);
			await standby.waitFor(STANDING_BY);
			await failover(url, serving, [
				async (stopping) => {
					stopping();
					expect(await serving.stop('SIGKILL')).toBeNull();
					return standby;
				}
			]);
		},
		180_000
	);
});

describe('a rolling restart during a live meeting', () => {
	it.runIf(withPostgres)(
		'hands the meeting from process to process, each stopped in turn, losing nothing',
		async () => {
			database = await createPostgresDatabase(testEnv.postgresUrl);
			cleanups.push(() => database.drop());
			const port = await freePort();
			const first = start(port, true);
			const url = (await first.waitFor(RUNNING))[1]!;
			const second = start(port, false);
			await second.waitFor(STANDING_BY);
			let third: SpawnedMend | null = null;
			await failover(url, first, [
				async (stopping) => {
					// An upgrade: the old process is asked to stop, writes what it has, lets go.
					stopping();
					expect(await first.stop('SIGTERM'), first.output()).toBe(0);
					return second;
				},
				async (stopping) => {
					third = start(port, false);
					await third.waitFor(STANDING_BY);
					stopping();
					expect(await second.stop('SIGTERM'), second.output()).toBe(0);
					return third;
				}
			]);
		},
		240_000
	);
});

describe('a process killed between a withdrawal and the revocation of the link', () => {
	it.runIf(withPostgres)(
		'leaves the link working only until the next process serves: it mends the records from the log',
		async () => {
			const database = await createPostgresDatabase(testEnv.postgresUrl);
			cleanups.push(() => database.drop());
			const url = (database.config as { url: string }).url;
			const env = {
				DATABASE_URL: url,
				PORT: String(await freePort()),
				AUTH_SECRET: TEST_AUTH_SECRET,
				LOG_LEVEL: 'warn'
			};
			let mend = spawnMend({ ...env, SEED_DEMO: 'true' });
			cleanups.push(() => mend.stop('SIGKILL'));
			const base = (await mend.waitFor(RUNNING))[1]!;
			const links = demoLinks(mend.output());
			const staff = await demoMediator(base);
			const victim = await openDemoLink(base, links.victim);
			const meetingId = victim.meetingId!;
			const mediator = new SessionClient<MediatorView>(base, {
				cookie: staff.cookieHeader,
				meetingId,
				as: 'staff'
			});
			const party = new SessionClient<PartyView>(base, {
				cookie: victim.http.cookieHeader,
				meetingId,
				as: 'party'
			});
			cleanups.push(() => [mediator, party].forEach((client) => client.close()));
			await Promise.all([mediator.connected(), party.connected()]);
			await mediator.do({ type: 'startSession' });

			// The links' table is held: the withdrawal is logged, its revocation waits…
			const admin = new pg.Client({ connectionString: url });
			await admin.connect();
			cleanups.push(() => admin.end().catch(() => {}));
			await admin.query('begin');
			await admin.query('lock table invitations in exclusive mode');
			void party.send({ type: 'withdraw' }).catch(() => {});
			const reader = new pg.Client({ connectionString: url });
			await reader.connect();
			cleanups.push(() => reader.end().catch(() => {}));
			const logged = async () =>
				(
					await reader.query(
						`select 1 from session_events where meeting_id = $1 and command->>'type' = 'withdraw'`,
						[meetingId]
					)
				).rows.length;
			await vi.waitFor(async () => expect(await logged()).toBe(1), { timeout: 15_000 });
			// …and the process dies there.
			await mend.stop('SIGKILL');
			await admin.query('rollback');
			const revoked = async () =>
				(
					await reader.query(
						`select revoked_at from invitations i join parties p on p.id = i.party_id
						 where i.meeting_id = $1 and p.role = 'victim'`,
						[meetingId]
					)
				).rows.every((row) => row.revoked_at !== null);
			expect(await revoked()).toBe(false);

			// The next process to serve mends it without anyone connecting.
			mend = spawnMend({ ...env, SEED_DEMO: 'false' });
			await mend.waitFor(RUNNING);
			await vi.waitFor(async () => expect(await revoked()).toBe(true), { timeout: 15_000 });
			expect((await victim.http.page(links.victim)).html).not.toContain('Welcome, Maria Lopez');
		},
		120_000
	);
});

/** The demo's party links, as a process seeding it printed them. */
const demoLinks = (output: string) =>
	Object.fromEntries(
		[...output.matchAll(/^\s+(victim|offender|guardian)\s.*?(http:\/\/\S+)$/gm)].map((m) => [
			m[1],
			new URL(m[2]!).pathname
		])
	) as Record<DemoParty, string>;

/** Markers typed into the draft: `<who><n>;` */
const markers = (text: string) => new Set(text.match(/[vm]\d+;/g) ?? []);

/**
 * A meeting under way on `serving`, at its drafting step with two people typing and the
 * mediator changing the turn length as fast as it is acknowledged; `serving` is killed, and
 * `standby` takes over. Everyone is back within seconds; nothing acknowledged or shown is lost;
 * the two sides are never together while the mediator is away.
 */
/**
 * Stops the serving process, one way or another, calling `stopping` just before; returns the
 * one that serves next.
 */
type Handover = (stopping: () => void) => Promise<SpawnedMend>;

async function failover(url: string, seeded: SpawnedMend, handovers: Handover[]) {
	const links = demoLinks(seeded.output());
	const staff = await demoMediator(url);
	const browsers = {} as Record<'victim' | 'offender', Actor>;
	for (const role of ['victim', 'offender'] as const)
		browsers[role] = await openDemoLink(url, links[role]);
	const meetingId = browsers.victim.meetingId!;

	const open: { close(): void }[] = [];
	cleanups.push(() => open.forEach((client) => client.close()));
	const connect = <V extends MediatorView | PartyView>(cookie: string, as: 'party' | 'staff') => {
		const client = new SessionClient<V>(url, { cookie, meetingId, as, reconnection: true });
		open.push(client);
		return client.connected();
	};
	const mediator = await connect<MediatorView>(staff.cookieHeader, 'staff');
	const parties = {
		victim: await connect<PartyView>(browsers.victim.http.cookieHeader, 'party'),
		offender: await connect<PartyView>(browsers.offender.http.cookieHeader, 'party')
	};
	const idOf = (role: string) => mediator.view.participants.find((p) => p.role === role)!.id;
	await mediator.until((v) => v.participants.filter((p) => p.present).length === 3);
	await mediator.do({ type: 'startSession' });
	for (const role of ['victim', 'offender'] as const) {
		await mediator.do({ type: 'admit', participantId: idOf(role) });
		await parties[role].until((v) => v.place.kind === 'joint');
		await parties[role].do({ type: 'confirmVoluntary' });
	}
	await mediator.do({ type: 'setSpeakingMode', mode: 'turns', turnSeconds: 60 });
	await mediator.do({ type: 'goToStep', step: 'drafting' });
	const doc = agreementDocName((await agreementOfMeeting(staffActor(staff), meetingId))!);

	const typists = {
		v: new CollabClient(url, doc, credentialsOf(browsers.victim)),
		m: new CollabClient(url, doc, credentialsOf(staffActor(staff)))
	};
	open.push(...Object.values(typists).map((client) => ({ close: () => client.destroy() })));
	await Promise.all(Object.values(typists).map((client) => client.synced()));
	let count = 0;
	const typing = Object.entries(typists).map(([who, client]) =>
		setInterval(() => {
			const field = client.doc.getText('harm');
			field.insert(field.length, `${who}${count++};`);
		}, 10)
	);
	// The mediator's commands, one after the other; the last acknowledged is kept.
	let acknowledged = 60;
	let changing = true;
	const changes = (async () => {
		for (let seconds = 61; changing; seconds++) {
			const answer = await mediator
				.send({ type: 'setTurnLength', turnSeconds: seconds })
				.catch(() => null);
			if (answer?.ok) acknowledged = seconds;
			else await new Promise((resolve) => setTimeout(resolve, 50));
		}
	})();
	const seenByOther = () =>
		[...markers(typists.m.doc.getText('harm').toString())].filter((m) => m.startsWith('v'));
	await vi.waitFor(() => expect(seenByOther().length).toBeGreaterThan(40), { timeout: 15_000 });
	await vi.waitFor(() => expect(acknowledged).toBeGreaterThan(70), { timeout: 15_000 });

	const shown = new Set<string>();
	let serving = null as SpawnedMend | null;
	for (const handover of handovers) {
		const viewsBefore = [mediator, parties.victim, parties.offender].map((c) => c.views.length);
		let stoppedAt = Date.now();
		const next = await handover(() => (stoppedAt = Date.now()));
		const ackedBefore = acknowledged;
		for (const marker of seenByOther()) shown.add(marker);
		serving = next;
		await next.waitFor(RUNNING, 60_000);

		// Everyone holds a view from the new process: they reconnected, and it sent them one.
		const delays = await Promise.all(
			[mediator, parties.victim, parties.offender].map(async (client, index) => {
				await vi.waitFor(
					() =>
						expect(client.socket.connected && client.views.length > viewsBefore[index]!).toBe(true),
					{ timeout: 30_000, interval: 20 }
				);
				return Date.now() - stoppedAt;
			})
		);
		console.info(
			`handover: everyone back ${Math.max(...delays)} ms after the stop (${delays.join(', ')})`
		);

		// Back where they were: the joint room, the drafting step, the last acknowledged change.
		for (const party of Object.values(parties))
			await party.until((v) => v.place.kind === 'joint' && v.step === 'drafting', 15_000);
		const last = await mediator.until(
			(v) => v.step === 'drafting' && v.speaking?.mode === 'turns' && v.seq > 0,
			15_000
		);
		expect(last.speaking?.mode === 'turns' && last.speaking.turnSeconds).toBeGreaterThanOrEqual(
			ackedBefore
		);
		// Going on: more changes acknowledged by the new process before the next handover.
		const resumed = acknowledged;
		await vi.waitFor(() => expect(acknowledged).toBeGreaterThan(resumed + 5), { timeout: 15_000 });
	}
	changing = false;
	for (const interval of typing) clearInterval(interval);
	await changes;
	expect(serving).not.toBeNull();

	// Every edit the mediator's page had shown from the victim is in the draft.
	const fresh = new CollabClient(url, doc, credentialsOf(staffActor(staff)));
	open.push({ close: () => fresh.destroy() });
	await fresh.synced(15_000);
	const recovered = markers(fresh.doc.getText('harm').toString());
	expect([...shown].filter((marker) => !recovered.has(marker))).toEqual([]);

	// No view ever put a side with the other while no mediator was connected.
	for (const party of Object.values(parties))
		for (const view of party.views)
			if (
				view.place.kind === 'joint' &&
				view.place.people.some(
					(p) => p.present && p.role !== 'mediator' && p.role !== view.you.role
				)
			)
				expect(view.mediatorPresent).toBe(true);
}
