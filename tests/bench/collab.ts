/**
 * `npm run bench:collab` — what the collaboration plane costs when many agreements are drafted
 * at once.
 *
 * 50 documents × 3 clients, each client inserting one character every 20 ms (150 updates/s a
 * document, 7,500 a second in all) into the same text of its document, each right after its own
 * last character (three people each writing their passage; BENCH_TYPING=end: all at the end),
 * against three servers in one run, each in its own child process, each measured alone (the
 * clients run in other processes):
 *
 *   - Mend on PostgreSQL (`node server/index.ts`, built app, as `npm run serve` starts it);
 *   - Mend on PGlite (the same, with a data directory instead of DATABASE_URL);
 *   - the baseline: @y/websocket-server 0.1.1 as published (its `y-websocket-server` bin, with
 *     the `ws` 6 it depends on; in memory, no authentication, nothing stored; it also sends each
 *     update back to its sender). All three run with the V8 flags of `npm run serve`.
 *
 * On Mend, each document is a case's agreement at the drafting step of a live joint session,
 * and its three clients are the people drafting it: the mediator (a staff session cookie from
 * signing in) and the victim and the offender (the party session cookies their links left),
 * each connecting with the Cookie and Origin headers a browser sends. The sessions are brought
 * to the drafting step through the control plane beforehand (start, admit, confirm, go to
 * drafting), and those control connections stay open while the documents are edited, as a
 * browser's would. On the baseline, the same three clients without credentials. The clients are
 * y-websocket 3.1.0 `WebsocketProvider`s (tests/bench/collab-clients.ts), in BENCH_CLIENT_PROCS
 * processes, all clients of one document in the same process.
 *
 * Measured over the window, per server: the server process's CPU (utime+stime from /proc, % of
 * one core; PostgreSQL's backends and commits a second beside it), its resident memory (VmRSS
 * at the end of the window), updates sent per second, the delivery latency of every character to each of the other
 * two clients of its document (p50/p99/max), and the share of characters delivered to both.
 *
 * Goal (the issue): Mend on PostgreSQL, with durable writes and authentication, uses no more CPU
 * than the in-memory baseline; p50 ≤ 3 ms, p99 ≤ 30 ms; every update delivered.
 *
 * Needs a build (`npm run build`) and, for PostgreSQL, a server at BENCH_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/postgres) on which a fresh database is created and dropped
 * at the end; PGlite gets a temporary data directory, removed at the end. Settings, all
 * optional:
 *
 *   BENCH_DOCS=50                 documents (3 clients each)
 *   BENCH_INTERVAL_MS=20          time between two characters of one client
 *   BENCH_WARMUP_S=3              typing before the measurement window
 *   BENCH_MEASURE_S=20            length of the measurement window
 *   BENCH_GRACE_S=10              after the window: how long the last characters may take to
 *                                 arrive (the round ends as soon as all have)
 *   BENCH_TYPING=own              where each client types: `own` — after its own last character,
 *                                 as three people each writing their passage of one text; `end` —
 *                                 all at the end of the text, their characters interleaved one by
 *                                 one (the worst case for Yjs: an item per character)
 *   BENCH_CLIENT_PROCS=2          load-generator processes
 *   BENCH_SERVERS=baseline,postgres,pglite   which servers to measure, in this order
 *   BENCH_MAX_OTHER_LOAD=30       other work on the machine (% of one core) that disturbs a round
 *   BENCH_RETRIES=1               how often a disturbed round is measured again
 *   BENCH_QUIET_WAIT_S=60         how long to wait for a quiet machine before each round
 *   BENCH_CPU_PROF=<dir>          write a V8 CPU profile of Mend (on PostgreSQL) into <dir>
 *   BENCH_CLIENT_PROF=<dir>       write V8 CPU profiles of the load generators into <dir>
 *   BENCH_TIMELINE=1              also print latencies per second of the window (to stderr)
 *   BENCH_NODE_OPTIONS=…          NODE_OPTIONS for every server
 *   BENCH_SERVER_OUTPUT=<dir>     keep each server's output in <dir>/<server>.log
 *
 * The machine's other load during each window (all CPU time not spent by the server, the load
 * generator or PostgreSQL) is reported too: on a shared 2-core machine it moves the tail, so a
 * round waits for a quiet machine and one disturbed all the same is measured again (the least
 * disturbed attempt is kept).
 *
 * The last line printed is
 * `RESULT collab cpu_pct=… baseline_cpu_pct=… cpu_ratio=… p50_ms=… p99_ms=… delivered_pct=… rss_mb=…`,
 * for Mend on PostgreSQL.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import { COLLAB_PATH } from '#lib/protocol/collab.ts';
import { PROTOCOL_VERSION, REALTIME_PATH } from '#lib/protocol/version.ts';
import type { DatabaseConfig } from '#server/config.ts';
import { HttpClient } from '../helpers/http.ts';
import { NODE } from '../helpers/process.ts';
import type { ClientReport, DocSpec, FromClients, ToClients, Typing } from './collab-clients.ts';
import { createBenchDatabase, type BenchDatabase } from './bench-database.ts';
import { seedCollab, type SeededProgram } from './collab-seed.ts';
import {
	CLOCK_TICKS,
	cpuTicks,
	machineBusyTicks,
	percentile,
	rssMb,
	waitForQuiet
} from './proc-stats.ts';
import { freePort, NODE_OPTIONS, spawnServer, stopChild } from './server-process.ts';

const env = process.env;
const DOCS = Number(env.BENCH_DOCS ?? 50);
const INTERVAL_MS = Number(env.BENCH_INTERVAL_MS ?? 20);
const WARMUP_MS = Number(env.BENCH_WARMUP_S ?? 3) * 1000;
const MEASURE_MS = Number(env.BENCH_MEASURE_S ?? 20) * 1000;
const GRACE_MS = Number(env.BENCH_GRACE_S ?? 10) * 1000;
const CLIENT_PROCS = Number(env.BENCH_CLIENT_PROCS ?? 2);
const SERVERS = (env.BENCH_SERVERS ?? 'baseline,postgres,pglite').split(',').map((s) => s.trim());
const CPU_PROF_DIR = env.BENCH_CPU_PROF || undefined;
const CLIENT_PROF_DIR = env.BENCH_CLIENT_PROF || undefined;
const TIMELINE = Boolean(env.BENCH_TIMELINE);
const TYPING = (env.BENCH_TYPING ?? 'own') as Typing;
if (TYPING !== 'own' && TYPING !== 'end') throw new Error('BENCH_TYPING: own or end');
/** Other work on the machine (% of one core) above which a round counts as disturbed. */
const MAX_OTHER_LOAD = Number(env.BENCH_MAX_OTHER_LOAD ?? 30);
const RETRIES = Number(env.BENCH_RETRIES ?? 1);
const QUIET_WAIT_MS = Number(env.BENCH_QUIET_WAIT_S ?? 60) * 1000;
const SERVER_OUTPUT_DIR = env.BENCH_SERVER_OUTPUT || undefined;
const ADMIN_URL = env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const BASELINE_BIN = path.resolve('node_modules/@y/websocket-server/src/server.js');
const CLIENTS_SCRIPT = path.resolve('tests/bench/collab-clients.ts');

const log = (message: string) => console.error(`[bench:collab] ${message}`);

// ---------------------------------------------------------------------------------------------
// CPU snapshots (figures from /proc: proc-stats.ts)

interface Snapshot {
	at: number;
	machine: number;
	server: number;
	clients: number;
	/** CPU ticks of each PostgreSQL backend serving the server under test. */
	db: Map<number, number>;
	/** Transactions committed in its database so far (PostgreSQL only). */
	commits: number | null;
}

async function snapshot(target: Target, clientPids: number[]): Promise<Snapshot> {
	const db = new Map<number, number>();
	for (const pid of (await target.dbPids?.()) ?? []) {
		const ticks = await cpuTicks(pid);
		if (ticks !== null) db.set(pid, ticks);
	}
	let clients = 0;
	for (const pid of clientPids) clients += (await cpuTicks(pid)) ?? 0;
	return {
		at: performance.now(),
		machine: await machineBusyTicks(),
		server: (await cpuTicks(target.pid)) ?? 0,
		clients,
		db,
		commits: (await target.dbCommits?.()) ?? null
	};
}

/** CPU between two snapshots, as % of one core. */
function cpuPercent(start: Snapshot, end: Snapshot) {
	const seconds = (end.at - start.at) / 1000;
	let dbTicks = 0;
	for (const [pid, ticks] of end.db) {
		const before = start.db.get(pid);
		if (before !== undefined) dbTicks += ticks - before;
	}
	const percent = (ticks: number) => (ticks / CLOCK_TICKS / seconds) * 100;
	const server = percent(end.server - start.server);
	const clients = percent(end.clients - start.clients);
	const db = start.db.size > 0 ? percent(dbTicks) : null;
	const machine = percent(end.machine - start.machine);
	return { server, clients, db, other: Math.max(0, machine - server - clients - (db ?? 0)) };
}

// ---------------------------------------------------------------------------------------------
// Servers

interface Target {
	/** As printed: `Mend (PostgreSQL)`, `Mend (PGlite)`, `@y/websocket-server`. */
	label: string;
	key: 'postgres' | 'pglite' | 'baseline';
	/** The WebSocket URL the providers append `/<document>` to. */
	serverUrl: string;
	/** The Origin header a browser on Mend's pages sends (none for the baseline). */
	origin?: string;
	pid: number;
	docs: DocSpec[];
	/** Who the clients are, for the report. */
	clients: string;
	dbPids?: () => Promise<number[]>;
	dbCommits?: () => Promise<number>;
	stop(): Promise<void>;
	output(): string;
}

/** Each client's moment in the 20 ms interval: all 150 spread evenly over it. */
const phaseOf = (doc: number, member: number) => ((doc * 3 + member) * INTERVAL_MS) / (DOCS * 3);

async function startBaseline(): Promise<Target> {
	const port = await freePort();
	const server = await spawnServer(
		BASELINE_BIN,
		{ HOST: '127.0.0.1', PORT: String(port) },
		/running at/
	);
	return {
		label: '@y/websocket-server 0.1.1',
		key: 'baseline',
		serverUrl: `ws://127.0.0.1:${port}`,
		pid: server.child.pid!,
		docs: Array.from({ length: DOCS }, (_, d) => ({
			name: `bench-${d}-${randomBytes(4).toString('hex')}`,
			members: [0, 1, 2].map((m) => ({ label: `client ${m + 1}`, phaseMs: phaseOf(d, m) }))
		})),
		clients: '3 anonymous clients a document (no credentials: the baseline checks none)',
		stop: () => stopChild(server.child),
		output: server.output
	};
}

// --- Mend's control plane: bringing each session to the drafting step --------------------------

interface View {
	seq: number;
	step?: string | null;
	place?: { kind: string };
}

type Ack = { ok: true; value: unknown } | { ok: false; error: { code: string } };

/** One socket.io client of the control plane (as a session page holds one). */
class ControlClient {
	readonly socket: Socket;
	last: View | null = null;
	#waiters: { test: (view: View) => boolean; resolve: () => void }[] = [];

	constructor(url: string, meetingId: string, as: 'staff' | 'party', cookie: string) {
		this.socket = io(url, {
			path: REALTIME_PATH,
			transports: ['websocket'],
			forceNew: true,
			reconnection: false,
			timeout: 60_000,
			extraHeaders: { cookie },
			auth: { protocol: PROTOCOL_VERSION, meetingId, as }
		});
		this.socket.on('view', (view: View) => {
			this.last = view;
			this.#waiters = this.#waiters.filter((w) => {
				if (!w.test(view)) return true;
				w.resolve();
				return false;
			});
		});
	}

	until(test: (view: View) => boolean, timeoutMs = 30_000): Promise<void> {
		if (this.last && test(this.last)) return Promise.resolve();
		return new Promise((resolve, reject) => {
			const timer = setTimeout(
				() => reject(new Error(`no matching view; last: ${JSON.stringify(this.last)}`)),
				timeoutMs
			);
			this.socket.once('connect_error', (error) => {
				clearTimeout(timer);
				reject(new Error(`connection refused: ${error.message}`));
			});
			this.#waiters.push({
				test,
				resolve: () => {
					clearTimeout(timer);
					resolve();
				}
			});
		});
	}

	async do(command: Record<string, unknown>): Promise<void> {
		const ack: Ack = await this.socket.timeout(30_000).emitWithAck('command', command);
		if (!ack.ok) throw new Error(`${JSON.stringify(command)} refused: ${JSON.stringify(ack)}`);
	}

	close(): void {
		this.socket.close();
	}
}

/** The real Mend, `node server/index.ts` as `npm run serve` starts it. */
async function startMend(
	key: 'postgres' | 'pglite',
	database: DatabaseConfig,
	seeded: SeededProgram,
	databaseName: string | null
): Promise<Target> {
	const profile = key === 'postgres' && CPU_PROF_DIR;
	// In production Mend is told its public address: here, the one it will listen on.
	const port = await freePort();
	const mend = await spawnServer(
		'server/index.ts',
		{
			NODE_ENV: 'production',
			PORT: String(port),
			HOST: '127.0.0.1',
			PUBLIC_URL: `http://127.0.0.1:${port}`,
			AUTH_SECRET: randomBytes(32).toString('base64url'),
			SEED_DEMO: 'false',
			LOG_LEVEL: 'warn',
			...(database.kind === 'postgres'
				? { DATABASE_URL: database.url }
				: { DATA_DIR: (database as { dataDir: string }).dataDir }),
			NODE_OPTIONS: [NODE_OPTIONS, profile ? `--cpu-prof --cpu-prof-dir=${CPU_PROF_DIR}` : '']
				.join(' ')
				.trim()
		},
		/Mend is running at (\S+)/
	);
	const controls: ControlClient[] = [];
	const admin = databaseName ? new pg.Client({ connectionString: ADMIN_URL }) : null;
	const stop = async () => {
		for (const control of controls) control.close();
		await admin?.end().catch(() => {});
		await stopChild(mend.child);
	};
	try {
		// It prints its PUBLIC_URL, the address it listens on.
		const url = mend.ready[1]!;
		const staff = new HttpClient(url);
		const signedIn = await staff.action('/login?/signIn', seeded.login);
		if (signedIn.type !== 'redirect')
			throw new Error(`the mediator could not sign in: ${JSON.stringify(signedIn)}`);
		const staffCookie = staff.cookieHeader;

		// Every session live and at the drafting step, its people connected: start, admit,
		// confirm it is voluntary, go to drafting (which is when Mend opens the agreement).
		const started = performance.now();
		for (let i = 0; i < seeded.cases.length; i += 10)
			await Promise.all(
				seeded.cases.slice(i, i + 10).map(async (c) => {
					const mediator = new ControlClient(url, c.meetingId, 'staff', staffCookie);
					const victim = new ControlClient(url, c.meetingId, 'party', c.victim.cookie);
					const offender = new ControlClient(url, c.meetingId, 'party', c.offender.cookie);
					controls.push(mediator, victim, offender);
					await Promise.all([mediator, victim, offender].map((client) => client.until(() => true)));
					await mediator.do({ type: 'startSession' });
					await mediator.do({ type: 'admit', participantId: c.victim.id });
					await mediator.do({ type: 'admit', participantId: c.offender.id });
					for (const party of [victim, offender]) {
						await party.until((v) => v.place?.kind === 'joint');
						await party.do({ type: 'confirmVoluntary' });
					}
					await mediator.do({ type: 'goToStep', step: 'drafting' });
					await Promise.all(
						[victim, offender].map((party) => party.until((v) => v.step === 'drafting'))
					);
				})
			);
		log(
			`${key}: ${seeded.cases.length} sessions live at the drafting step in ` +
				`${((performance.now() - started) / 1000).toFixed(1)} s`
		);
		if (admin) await admin.connect();
		const origin = new URL(url).origin;
		return {
			label: key === 'postgres' ? 'Mend (PostgreSQL)' : 'Mend (PGlite)',
			key,
			serverUrl: `${origin.replace(/^http/, 'ws')}${COLLAB_PATH}`,
			origin,
			pid: mend.child.pid!,
			docs: seeded.cases.map((c, d) => ({
				name: c.docName,
				members: [
					{ label: 'mediator', cookie: staffCookie, phaseMs: phaseOf(d, 0) },
					{
						label: 'victim',
						cookie: c.victim.cookie,
						params: { meeting: c.meetingId },
						phaseMs: phaseOf(d, 1)
					},
					{
						label: 'offender',
						cookie: c.offender.cookie,
						params: { meeting: c.meetingId },
						phaseMs: phaseOf(d, 2)
					}
				]
			})),
			clients:
				'the mediator (staff session cookie), the victim and the offender (party session ' +
				'cookies), each document an agreement at the drafting step of a live joint session',
			dbPids: admin
				? async () => {
						const { rows } = await admin.query<{ pid: number }>(
							'select pid from pg_stat_activity where datname = $1',
							[databaseName]
						);
						return rows.map((r) => r.pid);
					}
				: undefined,
			dbCommits: admin
				? async () => {
						const { rows } = await admin.query<{ commits: string }>(
							'select xact_commit as commits from pg_stat_database where datname = $1',
							[databaseName]
						);
						return Number(rows[0]?.commits ?? 0);
					}
				: undefined,
			stop,
			output: mend.output
		};
	} catch (error) {
		await stop();
		throw error;
	}
}

// ---------------------------------------------------------------------------------------------
// One round: the load against one server

interface Row {
	label: string;
	key: Target['key'];
	clients: string;
	updatesPerS: number;
	sent: number;
	deliveredPct: number;
	p50: number;
	p99: number;
	max: number;
	cpu: number;
	dbCpu: number | null;
	/** PostgreSQL transactions committed a second (each append batch is one). */
	commitsPerS: number | null;
	clientCpu: number;
	otherCpu: number;
	rss: number;
	peakRss: number;
	refusals: Record<string, number>;
	closes: number;
	skipped: number;
	clientLoopP99: number;
}

interface ClientProcess {
	child: ChildProcess;
	next(): Promise<FromClients>;
}

function startClients(): ClientProcess {
	const child = fork(CLIENTS_SCRIPT, [], {
		execPath: NODE,
		execArgv: CLIENT_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CLIENT_PROF_DIR}`] : [],
		serialization: 'advanced',
		stdio: ['ignore', 'inherit', 'inherit', 'ipc']
	});
	const inbox: FromClients[] = [];
	let waiting: ((message: FromClients) => void) | null = null;
	child.on('message', (message: FromClients) => {
		if (waiting) {
			const resolve = waiting;
			waiting = null;
			resolve(message);
		} else inbox.push(message);
	});
	child.once('exit', (code) => {
		if (waiting) waiting({ type: 'error', message: `client process exited with ${code}` });
	});
	return {
		child,
		next: () => {
			const message = inbox.shift();
			if (message) return Promise.resolve(message);
			return new Promise((resolve) => (waiting = resolve));
		}
	};
}

async function expectMessage<T extends FromClients['type']>(
	from: ClientProcess,
	type: T
): Promise<Extract<FromClients, { type: T }>> {
	const message = await from.next();
	if (message.type === 'error') throw new Error(`load generator: ${message.message}`);
	if (message.type !== type)
		throw new Error(`load generator: expected ${type}, got ${message.type}`);
	return message as Extract<FromClients, { type: T }>;
}

const openClients = new Set<ClientProcess>();

async function round(target: Target): Promise<Row> {
	const processes = Array.from({ length: CLIENT_PROCS }, () => startClients());
	for (const p of processes) openClients.add(p);
	try {
		const connectStarted = performance.now();
		processes.forEach((p, i) =>
			p.child.send({
				type: 'connect',
				serverUrl: target.serverUrl,
				origin: target.origin,
				docs: target.docs.filter((_, d) => d % CLIENT_PROCS === i),
				timeoutMs: 60_000
			} satisfies ToClients)
		);
		const ready = await Promise.all(processes.map((p) => expectMessage(p, 'ready')));
		const mayEdit: Record<string, number> = {};
		for (const r of ready)
			for (const [label, n] of Object.entries(r.mayEdit))
				mayEdit[label] = (mayEdit[label] ?? 0) + n;
		log(
			`${target.label}: ${ready.reduce((sum, r) => sum + r.clients, 0)} clients synced in ` +
				`${((performance.now() - connectStarted) / 1000).toFixed(1)} s` +
				(target.origin
					? `; told they may edit: ${Object.entries(mayEdit)
							.map(([label, n]) => `${n} ${label}`)
							.join(', ')}`
					: '')
		);

		const clientPids = processes.map((p) => p.child.pid!);
		const go: ToClients = {
			type: 'go',
			intervalMs: INTERVAL_MS,
			warmupMs: WARMUP_MS,
			measureMs: MEASURE_MS,
			graceMs: GRACE_MS,
			typing: TYPING
		};
		for (const p of processes) p.child.send(go);
		const reports = Promise.all(processes.map((p) => expectMessage(p, 'report')));
		await sleep(WARMUP_MS + 20);
		const start = await snapshot(target, clientPids);
		await sleep(MEASURE_MS);
		const end = await snapshot(target, clientPids);
		const memory = await rssMb(target.pid);
		const results: ClientReport[] = (await reports).map((r) => r.report);

		const total = results.reduce((sum, r) => sum + r.latencies.length, 0);
		const latencies = new Float64Array(total);
		let offset = 0;
		for (const r of results) {
			latencies.set(r.latencies, offset);
			offset += r.latencies.length;
		}
		if (TIMELINE) {
			const bySecond: number[][] = Array.from({ length: Math.ceil(MEASURE_MS / 1000) }, () => []);
			for (const r of results)
				r.seconds.forEach((second, i) => bySecond[second]?.push(r.latencies[i]!));
			for (const [second, values] of bySecond.entries()) {
				const sorted = Float64Array.from(values).sort();
				log(
					`${target.label}: second ${second}: ${sorted.length} deliveries, ` +
						`p50 ${percentile(sorted, 0.5).toFixed(1)} ms, p99 ${percentile(sorted, 0.99).toFixed(1)} ms, ` +
						`max ${(sorted.at(-1) ?? NaN).toFixed(1)} ms`
				);
			}
		}
		latencies.sort();
		const sent = results.reduce((sum, r) => sum + r.sent, 0);
		const deliveredToAll = results.reduce((sum, r) => sum + r.deliveredToAll, 0);
		const refusals: Record<string, number> = {};
		for (const r of results)
			for (const [reason, n] of Object.entries(r.refusals))
				refusals[reason] = (refusals[reason] ?? 0) + n;
		const cpu = cpuPercent(start, end);
		const row: Row = {
			label: target.label,
			key: target.key,
			clients: target.clients,
			updatesPerS: sent / (MEASURE_MS / 1000),
			sent,
			deliveredPct: sent === 0 ? NaN : (deliveredToAll / sent) * 100,
			p50: percentile(latencies, 0.5),
			p99: percentile(latencies, 0.99),
			max: latencies.at(-1) ?? NaN,
			cpu: cpu.server,
			dbCpu: cpu.db,
			commitsPerS:
				start.commits === null || end.commits === null
					? null
					: (end.commits - start.commits) / ((end.at - start.at) / 1000),
			clientCpu: cpu.clients,
			otherCpu: cpu.other,
			rss: memory.rss,
			peakRss: memory.peak,
			refusals,
			closes: results.reduce((sum, r) => sum + r.closes, 0),
			skipped: results.reduce((sum, r) => sum + r.skipped, 0),
			clientLoopP99: Math.max(...results.map((r) => r.loopP99))
		};
		log(
			`${target.label}: ${row.updatesPerS.toFixed(0)} updates/s, delivered ${row.deliveredPct.toFixed(2)} %, ` +
				`p50 ${row.p50.toFixed(2)} ms, p99 ${row.p99.toFixed(2)} ms, max ${row.max.toFixed(1)} ms; ` +
				`server CPU ${row.cpu.toFixed(0)} %, RSS ${row.rss} MB (peak ${row.peakRss} MB)` +
				(row.dbCpu === null
					? ''
					: `, PostgreSQL CPU ${row.dbCpu.toFixed(0)} % (${row.commitsPerS?.toFixed(0)} commits/s)`) +
				`; load generator CPU ${row.clientCpu.toFixed(0)} % (event-loop delay p99 ` +
				`${row.clientLoopP99.toFixed(1)} ms), other load ${row.otherCpu.toFixed(0)} %` +
				(Object.keys(refusals).length ? `; refused: ${JSON.stringify(refusals)}` : '') +
				(row.closes ? `; ${row.closes} connections closed` : '') +
				(row.skipped ? `; ${row.skipped} typing slots skipped` : '')
		);
		if (row.deliveredPct < 100 || row.closes > 0)
			log(`${target.label}: server output:\n${target.output().slice(-2000)}`);
		return row;
	} finally {
		for (const p of processes) {
			p.child.send({ type: 'close' } satisfies ToClients);
			const exited = new Promise((resolve) => p.child.once('exit', resolve));
			const timer = setTimeout(() => p.child.kill('SIGKILL'), 5000);
			await exited;
			clearTimeout(timer);
			openClients.delete(p);
		}
	}
}

// ---------------------------------------------------------------------------------------------

const cleanups: (() => Promise<void>)[] = [];
let running: Target | null = null;

async function cleanUp(): Promise<void> {
	for (const p of openClients) p.child.kill('SIGKILL');
	openClients.clear();
	await running?.stop().catch(() => {});
	running = null;
	for (const cleanup of cleanups.splice(0).reverse())
		await cleanup().catch((error) => log(`cleaning up failed: ${error}`));
}

process.once('SIGINT', () => {
	log('interrupted: cleaning up');
	void cleanUp().finally(() => process.exit(130));
});

/** A new, empty PostgreSQL database; dropped again at the end. */
async function createDatabase(): Promise<BenchDatabase> {
	const database = await createBenchDatabase(ADMIN_URL, 'collab');
	cleanups.push(() => database.drop());
	return database;
}

async function measure(server: string): Promise<Row> {
	if (server === 'baseline') running = await startBaseline();
	else if (server === 'postgres') {
		const database = await createDatabase();
		log(`postgres: database ${database.name}`);
		const config: DatabaseConfig = { kind: 'postgres', url: database.url };
		const seeded = await seedCollab(config, DOCS);
		running = await startMend('postgres', config, seeded, database.name);
	} else if (server === 'pglite') {
		const dataDir = await mkdtemp(path.join(os.tmpdir(), 'mend-bench-collab-'));
		cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
		log(`pglite: data directory ${dataDir}`);
		const config: DatabaseConfig = { kind: 'pglite', dataDir };
		const seeded = await seedCollab(config, DOCS);
		running = await startMend('pglite', config, seeded, null);
	} else throw new Error(`unknown server ${server} (baseline, postgres, pglite)`);
	try {
		return await round(running);
	} finally {
		await running.stop();
		if (SERVER_OUTPUT_DIR)
			await writeFile(path.join(SERVER_OUTPUT_DIR, `${running.key}.log`), running.output());
		running = null;
	}
}

const rows: Row[] = [];
const runStarted = performance.now();
try {
	for (const server of SERVERS) {
		let best: Row | null = null;
		for (let attempt = 0; attempt <= RETRIES; attempt++) {
			await waitForQuiet({ maxLoad: MAX_OTHER_LOAD, waitMs: QUIET_WAIT_MS, log });
			const row = await measure(server);
			if (!best || row.otherCpu < best.otherCpu) best = row;
			if (row.otherCpu <= MAX_OTHER_LOAD) break;
			if (attempt < RETRIES)
				log(`other load ${row.otherCpu.toFixed(0)} % > ${MAX_OTHER_LOAD} %: measuring again`);
		}
		rows.push(best!);
	}
} catch (error) {
	console.error(error);
	await cleanUp();
	process.exit(1);
} finally {
	await cleanUp();
}

const fmt = (value: number | null | undefined, digits = 1) =>
	value === null || value === undefined || Number.isNaN(value) ? '–' : value.toFixed(digits);
console.log(
	`\nCollaboration: ${DOCS} documents × 3 clients, a character per client every ${INTERVAL_MS} ms ` +
		`(typing: ${TYPING === 'own' ? 'each after their own last character' : 'all at the end of the text'}); ` +
		`${WARMUP_MS / 1000} s warm-up, ${MEASURE_MS / 1000} s measured; ` +
		`${CLIENT_PROCS} load-generator processes; run took ${((performance.now() - runStarted) / 1000).toFixed(0)} s\n`
);
for (const r of rows) console.log(`${r.label}: ${r.clients}`);
console.log(
	'\n| server | updates/s | delivered % | p50 ms | p99 ms | max ms | CPU % | RSS MB | PostgreSQL CPU % | load generator CPU % | other load % |'
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows)
	console.log(
		`| ${r.label} | ${fmt(r.updatesPerS, 0)} | ${fmt(r.deliveredPct, 2)} | ${fmt(r.p50, 2)} | ` +
			`${fmt(r.p99, 2)} | ${fmt(r.max, 1)} | ${fmt(r.cpu, 0)} | ${r.rss} | ${fmt(r.dbCpu, 0)} | ` +
			`${fmt(r.clientCpu, 0)} | ${fmt(r.otherCpu, 0)} |`
	);
const mend = rows.find((r) => r.key === 'postgres');
const baseline = rows.find((r) => r.key === 'baseline');
console.log(
	`RESULT collab cpu_pct=${fmt(mend?.cpu, 0)} baseline_cpu_pct=${fmt(baseline?.cpu, 0)} ` +
		`cpu_ratio=${mend && baseline ? fmt(mend.cpu / baseline.cpu, 2) : '–'} ` +
		`p50_ms=${fmt(mend?.p50, 2)} p99_ms=${fmt(mend?.p99, 2)} ` +
		`delivered_pct=${fmt(mend?.deliveredPct, 2)} rss_mb=${mend?.rss ?? '–'}`
);
