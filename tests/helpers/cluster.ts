import net from 'node:net';
import pg from 'pg';
import { expect, vi } from 'vitest';
import type { PartyView, ViewRole } from '#lib/protocol/session-view.ts';
import { createPostgresDatabase } from './database.ts';
import type { DemoParty } from './demo-mend.ts';
import { testEnv } from './env.ts';
import { HttpClient } from './http.ts';
import { spawnMend, type SpawnedMend } from './process.ts';
import { forgetRedisKeys, testRedisPrefix } from './redis.ts';
import { TEST_AUTH_SECRET } from './server.ts';
import type { SessionClient } from './session-client.ts';

/*
 * A deployment of several Mend processes serving together (DATABASE_URL and REDIS_URL), for
 * tests/integration/cluster.test.ts: real processes on a PostgreSQL database and a Redis key
 * prefix of the test's own, what the database says of who holds a case, and what people see.
 */

export const RUNNING = /Mend is running at (\S+)/;
/** What a process that does not serve says ("… this one stands by …", server/active-role.ts). */
export const STANDS_BY = /stands by/;

/** How long a view, a document or a record may take to show a change on a busy machine. */
export const PATIENT = 20_000;
/** How long a process may take to start serving on a busy machine. */
export const STARTING = 120_000;

/** The demo's names (src/lib/server/demo/seed-demo.ts). */
export const NAMES = {
	mediator: 'Dana Whitfield',
	victim: 'Maria Lopez',
	offender: 'Jordan Reed',
	guardian: 'Pat Reed'
} as const;
/** The demo's program (its staff pages are under /staff/riverside). */
export const PROGRAM = 'riverside';

/** One process of the deployment, serving. */
export interface Member {
	mend: SpawnedMend;
	/** Where it said it is running. */
	url: string;
	port: number;
}

/** A deployment of clustered processes on a database and a Redis prefix of the test's own. */
export interface Deployment {
	databaseUrl: string;
	/** In the order started: the first seeded the demo. */
	members: Member[];
	/** Each party's link to the demo's joint meeting (paths), as the first process printed them. */
	links: Record<DemoParty, string>;
	/** Reads the deployment's database, as someone looking into it would. */
	query<R extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
	/** One more process of the deployment (not seeding), once it serves. */
	startAnother(): Promise<Member>;
}

/** What a test undoes after it, last first, whatever happened to it (a failure, a timeout). */
export type Cleanups = (() => Promise<unknown> | unknown)[];

/** Starts `node server/index.ts` with `env`; killed when `cleanups` run. */
export function spawnKept(cleanups: Cleanups, env: Record<string, string>): SpawnedMend {
	const mend = spawnMend(env);
	cleanups.push(() => mend.stop('SIGKILL'));
	return mend;
}

/** A process of the deployment on a port of its own, once it says it serves. */
async function serve(cleanups: Cleanups, env: Record<string, string>): Promise<Member> {
	const mend = spawnKept(cleanups, { ...env, PORT: '0' });
	const url = (await mend.waitFor(RUNNING, STARTING))[1]!;
	return { mend, url, port: Number(new URL(url).port) };
}

/**
 * `count` clustered processes on a fresh database: the first alone (it migrates the database
 * and seeds the demo, which issues every party a new link — so only it may), then the others
 * together, not seeding; with `together`, all at the same instant (the first still the only
 * one seeding). Everything is stopped and removed when `cleanups` run.
 */
export async function startDeployment(
	cleanups: Cleanups,
	count: number,
	options: { together?: boolean } = {}
): Promise<Deployment> {
	const database = await createPostgresDatabase(testEnv.postgresUrl);
	cleanups.push(() => database.drop());
	const prefix = testRedisPrefix();
	cleanups.push(() => forgetRedisKeys(prefix));
	const databaseUrl = (database.config as { url: string }).url;
	const env = {
		DATABASE_URL: databaseUrl,
		REDIS_URL: testEnv.redisServerUrl,
		REDIS_KEY_PREFIX: prefix,
		AUTH_SECRET: TEST_AUTH_SECRET,
		LOG_LEVEL: 'warn'
	};
	const seeding = serve(cleanups, { ...env, SEED_DEMO: 'true' });
	const first = options.together ? null : await seeding;
	const others = await Promise.all(
		Array.from({ length: count - 1 }, () => serve(cleanups, { ...env, SEED_DEMO: 'false' }))
	);
	const reader = new pg.Client({ connectionString: databaseUrl });
	reader.on('error', () => {});
	await reader.connect();
	cleanups.push(() => reader.end());
	const seeded = first ?? (await seeding);
	return {
		databaseUrl,
		members: [seeded, ...others],
		links: demoLinks(seeded.mend.output()),
		query: async <R extends Record<string, unknown>>(sql: string, params: unknown[] = []) =>
			(await reader.query(sql, params)).rows as R[],
		startAnother: () => serve(cleanups, { ...env, SEED_DEMO: 'false' })
	};
}

/** The demo's party links, as a process seeding it printed them. */
export const demoLinks = (output: string) =>
	Object.fromEntries(
		[...output.matchAll(/^\s+(victim|offender|guardian)\s.*?(http:\/\/\S+)$/gm)].map((m) => [
			m[1],
			new URL(m[2]!).pathname
		])
	) as Record<DemoParty, string>;

/** The port in an address as a process registered it (`http://host:port`, or `host:port`). */
const portOf = (address: string) => Number(address.match(/:(\d+)\/?$/)?.[1]);

/**
 * The process holding the meeting's case now, as the database says (case_owners, and the
 * address cluster_processes gives the process), once one of `among` does.
 */
export async function ownerOf(
	deployment: Deployment,
	meetingId: string,
	among: Member[] = deployment.members
): Promise<Member> {
	let owner: Member | undefined;
	await vi.waitFor(
		async () => {
			const rows = await deployment.query<{ address: string }>(
				`select p.address from meetings m
				 join case_owners o on o.case_id = m.case_id
				 join cluster_processes p on p.id = o.process_id
				 where m.id = $1`,
				[meetingId]
			);
			expect(rows.length, 'one owner per case').toBeLessThanOrEqual(1);
			owner = among.find((member) => rows[0] && member.port === portOf(rows[0].address));
			expect(owner, `the case's owner: ${JSON.stringify(rows)}`).toBeDefined();
		},
		{ timeout: PATIENT, interval: 100 }
	);
	return owner!;
}

/** The case a meeting is of. */
export async function caseOf(deployment: Deployment, meetingId: string): Promise<string> {
	const [row] = await deployment.query<{ case_id: string }>(
		'select case_id from meetings where id = $1',
		[meetingId]
	);
	return row!.case_id;
}

/**
 * The same browser (its cookies as they are now) on pages another process serves: behind a
 * balancer, its next request may land on any of them.
 */
export function sameBrowserOn(http: HttpClient, url: string): HttpClient {
	const other = new HttpClient(url);
	for (const [name, value] of http.cookies) other.cookies.set(name, value);
	return other;
}

/** What a live-session connection goes through from now on: (re)connections, drops, views. */
export function watch(client: { socket: SessionClient['socket'] }) {
	const seen = { connects: [] as number[], drops: [] as string[], views: [] as number[] };
	client.socket.on('connect', () => seen.connects.push(Date.now()));
	client.socket.on('disconnect', (reason) => seen.drops.push(reason));
	client.socket.on('view', () => seen.views.push(Date.now()));
	return seen;
}

/**
 * Waits until a connection is back: connected, holding a view received after `since` and after
 * its last reconnection (a view the process serving it now sent). Returns when that view came.
 */
export async function backAfter(
	client: { socket: SessionClient['socket'] },
	seen: ReturnType<typeof watch>,
	since: number
): Promise<number> {
	let at = 0;
	await vi.waitFor(
		() => {
			const after = Math.max(since, seen.connects.at(-1) ?? 0);
			at = seen.views.find((time) => time >= after) ?? 0;
			expect(client.socket.connected && at > 0, 'connected again, with a view since').toBe(true);
		},
		{ timeout: 90_000, interval: 20 }
	);
	return at;
}

/** Whether connecting to 127.0.0.1:`port` is refused: nothing listens there. */
export function refuses(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = net.connect({ host: '127.0.0.1', port });
		socket.once('connect', () => {
			socket.destroy();
			resolve(false);
		});
		socket.once('error', () => resolve(true));
	});
}

/** Markers typed into a draft: `<who><n>;` */
export const markers = (text: string) => new Set(text.match(/[vm]\d+;/g) ?? []);
/** The number in a marker (`v12;` → 12): markers count up as they are typed. */
export const numberOf = (marker: string) => Number(marker.slice(1, -1));

/** The demo's side of a person (it has no support person; its guardian is the offender's). */
const sideOf = (role: ViewRole) =>
	role === 'mediator'
		? 'mediator'
		: role === 'offender' || role === 'guardian'
			? 'offender'
			: 'victim';

/**
 * The views that put a party with someone of the other side while no mediator was connected:
 * the session's first safety rule, which no view may ever break.
 */
export const togetherWithoutMediator = (views: PartyView[]) =>
	views.filter(
		(view) =>
			!view.mediatorPresent &&
			view.place.kind !== 'waiting' &&
			view.place.people.some(
				(p) =>
					p.present && sideOf(p.role) !== 'mediator' && sideOf(p.role) !== sideOf(view.you.role)
			)
	);
