/**
 * Process and machine figures from /proc, shared by the benches: CPU time of a process, its
 * resident memory, the busy time of the whole machine, and waiting for the machine to be quiet
 * before a round.
 */
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

function clockTicks(): number {
	try {
		return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
	} catch {
		return 100;
	}
}

/** Clock ticks a second, as /proc counts CPU time. */
export const CLOCK_TICKS = clockTicks();

/** utime + stime of a process, in clock ticks; null once it is gone. */
export async function cpuTicks(pid: number): Promise<number | null> {
	try {
		const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
		// Fields after the command name "(…)"; utime and stime are fields 14 and 15.
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		return Number(fields[11]) + Number(fields[12]);
	} catch {
		return null;
	}
}

export async function rssMb(pid: number): Promise<{ rss: number; peak: number }> {
	const status = await readFile(`/proc/${pid}/status`, 'utf8');
	const kb = (field: string) => Number(status.match(new RegExp(`${field}:\\s+(\\d+)`))?.[1] ?? 0);
	return { rss: Math.round(kb('VmRSS') / 1024), peak: Math.round(kb('VmHWM') / 1024) };
}

/** Busy clock ticks of the whole machine (all cores together), from /proc/stat. */
export async function machineBusyTicks(): Promise<number> {
	const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!;
	const [user, nice, system, , , irq, softirq, steal] = line.split(/\s+/).slice(1).map(Number);
	return user! + nice! + system! + irq! + softirq! + steal!;
}

/**
 * Waits (up to `waitMs`) until the machine is quiet: other work on its cores would be measured
 * as latency. Returns the busy % (of one core) last seen.
 */
export async function waitForQuiet(options: {
	/** Busy % of one core at or below which the machine counts as quiet. */
	maxLoad: number;
	waitMs: number;
	log: (message: string) => void;
}): Promise<number> {
	const deadline = performance.now() + options.waitMs;
	let told = false;
	for (;;) {
		const before = await machineBusyTicks();
		await sleep(1000);
		const busy = (((await machineBusyTicks()) - before) / CLOCK_TICKS) * 100;
		if (busy <= options.maxLoad || performance.now() > deadline) return busy;
		if (!told)
			options.log(
				`the machine is busy (${busy.toFixed(0)} % of a core): waiting for it to calm down`
			);
		told = true;
	}
}

/** The value at quantile `q` (0–1) of ascending values; NaN for none. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
	if (sorted.length === 0) return NaN;
	return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** A figure for a table or a RESULT line: '–' when there is none. */
export const fmt = (value: number | null | undefined, digits = 1): string =>
	value === null || value === undefined || Number.isNaN(value) ? '–' : value.toFixed(digits);

/**
 * Connections the kernel dropped because a listening socket's queue was full (TcpExt
 * ListenOverflows, the whole machine): a client whose SYN is dropped tries again after 1 s.
 */
export async function listenOverflows(): Promise<number> {
	const lines = (await readFile('/proc/net/netstat', 'utf8')).split('\n');
	const names = lines.find((line) => line.startsWith('TcpExt:'))!.split(/\s+/);
	const values = lines.filter((line) => line.startsWith('TcpExt:'))[1]!.split(/\s+/);
	return Number(values[names.indexOf('ListenOverflows')] ?? NaN);
}
