/**
 * `npm run bench:cluster` — Mend as several processes serving one deployment at once (issue
 * 18): a cluster, PostgreSQL and Redis shared, each case held by one live process and the
 * connections that reach another forwarded to it (server/cluster/).
 *
 * The load is bench:control's (tests/bench/control-load.ts): N live sessions of 4 real
 * socket.io clients each — the mediator signed in as staff, the victim, the offender and the
 * offender's guardian with the cookies their links left — each mediator granting the floor
 * every 500 ms, victim and offender in turn. Every client connects with `?meeting=<id>`, as the
 * app's does, and comes back by itself after a drop, as the app's browsers do and with their
 * timing (the first try 150–450 ms after it: RECONNECTION in src/lib/client/realtime.ts). Three rounds per N, in this order, each on a fresh database
 * with N new sessions (and, Mend's, Redis keys of its own: REDIS_KEY_PREFIX), all through the
 * same client code:
 *
 *   - single: one Mend process (`node server/index.ts`, built app, PostgreSQL) — with Redis
 *     too, a cluster of one, as the two processes run: its commands' limits are counted in
 *     Redis as theirs are, so that what the comparison measures is the spreading;
 *   - two: processes A and B, the same settings (database, Redis and key prefix, AUTH_SECRET,
 *     PUBLIC_URL — A's address, standing for a balancer's), each on its own port. **Each
 *     session's clients are spread over both** (spread=yes): the case of every other session is
 *     meant for A, the rest for B; its mediator and victim connect to that process, its
 *     offender and guardian to the other, which forwards them. The mediators connect before
 *     anyone else, so that each case is held by its mediator's process (a case goes to the
 *     process its first connection reaches); `case_owners` says how many each holds, and how
 *     many are not where meant. So half the cases on each, and half of every session's clients
 *     forwarded. The clients reconnect through the deployment's address: a TCP balancer in
 *     front of both (tests/bench/balancer.ts: round robin, a process that refuses skipped), as
 *     browsers behind one would. It carries nothing before the failover;
 *   - floor: round `two` with the transport alone, to tell how much of the failover is Mend's
 *     own work — two bare socket.io processes (tests/bench/control-bare-server.ts, in its
 *     durable mode: each grant's row committed to PostgreSQL before it is broadcast and
 *     acknowledged, as Mend commits its log) behind the same balancer, the same load, the
 *     clients reconnecting the same way through it. A bare server forwards nothing, and holds
 *     nothing another could take over: **every client of a session connects to one process**,
 *     every other session's to A, the rest to B. Nothing is read back at the failover either:
 *     the survivor sends a room's state (a fresh room's, seq 0) to each connection, as always.
 *
 * Per round, over the window: the fan-out of every grant (from sending it until the last of
 * the session's 4 clients holds a view whose seq is at least the one acknowledged; p50/p99),
 * the processes' CPU (utime+stime from /proc, both processes in rounds `two` and `floor`, and
 * each one's) per grant delivered and as % of one core, each process's resident memory, the
 * load generator's and PostgreSQL's CPU and the machine's other load.
 *
 * Then, in round `two`, 3 s after the window (so that its grants are delivered): kill -9
 * of A, and the failover (tests/bench/failover.ts) — from the kill until every affected client
 * (every client of the sessions A held, and B's sessions' clients connected to A) holds a view
 * received from B on a new connection, with what it consists of (the cases taken and the
 * sessions loaded from their logs by B, the clients back) and the acknowledged grants lost (the
 * log and the mediators' views checked against every acknowledgement). Grants stop at the kill.
 * In round `floor`, the same kill at the same moment (killBare): the affected clients are those
 * of A's sessions (all of theirs, none of B's), each back once it holds the view B sends on a
 * connection made after the kill; from the kill the first client, half and 90 % of the sessions
 * and every client back, B's CPU meanwhile and the connections the kernel dropped. Printed
 * beside Mend's failover, each N one row, and their ratio in the RESULT line.
 *
 * Goal (the issue): p99 with clients spread over two processes within 1.5× the single process
 * at N = 500; failover ≤ 3 s; lost = 0.
 *
 * Needs a build (`npm run build`), a PostgreSQL server at BENCH_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/postgres), on which each round creates a database and
 * drops it afterwards, and Redis at BENCH_REDIS_URL (default redis://127.0.0.1:6379), whose
 * keys of each round are deleted afterwards. Settings, all optional:
 *
 *   BENCH_SESSIONS=100,500        session counts, a round of each kind each
 *   BENCH_WARMUP_S=5              grants before the measurement window
 *   BENCH_MEASURE_S=20            length of the measurement window
 *   BENCH_INTERVAL_MS=500         time between two grants of one session
 *   BENCH_CONNECT_BATCH=50        clients connecting at once
 *   BENCH_ROUNDS=single,two,floor which rounds to measure (`two` and `floor` end with the
 *                                 failover)
 *   BENCH_FAILOVER_TIMEOUT_S=60   how long the clients may take to come back
 *   BENCH_MAX_OTHER_LOAD=30       other work on the machine (% of one core) that disturbs a round
 *   BENCH_RETRIES=1               how often a disturbed round is measured again
 *   BENCH_QUIET_WAIT_S=120        how long to wait for a quiet machine before each round
 *   BENCH_CPU_PROF=<dir>          write a V8 CPU profile of every Mend process at the largest N
 *                                 (B's covers the takeover; the log names each pid)
 *   BENCH_SERVER_OUTPUT=<dir>     keep each process's output in <dir>/<round>-<N>-<A|B>.log
 *   BENCH_SPREAD=yes              `no`: in round `two` every client on its case's process, none
 *                                 forwarded (spread=no) — two processes without the spreading
 *   BENCH_REDIS_URL=redis://127.0.0.1:6379
 *
 * The last line printed is `RESULT cluster processes=2 spread=yes sessions=… p99_ms=…
 * single_p99_ms=… p99_ratio=… failover_ms=… lost=… first_back_ms=… cpu_ms_per_command=…
 * single_cpu_ms_per_command=… floor_failover_ms=… failover_floor_ratio=…`, for N = 500 (or the
 * largest N measured): failover_floor_ratio is Mend's failover over the floor's.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { createClient } from 'redis';
import { Balancer } from './balancer.ts';
import { createBenchDatabase, type BenchDatabase } from './bench-database.ts';
import {
	bareSessions,
	closeAllClients,
	ControlLoad,
	describeFigures,
	roundFigures,
	type Placement,
	type RoundFigures
} from './control-load.ts';
import { backendPids, mendEnv, mendSessions, spawnMend } from './control-mend.ts';
import { prepareBenchDatabase, seedSessions } from './control-seed.ts';
import { controlSettings, GRACE_MS } from './control-settings.ts';
import { leastDisturbed, measureWindow } from './cpu-window.ts';
import { killBare, killOne, type FailoverFigures, type ReturnFigures } from './failover.ts';
import { fmt, rssMb } from './proc-stats.ts';
import { freePort, spawnServer, stopChild, type Spawned } from './server-process.ts';

const settings = controlSettings({ sessions: '100,500', retries: 1 });
const ROUNDS = (process.env.BENCH_ROUNDS ?? 'single,two,floor')
	.split(',')
	.map((s) => s.trim()) as RoundKind[];
const FAILOVER_TIMEOUT_MS = Number(process.env.BENCH_FAILOVER_TIMEOUT_S ?? 60) * 1000;
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** BENCH_SPREAD=no: every client on its case's process, nothing forwarded (what spreading costs). */
const SPREAD = process.env.BENCH_SPREAD !== 'no';

const log = (message: string) => console.error(`[bench:cluster] ${message}`);

type RoundKind = 'single' | 'two' | 'floor';

/** The processes of a round by name: A killed in the failover, B its survivor. */
const NAMES = ['A', 'B'] as const;

/** One round's deployment: its database, its Redis keys, its processes (A, then B). */
interface Deployment {
	database: BenchDatabase;
	/** None for the bare floor. */
	redisPrefix?: string;
	processes: Spawned[];
	balancer?: Balancer;
	admin: pg.Client;
}

/** Everything a round started, stopped on the way out whatever happens. */
const deployments = new Set<Deployment>();

async function tearDown(deployment: Deployment, kind: RoundKind, n: number): Promise<void> {
	deployments.delete(deployment);
	await deployment.admin.end().catch(() => {});
	await deployment.balancer?.close();
	for (const [i, mend] of deployment.processes.entries()) {
		await stopChild(mend.child);
		if (settings.serverOutputDir)
			await writeFile(
				path.join(settings.serverOutputDir, `${kind}-${n}-${NAMES[i]}.log`),
				mend.output()
			);
	}
	if (deployment.redisPrefix)
		await forgetRedisKeys(deployment.redisPrefix).catch((error) =>
			log(`could not delete the round's Redis keys: ${error}`)
		);
	await deployment.database.drop().catch((error) => log(`could not drop the database: ${error}`));
}

/** The round's limits in Redis (they would expire within the hour anyway). */
async function forgetRedisKeys(prefix: string): Promise<void> {
	const redis = createClient({ url: REDIS_URL, socket: { reconnectStrategy: false } });
	redis.on('error', () => {});
	await redis.connect();
	try {
		for await (const keys of redis.scanIterator({ MATCH: `${prefix}:*`, COUNT: 500 }))
			if (keys.length > 0) await redis.unlink(keys);
	} finally {
		redis.destroy();
	}
}

/** Distinct free ports, one per process. */
async function freePorts(count: number): Promise<number[]> {
	const ports = new Set<number>();
	while (ports.size < count) ports.add(await freePort());
	return [...ports];
}

/**
 * Who holds each case (`case_owners`), by process (A, B): the meetings of each, and how many
 * are not held where the placement meant them to be.
 */
async function caseHolders(
	databaseUrl: string,
	processes: Spawned[],
	load: ControlLoad,
	meantFor: (session: number) => number
): Promise<{ ids: number[]; meetings: Set<string>[]; misplaced: number }> {
	const database = new pg.Client({ connectionString: databaseUrl });
	await database.connect();
	const { rows } = await database
		.query<{ id: number; name: string; meeting_id: string | null }>(
			`select p.id, p.name, m.id as meeting_id from cluster_processes p
			 left join case_owners o on o.process_id = p.id left join meetings m on m.case_id = o.case_id`
		)
		.finally(() => database.end());
	// PROCESS_NAME (ownership.ts) is host:pid:random.
	const which = (name: string) =>
		processes.findIndex((mend) => name.includes(`:${mend.child.pid}:`));
	const ids = processes.map(() => NaN);
	const meetings = processes.map(() => new Set<string>());
	for (const row of rows) {
		const i = which(row.name);
		if (i < 0) continue;
		ids[i] = row.id;
		if (row.meeting_id) meetings[i]!.add(row.meeting_id);
	}
	const misplaced = load.sessions.filter(
		(spec, s) => !meetings[meantFor(s)]!.has(spec.meetingId)
	).length;
	return { ids, meetings, misplaced };
}

interface Row extends RoundFigures {
	kind: RoundKind;
	/** Each process's CPU over the window (% of one core) and resident memory at its end. */
	cpuEach: number[];
	rssEach: number[];
	/**
	 * Cases each process held during the window (the floor: sessions it served), and those not
	 * held where they were meant to be.
	 */
	held: number[];
	misplaced: number;
	failover: FailoverFigures | null;
	/** The floor's failover (round `floor`). */
	floor: ReturnFigures | null;
}

/**
 * The grants, warm-up first, through the measurement window, and until the window's are
 * delivered (they go on); each process's resident memory at the window's end.
 */
async function measureLoad(
	label: string,
	load: ControlLoad,
	deployment: Deployment
): Promise<{ figures: RoundFigures; cpuEach: number[]; rssEach: number[] }> {
	const { processes, admin, database } = deployment;
	load.startGranting(settings.intervalMs);
	const window = await measureWindow(
		{
			pids: processes.map((server) => server.child.pid!),
			dbPids: () => backendPids(admin, database.url)
		},
		settings.warmupMs,
		settings.measureMs
	);
	const rssEach: number[] = [];
	for (const server of processes) rssEach.push((await rssMb(server.child.pid!)).rss);
	await sleep(GRACE_MS);
	const figures = roundFigures(load, window);
	log(
		`${label}: ${describeFigures(figures)}; CPU ` +
			window.cpuEach.map((cpu, i) => `${NAMES[i]} ${cpu.toFixed(0)} %`).join(', ')
	);
	return { figures, cpuEach: window.cpuEach, rssEach };
}

async function round(kind: RoundKind, n: number): Promise<Row> {
	const label = `${kind === 'single' ? 'one process' : 'two processes'} N=${n}`;
	const database = await createBenchDatabase(settings.adminUrl, 'cluster');
	const admin = new pg.Client({ connectionString: settings.adminUrl });
	const redisPrefix = `bench-cluster-${randomBytes(5).toString('hex')}`;
	const deployment: Deployment = { database, redisPrefix, processes: [], admin };
	deployments.add(deployment);
	try {
		const program = await prepareBenchDatabase(database.url);
		const seeded = await seedSessions(database.url, program, n);
		const ports = await freePorts(kind === 'single' ? 1 : 2);
		const urls = ports.map((port) => `http://127.0.0.1:${port}`);
		const authSecret = randomBytes(32).toString('base64url');
		const profile = settings.cpuProfDir && n === Math.max(...settings.sizes);
		// The processes of a deployment share everything but their ports: the database, Redis
		// (the single process too — a cluster of one, so that the difference measured is the
		// spreading, not the limits counted in Redis), the secret, and the public address, A's
		// standing for a balancer's. Info: the log lines are timed.
		for (const port of ports)
			deployment.processes.push(
				await spawnMend(
					mendEnv({
						databaseUrl: database.url,
						port,
						authSecret,
						publicUrl: urls[0],
						redis: { url: REDIS_URL, keyPrefix: redisPrefix },
						logLevel: 'info',
						nodeOptions: profile ? `--cpu-prof --cpu-prof-dir=${settings.cpuProfDir}` : undefined
					})
				)
			);
		const { processes } = deployment;
		if (profile)
			log(
				`${label}: profiling ${processes.map((mend, i) => `${NAMES[i]} (pid ${mend.child.pid})`).join(', ')}`
			);
		await admin.connect();

		// Each session's case is meant for A or B in turn: its mediator and the victim connect to
		// that process, the offender and the guardian to the other (forwarded from there); the
		// mediators connect before anyone else, so that each case is held where its mediator is.
		const meantFor = (session: number) => session % processes.length;
		const place: Placement = (session, member) =>
			urls[(meantFor(session) + (SPREAD && member >= 2 ? 1 : 0)) % urls.length]!;
		// They come back through the deployment's address (a balancer), wherever it sends them.
		deployment.balancer = await Balancer.start(ports);
		const load = await ControlLoad.seat(place, await mendSessions(urls[0]!, program, seeded), {
			connectBatch: settings.connectBatch,
			reconnection: true,
			reconnectTo: deployment.balancer.url
		});
		const holders = await caseHolders(database.url, processes, load, meantFor);
		const held = holders.meetings.map((meetings) => meetings.size);
		log(
			`${label}: ${n * 4} clients connected and sessions prepared in ${load.connectS.toFixed(1)} s; ` +
				`cases held: ${held.map((count, i) => `${NAMES[i]} ${count}`).join(', ')}` +
				` (${holders.misplaced} not where meant)`
		);

		// The grants go on: those of the window are delivered before anything else is measured.
		const { figures, cpuEach, rssEach } = await measureLoad(label, load, deployment);

		let failover: FailoverFigures | null = null;
		if (processes.length === 2) {
			failover = await killOne({
				load,
				killed: processes[0]!,
				killedUrl: urls[0]!,
				heldByKilled: holders.meetings[0]!,
				survivor: processes[1]!,
				survivorId: holders.ids[1]!,
				databaseUrl: database.url,
				timeoutMs: FAILOVER_TIMEOUT_MS
			});
			log(`${label}: failover: ${describeFailover(failover)}`);
		} else load.stopGranting();
		load.close();
		return {
			kind,
			...figures,
			cpuEach,
			rssEach,
			held,
			misplaced: holders.misplaced,
			failover,
			floor: null
		};
	} finally {
		await tearDown(deployment, kind, n);
	}
}

/**
 * Round `floor`: round `two`'s failover with the transport alone. Two bare socket.io processes
 * (control-bare-server.ts, durable: each grant's row committed to PostgreSQL before it is shown,
 * as Mend commits its log), behind the same balancer, the same load through the same clients,
 * reconnecting the same way. A bare server forwards nothing: every client of a session connects
 * to one process, every other session's to A, the rest to B. Then kill -9 of A (killBare).
 */
async function floorRound(n: number): Promise<Row> {
	const label = `two bare socket.io processes N=${n}`;
	const database = await createBenchDatabase(settings.adminUrl, 'cluster');
	const admin = new pg.Client({ connectionString: settings.adminUrl });
	const deployment: Deployment = { database, processes: [], admin };
	deployments.add(deployment);
	try {
		// Mend's schema: the bare server's log table is made like session_events.
		await prepareBenchDatabase(database.url);
		while (deployment.processes.length < NAMES.length)
			deployment.processes.push(
				await spawnServer(
					'tests/bench/control-bare-server.ts',
					{ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: database.url },
					/listening (\d+)/
				)
			);
		const { processes } = deployment;
		const ports = processes.map((bare) => Number(bare.ready[1]));
		const urls = ports.map((port) => `http://127.0.0.1:${port}`);
		await admin.connect();

		const servedBy = (session: number) => session % processes.length;
		deployment.balancer = await Balancer.start(ports);
		const load = await ControlLoad.seat((session) => urls[servedBy(session)]!, bareSessions(n), {
			connectBatch: settings.connectBatch,
			reconnection: true,
			reconnectTo: deployment.balancer.url
		});
		const held = processes.map((_, i) => load.sessions.filter((_, s) => servedBy(s) === i).length);
		log(
			`${label}: ${n * 4} clients connected in ${load.connectS.toFixed(1)} s; ` +
				`sessions served: ${held.map((count, i) => `${NAMES[i]} ${count}`).join(', ')}`
		);

		const { figures, cpuEach, rssEach } = await measureLoad(label, load, deployment);
		const floor = await killBare({
			load,
			killed: processes[0]!,
			killedUrl: urls[0]!,
			survivor: processes[1]!,
			timeoutMs: FAILOVER_TIMEOUT_MS
		});
		log(`${label}: failover: ${describeFloor(floor)}`);
		load.close();
		return {
			kind: 'floor',
			...figures,
			cpuEach,
			rssEach,
			held,
			misplaced: 0,
			failover: null,
			floor
		};
	} finally {
		await tearDown(deployment, 'floor', n);
	}
}

function describeFailover(f: FailoverFigures): string {
	return (
		`${f.sessions} sessions held by A; ${f.clients} clients affected; ` +
		`their cases taken by B from ${fmt(f.firstCaseMs, 0)} to ${fmt(f.lastCaseMs, 0)} ms after the kill, ` +
		`${f.taken} sessions loaded from ${fmt(f.firstTakenMs, 0)} to ${fmt(f.lastTakenMs, 0)} ms; ` +
		`first client back at ${fmt(f.firstBackMs, 0)} ms, half the affected sessions at ${fmt(f.sessionP50Ms, 0)} ms, ` +
		`90 % at ${fmt(f.sessionP90Ms, 0)} ms, every one at ${fmt(f.allBackMs, 0)} ms ` +
		`(A's sessions by ${fmt(f.heldBackMs, 0)} ms, B's clients that were on A by ${fmt(f.movedBackMs, 0)} ms; ` +
		`${f.back} of ${f.clients} clients back, ${f.strayDrops} others dropped; at most ${f.maxAttempts} attempts to reconnect, failed ones: ${f.failedAttempts}; ` +
		`${f.listenDrops} connections dropped by the kernel); B used ${fmt(f.cpuMs, 0)} ms of CPU ` +
		`meanwhile, PostgreSQL ${fmt(f.dbCpuMs, 0)} ms; ${f.acknowledged} grants acknowledged, ` +
		`${f.lost} lost (${f.missingFromLog} not in the log, ${f.staleViews} sessions' mediator views ` +
		`not showing their last)`
	);
}

function describeFloor(f: ReturnFigures): string {
	return (
		`${f.sessions} sessions served by A; ${f.clients} clients affected; ` +
		`first client back at ${fmt(f.firstBackMs, 0)} ms, half the affected sessions at ${fmt(f.sessionP50Ms, 0)} ms, ` +
		`90 % at ${fmt(f.sessionP90Ms, 0)} ms, every one at ${fmt(f.allBackMs, 0)} ms ` +
		`(${f.back} of ${f.clients} clients back, ${f.strayDrops} others dropped; at most ${f.maxAttempts} attempts to reconnect, failed ones: ${f.failedAttempts}; ` +
		`${f.listenDrops} connections dropped by the kernel); B used ${fmt(f.cpuMs, 0)} ms of CPU meanwhile`
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
			rows.push(
				await leastDisturbed({ ...settings.quiet, log }, () =>
					kind === 'floor' ? floorRound(n) : round(kind, n)
				)
			);
} catch (error) {
	console.error(error);
	await cleanUp();
	process.exit(1);
}

console.log(
	`\nProcesses on one database with Redis: N sessions × 4 clients, a floor grant per session every ` +
		`${settings.intervalMs} ms; ${settings.warmupMs / 1000} s warm-up, ${settings.measureMs / 1000} s measured; ` +
		(SPREAD
			? `with two processes each session's clients spread over both (spread=yes), `
			: `with two processes every client on its case's process, nothing forwarded (spread=no), `) +
		`half the cases held by each; ` +
		(ROUNDS.includes('floor')
			? `the floor: two bare socket.io processes, every client of a session on one, half the sessions on each; `
			: '') +
		`run took ${((performance.now() - runStarted) / 1000).toFixed(0)} s\n`
);
const ROUND_NAMES: Record<RoundKind, string> = {
	single: 'one process',
	two: 'two processes',
	floor: 'two bare socket.io (floor)'
};
const each = (values: number[], digits = 0) => values.map((v) => fmt(v, digits)).join(' / ');
console.log(
	'| processes | N | cases held A / B | p50 ms | p99 ms | commands | CPU % A / B | CPU ms a grant | RSS MB A / B | client CPU % | PostgreSQL CPU % | other load % |'
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows)
	console.log(
		`| ${ROUND_NAMES[r.kind]} | ${r.n} | ${r.held.join(' / ')}${r.misplaced ? ` (${r.misplaced} misplaced)` : ''} | ` +
			`${fmt(r.p50)} | ${fmt(r.p99)} | ${r.commands}${r.failed ? ` (${r.failed} failed)` : ''} | ` +
			`${each(r.cpuEach)} | ${fmt(r.cpuMsPerCommand, 3)} | ${each(r.rssEach)} | ` +
			`${fmt(r.clientCpu, 0)} | ${fmt(r.dbCpu, 0)} | ${fmt(r.otherCpu, 0)} |`
	);
console.log(
	"\n| N | sessions held by A | clients affected | cases taken ms | sessions loaded ms | first client back ms | half the sessions back ms | 90 % back ms | every client back ms | A's sessions back ms | B's clients from A back ms | B CPU ms | PostgreSQL CPU ms | failed reconnections | dropped by the kernel | grants acknowledged | lost | " +
		'floor: sessions on A | floor: clients affected | floor: first client back ms | floor: half the sessions back ms | floor: 90 % back ms | floor: every client back ms | floor: B CPU ms | floor: failed reconnections | floor: dropped by the kernel |'
);
console.log(`|${'---:|'.repeat(26)}`);
/** Mend's failover beside the floor's, each N one row; '–' for a round not measured. */
const mendCells = (f: FailoverFigures | null | undefined) =>
	f
		? [
				f.sessions,
				f.clients,
				`${fmt(f.firstCaseMs, 0)}–${fmt(f.lastCaseMs, 0)}`,
				`${fmt(f.firstTakenMs, 0)}–${fmt(f.lastTakenMs, 0)}`,
				fmt(f.firstBackMs, 0),
				fmt(f.sessionP50Ms, 0),
				fmt(f.sessionP90Ms, 0),
				fmt(f.allBackMs, 0),
				fmt(f.heldBackMs, 0),
				fmt(f.movedBackMs, 0),
				fmt(f.cpuMs, 0),
				fmt(f.dbCpuMs, 0),
				f.failedAttempts,
				f.listenDrops,
				f.acknowledged,
				f.lost
			]
		: Array<string>(16).fill('–');
const floorCells = (f: ReturnFigures | null | undefined) =>
	f
		? [
				f.sessions,
				f.clients,
				fmt(f.firstBackMs, 0),
				fmt(f.sessionP50Ms, 0),
				fmt(f.sessionP90Ms, 0),
				fmt(f.allBackMs, 0),
				fmt(f.cpuMs, 0),
				f.failedAttempts,
				f.listenDrops
			]
		: Array<string>(9).fill('–');
for (const n of settings.sizes) {
	const mend = rows.find((r) => r.n === n && r.failover)?.failover;
	const floor = rows.find((r) => r.n === n && r.floor)?.floor;
	if (mend || floor)
		console.log(`| ${[n, ...mendCells(mend), ...floorCells(floor)].join(' | ')} |`);
}
const largest = settings.sizes.includes(500) ? 500 : Math.max(...settings.sizes);
const single = rows.find((r) => r.kind === 'single' && r.n === largest);
const two = rows.find((r) => r.kind === 'two' && r.n === largest);
const failover = two?.failover;
const floor = rows.find((r) => r.kind === 'floor' && r.n === largest)?.floor;
console.log(
	`RESULT cluster processes=2 spread=${SPREAD ? 'yes' : 'no'} sessions=${largest} p99_ms=${fmt(two?.p99)} ` +
		`single_p99_ms=${fmt(single?.p99)} ` +
		`p99_ratio=${single && two ? fmt(two.p99 / single.p99, 2) : '–'} ` +
		`failover_ms=${fmt(failover?.allBackMs, 0)} lost=${failover?.lost ?? '–'} ` +
		`first_back_ms=${fmt(failover?.firstBackMs, 0)} ` +
		`cpu_ms_per_command=${fmt(two?.cpuMsPerCommand, 3)} ` +
		`single_cpu_ms_per_command=${fmt(single?.cpuMsPerCommand, 3)} ` +
		`floor_failover_ms=${fmt(floor?.allBackMs, 0)} ` +
		`failover_floor_ratio=${fmt((failover?.allBackMs ?? NaN) / (floor?.allBackMs ?? NaN), 2)}`
);
