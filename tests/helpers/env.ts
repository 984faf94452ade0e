import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** Where Debian installs PostgreSQL's server programs, one folder per major version. */
const DEBIAN_POSTGRES = '/usr/lib/postgresql';

/** The newest PostgreSQL server programs installed (initdb, pg_ctl), if any. */
function postgresBinDir(): string | undefined {
	if (process.env.PG_BIN_DIR) return process.env.PG_BIN_DIR;
	if (!existsSync(DEBIAN_POSTGRES)) return undefined;
	const [newest] = readdirSync(DEBIAN_POSTGRES)
		.filter((version) => existsSync(path.join(DEBIAN_POSTGRES, version, 'bin', 'pg_ctl')))
		.sort((a, b) => Number(b) - Number(a));
	return newest ? path.join(DEBIAN_POSTGRES, newest, 'bin') : undefined;
}

/**
 * The test suite's own settings, read once. `DATABASE_URL` switches every test from in-memory
 * PGlite to the PostgreSQL server it names (each test file then gets a fresh database there);
 * `REDIS_URL` makes every test server count its limits in that Redis, each under a key prefix
 * of its own that starts with `REDIS_KEY_PREFIX` (the run's: parallel runs on one Redis stay apart).
 * `FUZZ_SECONDS` lets the fuzz test run longer than its CI budget; `FUZZ_SEED` replays a run.
 */
export const testEnv = {
	databaseUrl: process.env.DATABASE_URL || undefined,
	/**
	 * A PostgreSQL server (with the right to create databases) for the tests that need one
	 * whichever database the run uses — what happens when a connection to it is lost: the
	 * run's DATABASE_URL, else PG_ADMIN_URL (CI), else the local server on its default port.
	 */
	postgresUrl:
		process.env.DATABASE_URL ||
		process.env.PG_ADMIN_URL ||
		'postgres://postgres@127.0.0.1:5432/postgres',
	redisUrl: process.env.REDIS_URL || undefined,
	/**
	 * A Redis for the tests that need one whichever the run uses — limits shared by several
	 * processes: the run's REDIS_URL, else REDIS_SERVER_URL (CI), else the local server on its
	 * default port.
	 */
	redisServerUrl: process.env.REDIS_URL || process.env.REDIS_SERVER_URL || 'redis://127.0.0.1:6379',
	redisKeyPrefix: process.env.REDIS_KEY_PREFIX || 'mend-test',
	/** PostgreSQL's server programs, for tests that run a cluster of their own (PG_BIN_DIR). */
	postgresBinDir: postgresBinDir(),
	chromiumPath: process.env.CHROMIUM_PATH || undefined,
	inCi: Boolean(process.env.CI),
	fuzzSeconds: Number(process.env.FUZZ_SECONDS) > 0 ? Number(process.env.FUZZ_SECONDS) : 30,
	fuzzSeed: process.env.FUZZ_SEED || undefined,
	/**
	 * Where record-session-log.test.ts writes the log of the session it runs (a new fixture of
	 * the log's format, e.g. tests/fixtures/session-log-v2.json); unset, it does not run.
	 */
	recordSessionLog: process.env.RECORD_SESSION_LOG || undefined
};

/**
 * For the tests that start their own processes on a database of their own, whichever database
 * the run is on: CI runs those on PostgreSQL in its PostgreSQL pass only, and those on the
 * embedded database in the other (each takes a busy machine's minutes); a developer's run
 * does both.
 */
export const postgresPass = !testEnv.inCi || Boolean(testEnv.databaseUrl);
export const embeddedPass = !testEnv.inCi || !testEnv.databaseUrl;
