/**
 * The test suite's own settings, read once. `DATABASE_URL` switches every test from in-memory
 * PGlite to the PostgreSQL server it names (each test file then gets a fresh database there).
 * `FUZZ_SECONDS` lets the fuzz test run longer than its CI budget; `FUZZ_SEED` replays a run.
 */
export const testEnv = {
	databaseUrl: process.env.DATABASE_URL || undefined,
	chromiumPath: process.env.CHROMIUM_PATH || undefined,
	inCi: Boolean(process.env.CI),
	fuzzSeconds: Number(process.env.FUZZ_SECONDS) > 0 ? Number(process.env.FUZZ_SECONDS) : 30,
	fuzzSeed: process.env.FUZZ_SEED || undefined
};
