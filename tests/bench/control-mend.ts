/**
 * Mend as the control benchmarks run it (tests/bench/control.ts, tests/bench/cluster.ts): the
 * real server, `node server/index.ts` as `npm run serve` starts it, on a bench database seeded
 * by control-seed.ts; and its sessions as the load drives them — the mediator signed in as
 * staff, each party with the cookie their link left, each session started, everyone admitted
 * and the speaking moderated before the first grant.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { HttpClient } from '../helpers/http.ts';
import type { BenchProgram } from './bench-database.ts';
import type { Member } from './control-clients.ts';
import type { SessionSpec } from './control-load.ts';
import type { SeededSession } from './control-seed.ts';
import { NODE_OPTIONS, spawnServer, type Spawned } from './server-process.ts';

/** Printed once a process serves and listens, with its public address. */
export const RUNNING = /Mend is running at (\S+)/;

/**
 * The settings of a Mend process on `databaseUrl`, listening on `port`. The processes of one
 * deployment share the secret, the public address and Redis; each of a cluster listens on its
 * own port (a standby on the serving one's).
 */
export function mendEnv(options: {
	databaseUrl: string;
	port: number;
	authSecret?: string;
	/** The deployment's address; unset, the one this process listens on. */
	publicUrl?: string;
	/** REDIS_URL and REDIS_KEY_PREFIX: with PostgreSQL, this process serves in a cluster. */
	redis?: { url: string; keyPrefix: string };
	logLevel?: 'warn' | 'info';
	/** Extra NODE_OPTIONS (--cpu-prof …). */
	nodeOptions?: string;
}): Record<string, string> {
	// In production Mend is told its public address: here, by default, the one it listens on.
	return {
		NODE_ENV: 'production',
		PORT: String(options.port),
		HOST: '127.0.0.1',
		PUBLIC_URL: options.publicUrl ?? `http://127.0.0.1:${options.port}`,
		AUTH_SECRET: options.authSecret ?? randomBytes(32).toString('base64url'),
		SEED_DEMO: 'false',
		LOG_LEVEL: options.logLevel ?? 'warn',
		DATABASE_URL: options.databaseUrl,
		...(options.redis
			? { REDIS_URL: options.redis.url, REDIS_KEY_PREFIX: options.redis.keyPrefix }
			: {}),
		NODE_OPTIONS: [NODE_OPTIONS, options.nodeOptions ?? ''].join(' ').trim()
	};
}

/** A Mend process with these settings; resolves once it prints `ready` (serving, by default). */
export function spawnMend(env: Record<string, string>, ready = RUNNING): Promise<Spawned> {
	return spawnServer('server/index.ts', env, ready);
}

/** The seeded sessions as the load drives them on the Mend serving at `url`. */
export async function mendSessions(
	url: string,
	program: BenchProgram,
	sessions: SeededSession[]
): Promise<SessionSpec[]> {
	const staff = new HttpClient(url);
	const signedIn = await staff.action('/login?/signIn', program.login);
	if (signedIn.type !== 'redirect')
		throw new Error(`the mediator could not sign in: ${JSON.stringify(signedIn)}`);
	const mediator: Member = { as: 'staff', cookie: staff.cookieHeader };
	return sessions.map((s) => ({
		meetingId: s.meetingId,
		members: [
			mediator,
			{ as: 'party', cookie: s.parties.victim.cookie },
			{ as: 'party', cookie: s.parties.offender.cookie },
			{ as: 'party', cookie: s.parties.guardian.cookie }
		],
		floorTo: [s.parties.victim.id, s.parties.offender.id],
		prepare: async ([chair, ...parties]) => {
			await chair!.do({ type: 'startSession' });
			for (const role of ['victim', 'offender', 'guardian'] as const)
				await chair!.do({ type: 'admit', participantId: s.parties[role].id });
			await Promise.all(
				parties.map(async (party) => {
					await party.until((v) => v.place?.kind === 'joint');
					await party.do({ type: 'confirmVoluntary' });
				})
			);
			await chair!.do({ type: 'setSpeakingMode', mode: 'moderated' });
		}
	}));
}

/** The PostgreSQL backends connected to the database of `databaseUrl`. */
export async function backendPids(admin: pg.Client, databaseUrl: string): Promise<number[]> {
	const { rows } = await admin.query<{ pid: number }>(
		'select pid from pg_stat_activity where datname = $1',
		[new URL(databaseUrl).pathname.slice(1)]
	);
	return rows.map((r) => r.pid);
}
