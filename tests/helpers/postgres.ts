import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './demo-mend.ts';
import { testEnv } from './env.ts';

/*
 * PostgreSQL for the tests of what happens when Mend's connections to it are lost: they need a
 * real server whichever database the run uses (testEnv.postgresUrl), and some run a cluster of
 * their own, to stop and start (testEnv.postgresBinDir).
 */

const run = promisify(execFile);

/** Whether the server at `url` answers within a few seconds. */
async function answers(url: string): Promise<boolean> {
	const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
	client.on('error', () => {});
	try {
		await client.connect();
		await client.query('select 1');
		return true;
	} catch {
		return false;
	} finally {
		await client.end().catch(() => {});
	}
}

/**
 * Whether a test that needs `what` of PostgreSQL can run. Without it the test is skipped, and
 * says so loudly — except in CI, where a missing PostgreSQL fails the run instead of hiding a
 * test that did not run.
 */
export async function postgresFor(what: 'server' | 'cluster'): Promise<boolean> {
	const missing =
		what === 'cluster'
			? testEnv.postgresBinDir && existsSync(path.join(testEnv.postgresBinDir, 'initdb'))
				? null
				: `PostgreSQL's server programs (initdb, pg_ctl) were not found: install postgresql or set PG_BIN_DIR`
			: (await answers(testEnv.postgresUrl))
				? null
				: `no PostgreSQL answers at ${testEnv.postgresUrl}: start one or set PG_ADMIN_URL`;
	if (!missing) return true;
	if (testEnv.inCi) throw new Error(`This test needs PostgreSQL: ${missing}`);
	console.warn(`\n  ⚠ SKIPPED: this test needs PostgreSQL — ${missing}\n`);
	return false;
}

/** A PostgreSQL cluster of the test's own, on a free port of 127.0.0.1, that it can stop and start. */
export interface PostgresCluster {
	/** The URL of its `postgres` database (trust authentication, user postgres). */
	url: string;
	/** `pg_ctl restart -m fast`: every connection is terminated; back once it accepts them. */
	restart(): Promise<void>;
	/** `pg_ctl stop -m fast`: every connection is terminated, new ones are refused. */
	stop(): Promise<void>;
	/** Starts it again, and waits until it accepts connections. */
	start(): Promise<void>;
	/**
	 * Freezes every process of it (SIGSTOP): connections stay open and nothing answers, as when
	 * the database's machine hangs or the network to it goes silent.
	 */
	freeze(): Promise<void>;
	/** Lets it go on (SIGCONT). */
	thaw(): Promise<void>;
	/** Stops it at once (if running) and deletes its files; safe to call more than once. */
	remove(): Promise<void>;
}

/**
 * initdb refuses to run as root: as root, the cluster belongs to the `postgres` user (its
 * programs run through runuser, in a folder that user owns); otherwise, to whoever runs the test.
 */
const asOwner = (program: string, args: string[]): [string, string[]] =>
	process.getuid?.() === 0
		? ['runuser', ['-u', 'postgres', '--', program, ...args]]
		: [program, args];

/**
 * Creates and starts a cluster. Always `remove()` it (afterAll): it runs detached from the
 * test process. If the test process dies first, an exit hook still stops it.
 */
export async function startPostgresCluster(): Promise<PostgresCluster> {
	const bin = testEnv.postgresBinDir!;
	const root = await mkdtemp(path.join(tmpdir(), 'mend-pg-'));
	const dataDir = path.join(root, 'data');
	const port = await freePort();
	const pgCtl = path.join(bin, 'pg_ctl');
	const owned = async (program: string, args: string[]) => {
		const [command, argv] = asOwner(program, args);
		await run(command, argv, { timeout: 120_000 });
	};
	let removed = false;
	/** The server's processes: the postmaster and its children. */
	const processes = (): number[] => {
		try {
			const postmaster = Number(
				readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]
			);
			const children = execFileSync('pgrep', ['-P', String(postmaster)], { encoding: 'utf8' });
			return [postmaster, ...children.split('\n').filter(Boolean).map(Number)];
		} catch {
			return [];
		}
	};
	const signal = (name: NodeJS.Signals) => {
		for (const pid of processes())
			try {
				process.kill(pid, name);
			} catch {
				// Gone already.
			}
	};
	const stopNow = () => {
		if (removed || !existsSync(path.join(dataDir, 'postmaster.pid'))) return;
		// A frozen server would not stop.
		signal('SIGCONT');
		const [command, argv] = asOwner(pgCtl, ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
		try {
			execFileSync(command, argv, { stdio: 'ignore', timeout: 30_000 });
		} catch {
			// Already stopped.
		}
	};
	process.once('exit', stopNow);
	const remove = async () => {
		stopNow();
		removed = true;
		process.off('exit', stopNow);
		await rm(root, { recursive: true, force: true });
	};

	try {
		if (process.getuid?.() === 0) await run('chown', ['postgres:postgres', root]);
		await owned(path.join(bin, 'initdb'), [
			'-D',
			dataDir,
			'-U',
			'postgres',
			'-A',
			'trust',
			'--no-instructions'
		]);
		const options = [
			`-p ${port}`,
			`-c listen_addresses=127.0.0.1`,
			`-c unix_socket_directories=${root}`,
			// Durable commits, as in production: what Mend acknowledged must survive the restart.
			`-c fsync=on`,
			`-c synchronous_commit=on`
		].join(' ');
		// Its output goes to a file: a detached server holding our pipe open would hold us too.
		const logFile = ['-l', path.join(root, 'server.log')];
		const start = () =>
			owned(pgCtl, ['-D', dataDir, ...logFile, '-o', options, '-w', '-t', '120', 'start']);
		await start();
		const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
		const ready = async () => {
			for (let tries = 0; !(await answers(url)); tries++)
				if (tries > 120) throw new Error(`the test's PostgreSQL on port ${port} does not answer`);
				else await new Promise((resolve) => setTimeout(resolve, 500));
		};
		await ready();
		return {
			url,
			restart: async () => {
				await owned(pgCtl, ['-D', dataDir, ...logFile, '-m', 'fast', '-w', '-t', '120', 'restart']);
				await ready();
			},
			stop: () => owned(pgCtl, ['-D', dataDir, '-m', 'fast', '-w', '-t', '120', 'stop']),
			freeze: async () => signal('SIGSTOP'),
			thaw: async () => signal('SIGCONT'),
			start: async () => {
				await start();
				await ready();
			},
			remove
		};
	} catch (error) {
		await remove();
		throw error;
	}
}
