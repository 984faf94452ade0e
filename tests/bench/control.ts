/**
 * `npm run bench:control` — how fast the control plane tells everyone of a session what
 * changed, with many sessions on one process.
 *
 * N live sessions (N = 100, 500, 1000) of 4 real socket.io clients each — the mediator (signed
 * in as staff), the victim, the offender and the offender's guardian (each with the party
 * cookie their link left) — on the real Mend server (`node server/index.ts`, built app,
 * PostgreSQL) in a child process. Each mediator grants the floor every 500 ms, to the victim
 * and the offender in turn, the sessions' phases spread evenly over the 500 ms. Measured per
 * grant: from the moment the command is sent until the last of the 4 clients holds a view
 * whose seq is at least the one the command's acknowledgement names (p50/p99); and over the
 * measurement window, the server process's CPU (utime+stime from /proc, % of one core), its
 * resident memory (VmRSS at the end of the window), the load generator's own CPU and that of
 * the PostgreSQL backends serving Mend.
 *
 * The baseline, in the same run and through the same client code: a bare socket.io server
 * (tests/bench/control-bare-server.ts) where each session is a room of 4 clients and a
 * command is answered by broadcasting `{ seq, floor }` to the room — what the transport itself
 * costs. Goal (the issue): Mend's p99 within 1.5× the bare p99 at N = 1000, RSS under 400 MB.
 *
 * A third server, also in the same run: the same bare server that first commits each command's
 * row to PostgreSQL as Mend commits a session's log entry (same row, same batching, one write
 * in flight), then broadcasts — the floor for any server that shows nobody a change before it
 * is durable, as Mend must ("nothing acknowledged is lost").
 *
 * Needs a build (`npm run build`) and a PostgreSQL server at BENCH_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/postgres), on which a fresh database is created, seeded
 * with new sessions before each Mend round (tests/bench/control-seed.ts) and dropped at the
 * end. Settings, all optional:
 *
 *   BENCH_SESSIONS=100,500,1000   session counts, one round each per server
 *   BENCH_WARMUP_S=5              grants before the measurement window
 *   BENCH_MEASURE_S=20            length of the measurement window
 *   BENCH_INTERVAL_MS=500         time between two grants of one session
 *   BENCH_CONNECT_BATCH=50        clients connecting at once
 *   BENCH_SERVERS=bare,durable,mend which servers to measure; `fenced` as well: the durable
 *                                 server writing with Mend's fenced statement (FENCED=1 of
 *                                 control-bare-server.ts)
 *   BENCH_MAX_OTHER_LOAD=30       other work on the machine (% of one core) that disturbs a round
 *   BENCH_RETRIES=2               how often a disturbed round is measured again
 *   BENCH_QUIET_WAIT_S=120        how long to wait for a quiet machine before each round
 *   BENCH_CPU_PROF=<dir>          write a V8 CPU profile of the Mend server at the largest N
 *   BENCH_TIMELINE=1              also print latencies per second of the window (to stderr)
 *   BENCH_NODE_OPTIONS=…          NODE_OPTIONS for both servers (e.g. --max-semi-space-size=16)
 *   BENCH_NODE_FLAGS=…            more flags on both servers' command lines (e.g. --trace-gc)
 *   BENCH_SERVER_OUTPUT=<dir>     keep each server's output in <dir>/<server>-<N>.log
 *
 * The machine's other load during each window (all CPU time not spent by the server, the load
 * generator or PostgreSQL) is reported too: on a shared 2-core machine it moves the tail, so a
 * round waits for a quiet machine and one disturbed all the same is measured again.
 *
 * The last line printed is
 * `RESULT control sessions=… p50_ms=… p99_ms=… bare_p99_ms=… p99_ratio=… rss_mb=…
 * durable_p99_ms=… durable_bare_ratio=… mend_durable_ratio=…` (with `fenced`: then
 * `fenced_p99_ms=… fenced_durable_ratio=… mend_fenced_ratio=…`), for N = 1000 (or the largest N
 * measured).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { createBenchDatabase, type BenchDatabase, type BenchProgram } from './bench-database.ts';
import {
	bareSessions,
	closeAllClients,
	ControlLoad,
	describeFigures,
	roundFigures,
	type RoundFigures,
	type SessionSpec
} from './control-load.ts';
import { backendPids, mendEnv, mendSessions, spawnMend } from './control-mend.ts';
import { prepareBenchDatabase, seedSessions, type SeededSession } from './control-seed.ts';
import { controlSettings, GRACE_MS } from './control-settings.ts';
import { leastDisturbed, measureWindow, type Watched } from './cpu-window.ts';
import { fmt, percentile } from './proc-stats.ts';
import { freePort, spawnServer, stopChild } from './server-process.ts';

const {
	sizes: SIZES,
	warmupMs: WARMUP_MS,
	measureMs: MEASURE_MS,
	intervalMs: INTERVAL_MS,
	connectBatch: CONNECT_BATCH,
	cpuProfDir: CPU_PROF_DIR,
	serverOutputDir: SERVER_OUTPUT_DIR,
	adminUrl: ADMIN_URL,
	quiet: QUIET
} = controlSettings({ sessions: '100,500,1000', retries: 2 });
const SERVERS = (process.env.BENCH_SERVERS ?? 'bare,durable,mend').split(',').map((s) => s.trim());
const TIMELINE = Boolean(process.env.BENCH_TIMELINE);

const log = (message: string) => console.error(`[bench:control] ${message}`);

type ServerKind = 'Mend' | 'bare' | 'durable' | 'fenced';

interface Target extends Watched {
	server: ServerKind;
	url: string;
	sessions: SessionSpec[];
	stop(): Promise<void>;
	output(): string;
}

// ---------------------------------------------------------------------------------------------
// The servers: the bare baseline, the durable baseline, Mend

/**
 * The bare server; with `databaseUrl`, the durable one (each command committed first); with
 * `fenced` too, committed by Mend's fenced statement.
 */
async function startBare(n: number, databaseUrl?: string, fenced = false): Promise<Target> {
	const bare = await spawnServer(
		'tests/bench/control-bare-server.ts',
		{
			PORT: '0',
			HOST: '127.0.0.1',
			...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
			...(fenced ? { FENCED: '1' } : {})
		},
		/listening (\d+)/
	);
	const admin = databaseUrl ? new pg.Client({ connectionString: ADMIN_URL }) : null;
	try {
		await admin?.connect();
	} catch (error) {
		await stopChild(bare.child);
		throw error;
	}
	return {
		server: fenced ? 'fenced' : databaseUrl ? 'durable' : 'bare',
		url: `http://127.0.0.1:${bare.ready[1]}`,
		pids: [bare.child.pid!],
		sessions: bareSessions(n),
		dbPids: admin ? () => backendPids(admin, databaseUrl!) : undefined,
		stop: async () => {
			await admin?.end().catch(() => {});
			await stopChild(bare.child);
		},
		output: bare.output
	};
}

/** The real Mend (control-mend.ts) on PostgreSQL. */
async function startMend(
	databaseUrl: string,
	program: BenchProgram,
	sessions: SeededSession[],
	profile: boolean
): Promise<Target> {
	const mend = await spawnMend(
		mendEnv({
			databaseUrl,
			port: await freePort(),
			nodeOptions: profile && CPU_PROF_DIR ? `--cpu-prof --cpu-prof-dir=${CPU_PROF_DIR}` : undefined
		})
	);
	const admin = new pg.Client({ connectionString: ADMIN_URL });
	try {
		// It prints its PUBLIC_URL, the address it listens on.
		const url = mend.ready[1]!;
		const specs = await mendSessions(url, program, sessions);
		await admin.connect();
		return {
			server: 'Mend',
			url,
			pids: [mend.child.pid!],
			sessions: specs,
			dbPids: () => backendPids(admin, databaseUrl),
			stop: async () => {
				await admin.end().catch(() => {});
				await stopChild(mend.child);
			},
			output: mend.output
		};
	} catch (error) {
		await admin.end().catch(() => {});
		await stopChild(mend.child);
		throw error;
	}
}

// ---------------------------------------------------------------------------------------------
// One round: N sessions on one server

interface Row extends RoundFigures {
	server: ServerKind;
}

async function round(target: Target): Promise<Row> {
	const n = target.sessions.length;
	const label = `${target.server} N=${n}`;

	const load = await ControlLoad.seat(target.url, target.sessions, {
		connectBatch: CONNECT_BATCH
	});
	log(
		`${label}: ${n * 4} clients connected and sessions prepared in ${load.connectS.toFixed(1)} s`
	);
	load.startGranting(INTERVAL_MS);
	let window;
	try {
		window = await measureWindow(target, WARMUP_MS, MEASURE_MS);
	} finally {
		load.stopGranting();
	}
	await sleep(GRACE_MS);

	if (TIMELINE) {
		const { perSecond } = load.fanOut(window.startAt, window.endAt);
		// CLOCK_MONOTONIC, as V8's CPU profiles count time: to line the two up.
		const monotonicStartUs =
			process.hrtime.bigint() / 1000n -
			BigInt(Math.round((performance.now() - window.startAt) * 1000));
		log(`${label}: window starts at monotonic ${monotonicStartUs} µs`);
		for (const [second, values] of perSecond.entries()) {
			values.sort((a, b) => a - b);
			log(
				`${label}: second ${second}: ${values.length} grants, p50 ${percentile(values, 0.5).toFixed(1)} ms, ` +
					`p99 ${percentile(values, 0.99).toFixed(1)} ms, max ${(values.at(-1) ?? NaN).toFixed(1)} ms`
			);
		}
	}
	const row: Row = { server: target.server, ...roundFigures(load, window) };
	load.close();
	log(`${label}: ${describeFigures(row)}`);
	if (row.failed > 0 || row.dropped > 0)
		log(`${label}: server output:\n${target.output().slice(-2000)}`);
	return row;
}

// ---------------------------------------------------------------------------------------------

let database: BenchDatabase | null = null;
let program: BenchProgram | null = null;
let running: Target | null = null;

async function cleanUp(): Promise<void> {
	closeAllClients();
	await running?.stop().catch(() => {});
	running = null;
	await database?.drop().catch((error) => log(`could not drop the database: ${error}`));
}

process.once('SIGINT', () => {
	log('interrupted: cleaning up');
	void cleanUp().finally(() => process.exit(130));
});

async function measure(server: string, n: number): Promise<Row> {
	if (server === 'bare') running = await startBare(n);
	else if (server === 'durable' || server === 'fenced') {
		if (!database) throw new Error('no database');
		running = await startBare(n, database.url, server === 'fenced');
	} else {
		if (!database || !program) throw new Error('no database');
		const sessions = await seedSessions(database.url, program, n);
		running = await startMend(database.url, program, sessions, n === Math.max(...SIZES));
	}
	try {
		return await round(running);
	} finally {
		await running.stop();
		if (SERVER_OUTPUT_DIR)
			await writeFile(path.join(SERVER_OUTPUT_DIR, `${running.server}-${n}.log`), running.output());
		running = null;
	}
}

const rows: Row[] = [];
const runStarted = performance.now();
try {
	database = await createBenchDatabase(ADMIN_URL, 'control');
	log(`database ${new URL(database.url).pathname.slice(1)}`);
	program = await prepareBenchDatabase(database.url);
	for (const n of SIZES)
		for (const server of SERVERS)
			rows.push(await leastDisturbed({ ...QUIET, log }, () => measure(server, n)));
} catch (error) {
	console.error(error);
	await cleanUp();
	process.exit(1);
} finally {
	await cleanUp();
}

const SERVER_NAMES: Record<ServerKind, string> = {
	bare: 'bare socket.io',
	durable: 'bare + durable commit',
	fenced: 'bare + fenced durable commit',
	Mend: 'Mend'
};
console.log(
	`\nControl plane: N sessions × 4 clients, a floor grant per session every ${INTERVAL_MS} ms; ` +
		`${WARMUP_MS / 1000} s warm-up, ${MEASURE_MS / 1000} s measured; ` +
		`run took ${((performance.now() - runStarted) / 1000).toFixed(0)} s\n`
);
console.log(
	'| server | N | p50 ms | p99 ms | commands | CPU % | RSS MB | client CPU % | PostgreSQL CPU % | other load % |'
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows)
	console.log(
		`| ${SERVER_NAMES[r.server]} | ${r.n} | ${fmt(r.p50)} | ${fmt(r.p99)} | ` +
			`${r.commands}${r.failed ? ` (${r.failed} failed)` : ''} | ${fmt(r.cpu, 0)} | ${r.rss} | ` +
			`${fmt(r.clientCpu, 0)} | ${fmt(r.dbCpu, 0)} | ${fmt(r.otherCpu, 0)} |`
	);
const largest = SIZES.includes(1000) ? 1000 : Math.max(...SIZES);
const mend = rows.find((r) => r.server === 'Mend' && r.n === largest);
const bare = rows.find((r) => r.server === 'bare' && r.n === largest);
const durable = rows.find((r) => r.server === 'durable' && r.n === largest);
const fenced = rows.find((r) => r.server === 'fenced' && r.n === largest);
const ratio = (a?: Row, b?: Row) => (a && b ? fmt(a.p99 / b.p99, 2) : '–');
console.log(
	`RESULT control sessions=${largest} p50_ms=${fmt(mend?.p50 ?? NaN)} p99_ms=${fmt(mend?.p99 ?? NaN)} ` +
		`bare_p99_ms=${fmt(bare?.p99 ?? NaN)} p99_ratio=${ratio(mend, bare)} ` +
		`rss_mb=${mend?.rss ?? '–'} durable_p99_ms=${fmt(durable?.p99 ?? NaN)} ` +
		`durable_bare_ratio=${ratio(durable, bare)} mend_durable_ratio=${ratio(mend, durable)}` +
		(fenced
			? ` fenced_p99_ms=${fmt(fenced.p99)} fenced_durable_ratio=${ratio(fenced, durable)} ` +
				`mend_fenced_ratio=${ratio(mend, fenced)}`
			: '')
);
