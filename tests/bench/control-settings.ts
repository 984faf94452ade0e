/**
 * The settings bench:control and bench:cluster share, read from the environment (each bench's
 * header lists them with their defaults).
 */
export function controlSettings(defaults: { sessions: string; retries: number }) {
	const env = process.env;
	return {
		/** BENCH_SESSIONS: the session counts, one round each (per server). */
		sizes: (env.BENCH_SESSIONS ?? defaults.sessions).split(',').map((s) => Number(s.trim())),
		warmupMs: Number(env.BENCH_WARMUP_S ?? 5) * 1000,
		measureMs: Number(env.BENCH_MEASURE_S ?? 20) * 1000,
		intervalMs: Number(env.BENCH_INTERVAL_MS ?? 500),
		connectBatch: Number(env.BENCH_CONNECT_BATCH ?? 50),
		cpuProfDir: env.BENCH_CPU_PROF || undefined,
		serverOutputDir: env.BENCH_SERVER_OUTPUT || undefined,
		adminUrl: env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
		/** For leastDisturbed (cpu-window.ts). */
		quiet: {
			/** Other work on the machine (% of one core) above which a round counts as disturbed. */
			maxLoad: Number(env.BENCH_MAX_OTHER_LOAD ?? 30),
			retries: Number(env.BENCH_RETRIES ?? defaults.retries),
			quietWaitMs: Number(env.BENCH_QUIET_WAIT_S ?? 120) * 1000
		}
	};
}

/** After a window: time for its last grants' answers and views to arrive. */
export const GRACE_MS = 3000;
