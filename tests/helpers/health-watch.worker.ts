import { readFile } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';

/*
 * Runs in its own thread (health-watch.ts), so that whatever the test's main thread is busy
 * with — generating hostile input, say — never delays a health check or its timing. Plain
 * Node (type stripping): erasable TypeScript only, no project imports.
 */

interface Settings {
	url: string;
	pid: number;
	withinMs: number;
	everyMs: number;
	startedAt: number;
}

const { url, pid, withinMs, everyMs, startedAt } = workerData as Settings;
const report = {
	checks: 0,
	slowestMs: 0,
	/** Checks later than `withinMs` only by the time Mend waited for a CPU (a busy machine). */
	starved: 0,
	peakMb: 0,
	problems: [] as { at: number; what: string }[]
};
let stopping = false;
parentPort!.on('message', () => (stopping = true));

async function residentMb(): Promise<number | null> {
	const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => null);
	const match = status?.match(/VmRSS:\s+(\d+) kB/);
	return match ? Number(match[1]) / 1024 : null;
}

/**
 * How long Mend's main thread (its event loop: the thread whose id is the process id) has
 * waited, runnable, for a CPU, in ms (schedstat's second field, in ns).
 */
async function waitedForCpuMs(): Promise<number> {
	const schedstat = await readFile(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').catch(() => '');
	return Number(schedstat.split(' ')[1] ?? 0) / 1e6;
}

while (!stopping) {
	const at = Date.now();
	const problem = (what: string) =>
		report.problems.push({ at, what: `${((at - startedAt) / 1000).toFixed(1)} s: ${what}` });
	const waitedBefore = await waitedForCpuMs();
	const asked = performance.now();
	try {
		// Waited for past the bound, to tell a slow Mend from a machine that gave it no CPU.
		const response = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(30_000) });
		await response.arrayBuffer();
		const tookMs = performance.now() - asked;
		const waitedMs = (await waitedForCpuMs()) - waitedBefore;
		report.checks++;
		report.slowestMs = Math.max(report.slowestMs, tookMs);
		if (response.status !== 200) problem(`health check answered ${response.status}`);
		else if (tookMs - waitedMs > withinMs)
			problem(
				`health check answered in ${tookMs.toFixed(0)} ms (${waitedMs.toFixed(0)} ms of it waiting for a CPU)`
			);
		else if (tookMs > withinMs) report.starved++;
	} catch (error) {
		problem(`health check: ${(error as Error).message}`);
	}
	const mb = await residentMb();
	if (mb === null) problem(`no process ${pid}`);
	else report.peakMb = Math.max(report.peakMb, mb);
	await new Promise((resolve) => setTimeout(resolve, everyMs));
}
parentPort!.postMessage(report);
