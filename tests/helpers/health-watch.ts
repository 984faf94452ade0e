import { readFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';

export interface HealthReport {
	checks: number;
	slowestMs: number;
	/**
	 * Checks answered later than the bound only by the time Mend's event loop waited for a CPU
	 * (another process had it): on a busy machine that is not Mend's doing, and not a problem.
	 */
	starved: number;
	/** The highest resident memory (VmRSS) seen, in MB. */
	peakMb: number;
	/** Each check not answered 200 within the bound; `at` when it was asked (epoch ms). */
	problems: { at: number; what: string }[];
}

/** The resident memory (VmRSS) of a process, in MB. */
export async function residentMb(pid: number): Promise<number> {
	const status = await readFile(`/proc/${pid}/status`, 'utf8');
	return Number(status.match(/VmRSS:\s+(\d+) kB/)![1]) / 1024;
}

/**
 * Asks a running Mend for /api/health every `everyMs` and reads its resident memory, from a
 * thread of its own until stopped. A check is a problem when it is not answered 200, or later
 * than `withinMs` once the time Mend's event loop spent waiting for a CPU is taken off (Linux
 * schedstat): what is left is Mend's own delay.
 */
export function watchHealth(
	url: string,
	pid: number,
	options: { withinMs: number; everyMs: number }
): { stop(): Promise<HealthReport> } {
	const worker = new Worker(new URL('./health-watch.worker.ts', import.meta.url), {
		workerData: { url, pid, ...options, startedAt: Date.now() }
	});
	const report = new Promise<HealthReport>((resolve, reject) => {
		worker.once('message', resolve);
		worker.once('error', reject);
	});
	return {
		stop: async () => {
			worker.postMessage('stop');
			try {
				return await report;
			} finally {
				await worker.terminate();
			}
		}
	};
}
