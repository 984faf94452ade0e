/**
 * A failover under load in a cluster (tests/bench/cluster.ts): one of the two Mend processes is
 * killed (SIGKILL) while every session's mediator grants the floor; the survivor takes its
 * cases over, and the clients come back by themselves.
 *
 * Affected are the sessions whose case the killed process held — every client of theirs loses
 * its connection, those it served and those the survivor forwarded to it — and the clients of
 * the survivor's sessions that were connected to the killed process (forwarded from there).
 * A client is back once it holds a view on a connection made after the kill — from the
 * survivor, the case's owner now, the only process left; a session once its affected clients
 * are; the failover is over when every affected client is. Its parts: when the survivor took
 * each case (`case_owners.since`) and loaded its session (`live_owners.since`, the start of its
 * load from the log), the first client, half and 90 % of the affected sessions back.
 *
 * Lost: an acknowledged grant is lost if the log does not hold it (the same seq, to the same
 * person), or if it was its session's last acknowledged grant and the mediator's view does not
 * show it — the first view the survivor sends a mediator that came back (a seq below it, or the
 * floor held by someone neither it nor a later grant, sent and not yet answered at the kill,
 * named), or the last view of a mediator that never lost its connection (a seq below it).
 * Grants stop at the kill: nothing sent afterwards could blur what was acknowledged.
 *
 * The floor (`killBare`): the same kill of one of two bare socket.io processes, each serving
 * every client of half the sessions (nothing forwarded, nothing to take over). Affected are the
 * clients it served; one is back once it holds a view on a connection made after the kill — the
 * room's state, which the bare server sends on every connection. What the transport alone takes.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { MediatorView } from '#lib/protocol/session-view.ts';
import type { BenchClient } from './control-clients.ts';
import type { ControlLoad, Grant } from './control-load.ts';
import { CLOCK_TICKS, cpuTicks, listenOverflows, percentile } from './proc-stats.ts';
import type { Spawned } from './server-process.ts';

/** How the affected clients came back to the survivor, Mend's or the bare floor's. */
export interface ReturnFigures {
	/** Sessions whose case the killed process held (Mend), or that it served (bare). */
	sessions: number;
	/** Clients affected (of those sessions, and of the others connected to the killed process). */
	clients: number;
	/** Affected clients holding a view from the survivor by the end of the wait. */
	back: number;
	/** Clients not affected whose connection dropped all the same (0 if the survivor held on). */
	strayDrops: number;
	/** ms from the kill: the first client back, half and 90 % of the affected sessions, all. */
	firstBackMs: number;
	sessionP50Ms: number;
	sessionP90Ms: number;
	allBackMs: number;
	/** The most attempts one client made to connect again. */
	maxAttempts: number;
	/** Why the affected clients' failed attempts failed, most frequent first: `503 ×12, ECONNREFUSED ×40`. */
	failedAttempts: string;
	/** Connections the kernel dropped meanwhile, its listening queue full (the whole machine). */
	listenDrops: number;
	/** CPU of the survivor until every client was back. */
	cpuMs: number;
}

export interface FailoverFigures extends ReturnFigures {
	/** ms from the kill: the killed process's cases taken by the survivor, the first and the last. */
	firstCaseMs: number;
	lastCaseMs: number;
	/** ms from the kill: their sessions loaded by the survivor, the first and the last. */
	firstTakenMs: number;
	lastTakenMs: number;
	taken: number;
	/** ms from the kill: the last client of the killed process's sessions back, and of the survivor's. */
	heldBackMs: number;
	movedBackMs: number;
	/** CPU of the database's PostgreSQL backends until every client was back. */
	dbCpuMs: number;
	acknowledged: number;
	/** Acknowledged grants the log does not hold. */
	missingFromLog: number;
	/** Sessions whose mediator's view does not show their last acknowledged grant. */
	staleViews: number;
	/** Acknowledged grants lost either way (each counted once). */
	lost: number;
}

/** The first view on a connection made after `since`; undefined if none yet. */
function firstViewAfter(client: BenchClient, since: number) {
	return client.reconnections.find((r) => r.at > since && r.firstView)?.firstView;
}

/** `a ×3, b ×1`, the most frequent first; `none` for none. */
function tally(values: string[]): string {
	const counts = new Map<string, number>();
	for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
	const sorted = [...counts].sort((a, b) => b[1] - a[1]);
	return sorted.length === 0
		? 'none'
		: sorted.map(([value, count]) => `${value} ×${count}`).join(', ');
}

/** CPU ticks of each backend of the database now. */
async function backendTicks(database: pg.Client): Promise<Map<number, number>> {
	const { rows } = await database.query<{ pid: number }>(
		`select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`
	);
	const ticks = new Map<number, number>();
	for (const { pid } of rows) {
		const now = await cpuTicks(pid);
		if (now !== null) ticks.set(pid, now);
	}
	return ticks;
}

/**
 * Kills `killed` — the grants stop with it — and waits, up to `timeoutMs`, until every affected
 * client (`affected`: each session's) holds a view on a connection made after the kill: how they
 * came back, and the survivor's CPU and the kernel's dropped connections meanwhile.
 */
async function killAndAwait(
	load: ControlLoad,
	killed: Spawned,
	survivor: Spawned,
	affected: BenchClient[][],
	timeoutMs: number
) {
	const unaffected = load.clients.flatMap((members, i) =>
		members.filter((c) => !affected[i]!.includes(c))
	);
	const survivorTicks = (await cpuTicks(survivor.child.pid!)) ?? NaN;
	const overflows = await listenOverflows();
	const killedWall = Date.now();
	const killedAt = performance.now();
	load.stopGranting();
	killed.child.kill('SIGKILL');

	const clients = affected.flat();
	const deadline = killedAt + timeoutMs;
	while (
		performance.now() < deadline &&
		clients.some((c) => firstViewAfter(c, killedAt) === undefined)
	)
		await sleep(10);
	const cpuMs =
		(((await cpuTicks(survivor.child.pid!)) ?? NaN) - survivorTicks) * (1000 / CLOCK_TICKS);
	const listenDrops = (await listenOverflows()) - overflows;

	const backMs = (c: BenchClient) => (firstViewAfter(c, killedAt)?.at ?? Infinity) - killedAt;
	// A session not back is not back at all: it sorts last.
	const sessionsBack = affected
		.filter((members) => members.length > 0)
		.map((members) => Math.max(...members.map(backMs)))
		.sort((a, b) => a - b);
	const clientsBack = clients.map(backMs).filter((ms) => ms !== Infinity);
	const figures: Omit<ReturnFigures, 'sessions'> = {
		clients: clients.length,
		back: clientsBack.length,
		strayDrops: unaffected.filter((c) => c.reconnections.some((r) => r.at > killedAt)).length,
		firstBackMs: Math.min(...clientsBack),
		sessionP50Ms: percentile(sessionsBack, 0.5),
		sessionP90Ms: percentile(sessionsBack, 0.9),
		allBackMs: clientsBack.length === clients.length ? (sessionsBack.at(-1) ?? NaN) : NaN,
		maxAttempts: Math.max(...clients.map((c) => c.reconnectAttempts)),
		failedAttempts: tally(clients.flatMap((c) => c.reconnectErrors)),
		listenDrops,
		cpuMs
	};
	return { figures, killedAt, killedWall, backMs };
}

/**
 * Kills `killed` and measures the takeover of its cases by `survivor`, waiting up to
 * `timeoutMs`. `killedUrl`: the address the killed process's clients were connected to;
 * `heldByKilled`: the meetings of the cases it held; `survivorId`: the survivor's
 * `cluster_processes` id.
 */
export async function killOne(options: {
	load: ControlLoad;
	killed: Spawned;
	killedUrl: string;
	heldByKilled: ReadonlySet<string>;
	survivor: Spawned;
	survivorId: number;
	databaseUrl: string;
	timeoutMs: number;
}): Promise<FailoverFigures> {
	const { load, survivor, heldByKilled } = options;
	const database = new pg.Client({ connectionString: options.databaseUrl });
	await database.connect();
	try {
		const held = load.sessions.map((spec) => heldByKilled.has(spec.meetingId));
		const affected = load.clients.map((members, i) =>
			members.filter((c) => held[i] || c.url === options.killedUrl)
		);

		const dbTicks = await backendTicks(database);
		const { figures, killedAt, killedWall, backMs } = await killAndAwait(
			load,
			options.killed,
			survivor,
			affected,
			options.timeoutMs
		);
		let dbCpuMs = 0;
		for (const [pid, ticks] of await backendTicks(database))
			dbCpuMs += (ticks - (dbTicks.get(pid) ?? 0)) * (1000 / CLOCK_TICKS);
		const lastBack = (members: BenchClient[]) =>
			members.length === 0 ? NaN : Math.max(...members.map(backMs));

		const { rows: events } = await database.query<{ meeting_id: string; seq: number; to: string }>(
			`select meeting_id, seq, command->>'participantId' as to from session_events
			 where command->>'type' = 'grantFloor'`
		);
		const logged = new Set(events.map((r) => `${r.meeting_id}:${r.seq}:${r.to}`));
		const sinceKill = (rows: { meeting_id: string; since: Date }[]) =>
			rows
				.filter((r) => heldByKilled.has(r.meeting_id))
				.map((r) => r.since.getTime() - killedWall)
				.sort((a, b) => a - b);
		const cases = sinceKill(
			(
				await database.query<{ meeting_id: string; since: Date }>(
					`select m.id as meeting_id, o.since from case_owners o
					 join meetings m on m.case_id = o.case_id where o.process_id = $1`,
					[options.survivorId]
				)
			).rows
		);
		// PROCESS_NAME (ownership.ts) is host:pid:random.
		const taken = sinceKill(
			(
				await database.query<{ meeting_id: string; since: Date }>(
					`select substring(resource from 9) as meeting_id, since from live_owners
					 where resource like 'session:%' and process like $1`,
					[`%:${survivor.child.pid}:%`]
				)
			).rows
		);

		const lost = lostGrants(load, logged, killedAt);
		return {
			sessions: held.filter(Boolean).length,
			...figures,
			firstCaseMs: cases[0] ?? NaN,
			lastCaseMs: cases.at(-1) ?? NaN,
			firstTakenMs: taken[0] ?? NaN,
			lastTakenMs: taken.at(-1) ?? NaN,
			taken: taken.length,
			heldBackMs: lastBack(affected.filter((_, i) => held[i]).flat()),
			movedBackMs: lastBack(affected.filter((_, i) => !held[i]).flat()),
			dbCpuMs,
			...lost
		};
	} finally {
		await database.end();
	}
}

/**
 * The floor: kills the bare socket.io process `killed` and waits, up to `timeoutMs`, until every
 * client it served (connected to `killedUrl`) holds a view from `survivor`.
 */
export async function killBare(options: {
	load: ControlLoad;
	killed: Spawned;
	killedUrl: string;
	survivor: Spawned;
	timeoutMs: number;
}): Promise<ReturnFigures> {
	const { load } = options;
	const affected = load.clients.map((members) =>
		members.filter((c) => c.url === options.killedUrl)
	);
	const { figures } = await killAndAwait(
		load,
		options.killed,
		options.survivor,
		affected,
		options.timeoutMs
	);
	return { sessions: affected.filter((members) => members.length > 0).length, ...figures };
}

/** Acknowledged grants against the log (`logged`: meeting:seq:to) and the mediators' views. */
function lostGrants(load: ControlLoad, logged: Set<string>, killedAt: number) {
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
		const mediator = load.clients[i]![0]!;
		let shown: boolean;
		if (mediator.reconnections.some((r) => r.at > killedAt)) {
			const pending = sent.filter((g) => g.sentAt > last.sentAt && g.seq === 0 && !g.refused);
			const first = firstViewAfter(mediator, killedAt)?.view as MediatorView | undefined;
			const speaking = first?.speaking;
			shown =
				first !== undefined &&
				first.seq >= last.seq &&
				speaking?.mode === 'moderated' &&
				[last, ...pending].some((g) => g.to === speaking.floor);
		} else shown = (mediator.last?.seq ?? -1) >= last.seq;
		if (!shown) {
			staleViews++;
			if (!missing.has(last)) lost++;
		}
	}
	return { acknowledged, missingFromLog, staleViews, lost };
}
