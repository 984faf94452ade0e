/**
 * The test suite's own settings, read once. `DATABASE_URL` switches every test from in-memory
 * PGlite to the PostgreSQL server it names (each test file then gets a fresh database there).
 */
export const testEnv = {
	databaseUrl: process.env.DATABASE_URL || undefined,
	chromiumPath: process.env.CHROMIUM_PATH || undefined,
	inCi: Boolean(process.env.CI)
};
