/**
 * `npm run bench:cluster` — Mend as several processes on one database (issue 18), as far as
 * that exists: one serving process and a standby that takes over when it dies.
 *
 * The load is bench:control's (tests/bench/control-load.ts): N live sessions of 4 real
 * socket.io clients each — the mediator signed in as staff, the victim, the offender and the
 * offender's guardian with the cookies their links left — each mediator granting the floor
 * every 500 ms, victim and offender in turn. The clients reconnect by themselves, as browsers
 * do (first try 50–150 ms after a drop, then at most every 500 ms). Two rounds per N, each on a
 * fresh database with N new sessions (so that a process taking over finds only its round's live
 * meetings), both through the same client code:
 *
 *   - single: one Mend process (`node server/index.ts`, built app, PostgreSQL), alone;
 *   - two processes: the same, and a standby started after it with the same settings and the
 *     same PORT (it listens only once it serves). **Every client is on the serving process**:
 *     spreading a session's clients over two processes needs each session's commands routed to
 *     its owner and its views published to every process (docs/ARCHITECTURE.md, "Processes on
 *     one database"), which is not built yet — the RESULT line says `spread=no`. What this
 *     round measures is what a standby costs the process serving beside it.
 *
 * Per round, over the window: the fan-out of every grant (from sending it until the last of
 * the session's 4 clients holds a view whose seq is at least the one acknowledged; p50/p99),
 * the Mend processes' CPU (utime+stime from /proc, both processes in the second round) per
 * grant delivered and as % of one core, the serving process's resident memory (and the
 * standby's), the load generator's and PostgreSQL's CPU and the machine's other load.
 *
 * Then, in the second round, while the grants go on (3 s after the window, so that its grants
 * are delivered): kill -9 of the serving process, and the failover (tests/bench/failover.ts) —
 * from the kill until every client of every session holds a view from the new process, with
 * what it consists of (the lock taken, listening, the sessions taken from their logs, the
 * clients back) and the acknowledged grants lost (the log and the mediators' first views
 * checked against every acknowledgement).
 *
 * Goal (the issue, for when sessions are spread): p99 with clients spread over two processes
 * within 1.5× the single process at N = 500; failover ≤ 3 s; lost = 0.
 *
 * Needs a build (`npm run build`) and a PostgreSQL server at BENCH_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/postgres), on which each round creates a database and
 * drops it afterwards. Settings, all optional:
 *
 *   BENCH_SESSIONS=100,500        session counts, two rounds each
 *   BENCH_WARMUP_S=5              grants before the measurement window
 *   BENCH_MEASURE_S=20            length of the measurement window
 *   BENCH_INTERVAL_MS=500         time between two grants of one session
 *   BENCH_CONNECT_BATCH=50        clients connecting at once
 *   BENCH_ROUNDS=single,two       which rounds to measure (`two` ends with the failover)
 *   BENCH_FAILOVER_TIMEOUT_S=60   how long the clients may take to come back
 *   BENCH_MAX_OTHER_LOAD=30       other work on the machine (% of one core) that disturbs a round
 *   BENCH_RETRIES=1               how often a disturbed round is measured again
 *   BENCH_QUIET_WAIT_S=120        how long to wait for a quiet machine before each round
 *   BENCH_CPU_PROF=<dir>          write a V8 CPU profile of the standby (the process that takes
 *                                 over) at the largest N
 *   BENCH_SERVER_OUTPUT=<dir>     keep each process's output in <dir>/<round>-<N>-<process>.log
 *
 * The last line printed is `RESULT cluster processes=2 spread=no sessions=… p99_ms=…
 * single_p99_ms=… p99_ratio=… failover_ms=… lost=… first_back_ms=… listening_ms=…
 * cpu_ms_per_command=… single_cpu_ms_per_command=…`, for N = 500 (or the largest N measured).
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { createBenchDatabase, type BenchDatabase } from './bench-database.ts';
import {
	closeAllClients,
	ControlLoad,
	describeFigures,
	roundFigures,
	type RoundFigures
} from './control-load.ts';
import { backendPids, mendEnv, mendSessions, spawnMend, STANDING_BY } from './control-mend.ts';
import { prepareBenchDatabase, seedSessions } from './control-seed.ts';
import { controlSettings, GRACE_MS } from './control-settings.ts';
import { leastDisturbed, measureWindow } from './cpu-window.ts';
import { killAndTakeOver, type FailoverFigures } from './failover.ts';
import { fmt, rssMb } from './proc-stats.ts';
import { freePort, stopChild, type Spawned } from './server-process.ts';

const settings = controlSettings({ sessions: '100,500', retries: 1 });
const ROUNDS = (process.env.BENCH_ROUNDS ?? 'single,two')
	.split(',')
	.map((s) => s.trim()) as RoundKind[];
const FAILOVER_TIMEOUT_MS = Number(process.env.BENCH_FAILOVER_TIMEOUT_S ?? 60) * 1000;

const log = (message: string) => console.error(`[bench:cluster] ${message}`);

type RoundKind = 'single' | 'two';

/** One round's deployment: its database, its Mend processes, the serving one first. */
interface Deployment {
	database: BenchDatabase;
	processes: Spawned[];
	admin: pg.Client;
}

/** Everything a round started, stopped on the way out whatever happens. */
const deployments = new Set<Deployment>();

async function tearDown(deployment: Deployment, kind: RoundKind, n: number): Promise<void> {
	deployments.delete(deployment);
	await deployment.admin.end().catch(() => {});
	const names = ['serving', 'standby'];
	for (const [i, mend] of deployment.processes.entries()) {
		await stopChild(mend.child);
		if (settings.serverOutputDir)
			await writeFile(
				path.join(settings.serverOutputDir, `${kind}-${n}-${names[i]}.log`),
				mend.output()
			);
	}
	await deployment.database.drop().catch((error) => log(`could not drop the database: ${error}`));
}

interface Row extends RoundFigures {
	kind: RoundKind;
	/** The standby's CPU over the window (% of one core) and resident memory, in the second round. */
	standbyCpu: number | null;
	standbyRss: number | null;
	failover: FailoverFigures | null;
}

async function round(kind: RoundKind, n: number): Promise<Row> {
	const label = `${kind === 'single' ? 'single process' : 'serving + standby'} N=${n}`;
	const database = await createBenchDatabase(settings.adminUrl, 'cluster');
	const admin = new pg.Client({ connectionString: settings.adminUrl });
	const deployment: Deployment = { database, processes: [], admin };
	deployments.add(deployment);
	try {
		const program = await prepareBenchDatabase(database.url);
		const seeded = await seedSessions(database.url, program, n);
		// Every process of the deployment gets the same settings, its port too. Info: the
		// standby's line "This process serves the deployment" times the lock.
		const shared = mendEnv({
			databaseUrl: database.url,
			port: await freePort(),
			authSecret: randomBytes(32).toString('base64url'),
			logLevel: 'info'
		});
		const serving = await spawnMend(shared);
		deployment.processes.push(serving);
		if (kind === 'two') {
			const profile = settings.cpuProfDir && n === Math.max(...settings.sizes);
			const nodeOptions = profile ? ` --cpu-prof --cpu-prof-dir=${settings.cpuProfDir}` : '';
			deployment.processes.push(
				await spawnMend(
					{ ...shared, NODE_OPTIONS: `${shared.NODE_OPTIONS}${nodeOptions}`.trim() },
					STANDING_BY
				)
			);
		}
		const standby = deployment.processes[1];
		await admin.connect();
		const url = serving.ready[1]!;
		const load = await ControlLoad.seat(url, await mendSessions(url, program, seeded), {
			connectBatch: settings.connectBatch,
			reconnection: true
		});
		log(
			`${label}: ${n * 4} clients connected and sessions prepared in ${load.connectS.toFixed(1)} s`
		);

		load.startGranting(settings.intervalMs);
		const window = await measureWindow(
			{
				pids: deployment.processes.map((mend) => mend.child.pid!),
				dbPids: () => backendPids(admin, database.url)
			},
			settings.warmupMs,
			settings.measureMs
		);
		const standbyCpu = standby ? window.cpuEach[1]! : null;
		const standbyRss = standby ? (await rssMb(standby.child.pid!)).rss : null;
		// The grants go on: those of the window are delivered before anything else is measured.
		await sleep(GRACE_MS);
		const figures = roundFigures(load, window);
		log(`${label}: ${describeFigures(figures)}`);

		let failover: FailoverFigures | null = null;
		if (standby) {
			failover = await killAndTakeOver({
				load,
				serving,
				standby,
				databaseUrl: database.url,
				timeoutMs: FAILOVER_TIMEOUT_MS
			});
			log(`${label}: failover: ${describeFailover(failover)}`);
		} else load.stopGranting();
		load.close();
		return { kind, ...figures, standbyCpu, standbyRss, failover };
	} finally {
		await tearDown(deployment, kind, n);
	}
}

function describeFailover(f: FailoverFigures): string {
	return (
		`lock taken ${f.lockMs} ms after the kill, listening at ${f.listeningMs} ms, ` +
		`${f.taken} sessions taken from ${fmt(f.firstTakenMs, 0)} to ${fmt(f.lastTakenMs, 0)} ms, ` +
		`first client back at ${fmt(f.firstBackMs, 0)} ms, half the sessions at ${fmt(f.sessionP50Ms, 0)} ms, ` +
		`90 % at ${fmt(f.sessionP90Ms, 0)} ms, every session at ${fmt(f.allBackMs, 0)} ms ` +
		`(${f.back} of ${f.clients} clients back; at most ${f.maxAttempts} attempts to reconnect, ` +
		`${f.listenDrops} connections dropped by the kernel); the new process used ${fmt(f.cpuMs, 0)} ms of CPU ` +
		`meanwhile, its PostgreSQL backends ${fmt(f.dbCpuMs, 0)} ms; ${f.acknowledged} grants acknowledged, ` +
		`${f.lost} lost (${f.missingFromLog} not in the log, ${f.staleViews} sessions' first views ` +
		`not showing their last)`
	);
}

async function cleanUp(): Promise<void> {
	closeAllClients();
	for (const deployment of deployments) await tearDown(deployment, 'single', 0).catch(() => {});
}

process.once('SIGINT', () => {
	log('interrupted: cleaning up');
	void cleanUp().finally(() => process.exit(130));
});

const rows: Row[] = [];
const runStarted = performance.now();
try {
	for (const n of settings.sizes)
		for (const kind of ROUNDS)
			rows.push(await leastDisturbed({ ...settings.quiet, log }, () => round(kind, n)));
} catch (error) {
	console.error(error);
	await cleanUp();
	process.exit(1);
}

console.log(
	`\nProcesses on one database: N sessions × 4 clients, a floor grant per session every ` +
		`${settings.intervalMs} ms; ${settings.warmupMs / 1000} s warm-up, ${settings.measureMs / 1000} s measured; ` +
		`every client on the serving process (spread=no); run took ` +
		`${((performance.now() - runStarted) / 1000).toFixed(0)} s\n`
);
const NAMES: Record<RoundKind, string> = { single: 'one process', two: 'serving + standby' };
console.log(
	'| processes | N | p50 ms | p99 ms | commands | CPU % | CPU ms a grant | RSS MB | standby CPU % | standby RSS MB | client CPU % | PostgreSQL CPU % | other load % |'
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows)
	console.log(
		`| ${NAMES[r.kind]} | ${r.n} | ${fmt(r.p50)} | ${fmt(r.p99)} | ` +
			`${r.commands}${r.failed ? ` (${r.failed} failed)` : ''} | ${fmt(r.cpu, 0)} | ` +
			`${fmt(r.cpuMsPerCommand, 3)} | ${r.rss} | ${fmt(r.standbyCpu, 0)} | ${r.standbyRss ?? '–'} | ` +
			`${fmt(r.clientCpu, 0)} | ${fmt(r.dbCpu, 0)} | ${fmt(r.otherCpu, 0)} |`
	);
console.log(
	'\n| N | lock taken ms | listening ms | sessions taken ms | first client back ms | half the sessions back ms | 90 % back ms | every session back ms | new process CPU ms | its PostgreSQL CPU ms | grants acknowledged | lost |'
);
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const { n, failover: f } of rows)
	if (f)
		console.log(
			`| ${n} | ${f.lockMs} | ${f.listeningMs} | ${fmt(f.firstTakenMs, 0)}–${fmt(f.lastTakenMs, 0)} | ` +
				`${fmt(f.firstBackMs, 0)} | ${fmt(f.sessionP50Ms, 0)} | ${fmt(f.sessionP90Ms, 0)} | ${fmt(f.allBackMs, 0)} | ` +
				`${fmt(f.cpuMs, 0)} | ${fmt(f.dbCpuMs, 0)} | ${f.acknowledged} | ${f.lost} |`
		);
const largest = settings.sizes.includes(500) ? 500 : Math.max(...settings.sizes);
const single = rows.find((r) => r.kind === 'single' && r.n === largest);
const two = rows.find((r) => r.kind === 'two' && r.n === largest);
const failover = two?.failover;
console.log(
	`RESULT cluster processes=2 spread=no sessions=${largest} p99_ms=${fmt(two?.p99)} ` +
		`single_p99_ms=${fmt(single?.p99)} ` +
		`p99_ratio=${single && two ? fmt(two.p99 / single.p99, 2) : '–'} ` +
		`failover_ms=${fmt(failover?.allBackMs, 0)} lost=${failover?.lost ?? '–'} ` +
		`first_back_ms=${fmt(failover?.firstBackMs, 0)} listening_ms=${failover?.listeningMs ?? '–'} ` +
		`cpu_ms_per_command=${fmt(two?.cpuMsPerCommand, 3)} ` +
		`single_cpu_ms_per_command=${fmt(single?.cpuMsPerCommand, 3)}`
);
