/**
 * A failover under load (tests/bench/cluster.ts): the serving Mend process is killed (SIGKILL)
 * while every session's mediator grants the floor; the standby, started with the same settings
 * on the same port, takes over, and the clients come back to it by themselves.
 *
 * Measured from the kill: when the standby took the serving lock (its own log line), when it
 * listened (its "running" line), when it took the sessions (`live_owners.since` of each, the
 * start of its load from the log), and when each client held a view from it (the first view
 * after the client connected again). A client is back then; a session is back when its four
 * are; the failover is over when every session is.
 *
 * Lost: an acknowledged grant is lost if the log the new process loads does not hold it (the
 * same seq, to the same person), or if it was its session's last acknowledged grant and the
 * first view the new process sends the mediator does not show it — a seq below it, or the
 * floor held by someone neither it nor a later grant (sent, not yet answered at the kill)
 * named. Grants stop at the kill: nothing sent afterwards could blur what was acknowledged.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { MediatorView } from '#lib/protocol/session-view.ts';
import type { BenchClient } from './control-clients.ts';
import type { ControlLoad, Grant } from './control-load.ts';
import { RUNNING } from './control-mend.ts';
import { CLOCK_TICKS, cpuTicks, listenOverflows, percentile } from './proc-stats.ts';
import type { Spawned } from './server-process.ts';

/** The standby's log line once it holds the serving lock (LOG_LEVEL=info), with its time. */
const SERVES = /^(\S+) INFO This process serves the deployment$/m;

export interface FailoverFigures {
	clients: number;
	/** Clients holding a view from the new process by the end of the wait. */
	back: number;
	/** ms from the kill: the standby took the lock, and listened. */
	lockMs: number;
	listeningMs: number;
	/** ms from the kill: sessions taken by the new process, the first and the last. */
	firstTakenMs: number;
	lastTakenMs: number;
	taken: number;
	/** ms from the kill: the first client back, half the sessions back, every session back. */
	firstBackMs: number;
	sessionP50Ms: number;
	allBackMs: number;
	sessionP90Ms: number;
	/** The most attempts one client made to connect again. */
	maxAttempts: number;
	/** Connections the kernel dropped meanwhile, its listening queue full (the whole machine). */
	listenDrops: number;
	/** CPU of the new process, and of its PostgreSQL backends, until every session was back. */
	cpuMs: number;
	dbCpuMs: number;
	acknowledged: number;
	/** Acknowledged grants the new process's log does not hold. */
	missingFromLog: number;
	/** Sessions whose first view from the new process does not show the last acknowledged grant. */
	staleViews: number;
	/** Acknowledged grants lost either way (each counted once). */
	lost: number;
}

/** When a client first held a view from a connection made after `since`; undefined if not yet. */
function backAt(client: BenchClient, since: number): number | undefined {
	return client.reconnections.find((r) => r.at > since)?.firstView?.at;
}

/** Kills `serving` and measures the takeover by `standby`, waiting up to `timeoutMs`. */
export async function killAndTakeOver(options: {
	load: ControlLoad;
	serving: Spawned;
	standby: Spawned;
	databaseUrl: string;
	timeoutMs: number;
}): Promise<FailoverFigures> {
	const { load, serving, standby } = options;
	const standbyTicks = (await cpuTicks(standby.child.pid!)) ?? NaN;
	const overflows = await listenOverflows();
	const killedWall = Date.now();
	const killedAt = performance.now();
	load.stopGranting();
	serving.child.kill('SIGKILL');

	const lock = standby.waitFor(SERVES, options.timeoutMs);
	const listening = standby.waitFor(RUNNING, options.timeoutMs);
	const clients = load.clients.flat();
	const deadline = killedAt + options.timeoutMs;
	while (performance.now() < deadline && clients.some((c) => backAt(c, killedAt) === undefined))
		await sleep(10);
	const cpuMs =
		(((await cpuTicks(standby.child.pid!)) ?? NaN) - standbyTicks) * (1000 / CLOCK_TICKS);
	const listenDrops = (await listenOverflows()) - overflows;
	const lockMs = new Date((await lock).match[1]!).getTime() - killedWall;
	const listeningMs = (await listening).at - killedWall;

	// A session not back is not back at all: it sorts last.
	const sessionsBack = load.clients
		.map((members) => Math.max(...members.map((c) => (backAt(c, killedAt) ?? Infinity) - killedAt)))
		.sort((a, b) => a - b);
	const clientsBack = clients
		.map((c) => backAt(c, killedAt))
		.filter((at) => at !== undefined)
		.map((at) => at - killedAt);

	const database = new pg.Client({ connectionString: options.databaseUrl });
	await database.connect();
	let logged: Set<string>;
	let taken: number[];
	let dbCpuMs = 0;
	try {
		// The new process's backends all started after the kill: their whole CPU is the takeover's
		// (and a little of the wait above).
		const backends = await database.query<{ pid: number }>(
			`select pid from pg_stat_activity
			 where datname = current_database() and backend_start > $1 and pid <> pg_backend_pid()`,
			[new Date(killedWall)]
		);
		for (const { pid } of backends.rows)
			dbCpuMs += ((await cpuTicks(pid)) ?? 0) * (1000 / CLOCK_TICKS);
		const events = await database.query<{ meeting_id: string; seq: number; to: string }>(
			`select meeting_id, seq, command->>'participantId' as to from session_events
			 where command->>'type' = 'grantFloor'`
		);
		logged = new Set(events.rows.map((r) => `${r.meeting_id}:${r.seq}:${r.to}`));
		// PROCESS_NAME (ownership.ts) is host:pid:random.
		const owners = await database.query<{ since: Date }>(
			`select since from live_owners where resource like 'session:%' and process like $1`,
			[`%:${standby.child.pid}:%`]
		);
		taken = owners.rows.map((r) => r.since.getTime() - killedWall).sort((a, b) => a - b);
	} finally {
		await database.end();
	}

	const grants = new Map<number, Grant[]>();
	for (const grant of load.grants) {
		const list = grants.get(grant.session) ?? [];
		list.push(grant);
		grants.set(grant.session, list);
	}
	let acknowledged = 0;
	let missingFromLog = 0;
	let staleViews = 0;
	let lost = 0;
	for (const [i, spec] of load.sessions.entries()) {
		const sent = grants.get(i) ?? [];
		const acked = sent.filter((g) => g.seq > 0);
		acknowledged += acked.length;
		const missing = new Set(acked.filter((g) => !logged.has(`${spec.meetingId}:${g.seq}:${g.to}`)));
		missingFromLog += missing.size;
		lost += missing.size;
		const last = acked.reduce<Grant | undefined>(
			(a, g) => (!a || g.seq > a.seq ? g : a),
			undefined
		);
		if (!last) continue;
		const pending = sent.filter((g) => g.sentAt > last.sentAt && g.seq === 0 && !g.refused);
		const mediator = load.clients[i]![0]!;
		const first = mediator.reconnections.find((r) => r.at > killedAt)?.firstView?.view as
			MediatorView | undefined;
		const speaking = first?.speaking;
		const shown =
			first !== undefined &&
			first.seq >= last.seq &&
			speaking?.mode === 'moderated' &&
			[last, ...pending].some((g) => g.to === speaking.floor);
		if (!shown) {
			staleViews++;
			if (!missing.has(last)) lost++;
		}
	}

	return {
		clients: clients.length,
		back: clientsBack.length,
		lockMs,
		listeningMs,
		firstTakenMs: taken[0] ?? NaN,
		lastTakenMs: taken.at(-1) ?? NaN,
		taken: taken.length,
		firstBackMs: Math.min(...clientsBack),
		sessionP50Ms: percentile(sessionsBack, 0.5),
		sessionP90Ms: percentile(sessionsBack, 0.9),
		allBackMs: clientsBack.length === clients.length ? sessionsBack.at(-1)! : NaN,
		maxAttempts: Math.max(...clients.map((c) => c.reconnectAttempts)),
		listenDrops,
		cpuMs,
		dbCpuMs,
		acknowledged,
		missingFromLog,
		staleViews,
		lost
	};
}
