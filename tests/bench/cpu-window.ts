/**
 * A benchmark's measurement window: the CPU of the servers under test, of the load generator
 * (this process), of the PostgreSQL backends serving them and of everything else on the machine,
 * the first server's resident memory, and the load generator's event-loop delay — whatever the
 * load is, started before and kept up through the window.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLOCK_TICKS, cpuTicks, machineBusyTicks, rssMb, waitForQuiet } from './proc-stats.ts';

/** The processes a window watches. */
export interface Watched {
	/** The servers under test; the first is the one whose memory is reported. */
	pids: number[];
	/** The PostgreSQL backends serving them, if any. */
	dbPids?: () => Promise<number[]>;
}

interface Snapshot {
	at: number;
	machineBusyTicks: number;
	/** CPU ticks of each server, in the order of `pids`. */
	serverTicks: number[];
	clientMicros: number;
	/** CPU ticks of each PostgreSQL backend serving the servers under test. */
	dbTicks: Map<number, number>;
}

async function snapshot(watched: Watched): Promise<Snapshot> {
	const dbTicks = new Map<number, number>();
	for (const pid of (await watched.dbPids?.()) ?? []) {
		const ticks = await cpuTicks(pid);
		if (ticks !== null) dbTicks.set(pid, ticks);
	}
	const usage = process.cpuUsage();
	const serverTicks: number[] = [];
	for (const pid of watched.pids) serverTicks.push((await cpuTicks(pid)) ?? 0);
	return {
		at: performance.now(),
		machineBusyTicks: await machineBusyTicks(),
		serverTicks,
		clientMicros: usage.user + usage.system,
		dbTicks
	};
}

export interface WindowFigures {
	/** performance.now() at the start and the end of the window. */
	startAt: number;
	endAt: number;
	/** The servers' CPU (all of them together), % of one core, and in ms over the window. */
	cpu: number;
	cpuMs: number;
	/** Each server's CPU, % of one core, in the order of `pids`. */
	cpuEach: number[];
	/** The load generator's CPU, % of one core. */
	clientCpu: number;
	/** The PostgreSQL backends' CPU, % of one core; null when not watched. */
	dbCpu: number | null;
	/** Everything else on the machine (other users' work), % of one core. */
	otherCpu: number;
	/** VmRSS of the first server at the end of the window, and its peak, in MB. */
	rss: number;
	peakRss: number;
	/** The load generator's event-loop delay over the window, ms. */
	loopP99: number;
	loopMax: number;
}

/** Waits `warmupMs`, then measures a window of `measureMs` while the load goes on. */
export async function measureWindow(
	watched: Watched,
	warmupMs: number,
	measureMs: number
): Promise<WindowFigures> {
	await sleep(warmupMs);
	const loop = monitorEventLoopDelay({ resolution: 1 });
	const start = await snapshot(watched);
	loop.enable();
	await sleep(measureMs);
	loop.disable();
	const end = await snapshot(watched);
	const memory = await rssMb(watched.pids[0]!);

	const seconds = (end.at - start.at) / 1000;
	let dbTicks = 0;
	for (const [pid, ticks] of end.dbTicks) {
		const before = start.dbTicks.get(pid);
		if (before !== undefined) dbTicks += ticks - before;
	}
	const percent = (ticks: number) => (ticks / CLOCK_TICKS / seconds) * 100;
	const serverTicks = end.serverTicks.map((ticks, i) => ticks - start.serverTicks[i]!);
	const cpuEach = serverTicks.map(percent);
	const cpu = cpuEach.reduce((sum, each) => sum + each, 0);
	const clientCpu = ((end.clientMicros - start.clientMicros) / 1e6 / seconds) * 100;
	const dbCpu = start.dbTicks.size > 0 ? percent(dbTicks) : null;
	const machine = percent(end.machineBusyTicks - start.machineBusyTicks);
	return {
		startAt: start.at,
		endAt: end.at,
		cpu,
		cpuMs: (serverTicks.reduce((sum, each) => sum + each, 0) / CLOCK_TICKS) * 1000,
		cpuEach,
		clientCpu,
		dbCpu,
		otherCpu: Math.max(0, machine - cpu - clientCpu - (dbCpu ?? 0)),
		rss: memory.rss,
		peakRss: memory.peak,
		// The histogram counts the sampling interval (1 ms) in every sample.
		loopP99: Math.max(0, loop.percentile(99) / 1e6 - 1),
		loopMax: Math.max(0, loop.max / 1e6 - 1)
	};
}

/**
 * Measures a round until other work on the machine leaves it alone: after waiting (up to
 * `quietWaitMs`) for a quiet machine, a round whose other load went over `maxLoad` (% of one
 * core) is measured again, up to `retries` times, and the least disturbed attempt is kept.
 */
export async function leastDisturbed<R extends { otherCpu: number }>(
	options: {
		maxLoad: number;
		retries: number;
		quietWaitMs: number;
		log: (message: string) => void;
	},
	measure: () => Promise<R>
): Promise<R> {
	let best: R | null = null;
	for (let attempt = 0; attempt <= options.retries; attempt++) {
		await waitForQuiet({ maxLoad: options.maxLoad, waitMs: options.quietWaitMs, log: options.log });
		const row = await measure();
		if (!best || row.otherCpu < best.otherCpu) best = row;
		if (row.otherCpu <= options.maxLoad) break;
		if (attempt < options.retries)
			options.log(
				`other load ${row.otherCpu.toFixed(0)} % > ${options.maxLoad} %: measuring again`
			);
	}
	return best!;
}
