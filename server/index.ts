import { DataDirInUseError } from '#lib/server/db/data-dir-lock.ts';
import { PROCESS_NAME } from '#lib/server/db/ownership.ts';
import { seedDemo } from '#lib/server/demo/seed-demo.ts';
import { takeActiveRole } from './active-role.ts';
import { startMend } from './app.ts';
import { boot } from './boot.ts';
import { ConfigError, loadConfig } from './config.ts';

/** Stopping (SIGTERM) waits this long at most for writes in flight and connections to close. */
const SHUTDOWN_LIMIT_MS = 15_000;

/** `npm start`: Mend on one port, with the embedded database and a demo unless configured. */
async function main(): Promise<void> {
	let config;
	try {
		config = loadConfig();
	} catch (error) {
		if (error instanceof ConfigError) {
			console.error(error.message);
			process.exit(1);
		}
		throw error;
	}

	let booted;
	try {
		booted = await boot(config);
	} catch (error) {
		// Another process has the embedded database: said plainly, not as a stack trace.
		if (error instanceof DataDirInUseError) {
			console.error(error.message);
			process.exit(1);
		}
		throw error;
	}
	const { deps, close: closeDeps } = booted;
	// On PostgreSQL, one process serves at a time, or several with Redis (a cluster); this one
	// may stand by here (active-role.ts).
	const role = await takeActiveRole(
		config.database,
		deps.log,
		() => process.exit(1),
		config.cluster ? { cluster: { name: PROCESS_NAME } } : {}
	);
	const mend = await startMend(config, deps, { processId: role.processId });
	role.onResume = async () => (await mend.owners?.stillHolds()) ?? true;
	// After listening: the demo's invitations carry Mend's public address.
	const demo = config.seedDemo ? await seedDemo(deps) : null;
	const base = deps.publicUrl.href;

	const lines = [``, `  Mend is running at ${base}`, `  Staff sign in: ${base}/login`];
	if (demo) {
		lines.push(``, `  Demo staff (password for all: ${demo.logins[0]?.password}):`);
		for (const login of demo.logins) lines.push(`    ${login.role.padEnd(12)} ${login.email}`);
		lines.push(``, `  Demo joint session — one link per person (new links at every start):`);
		for (const link of demo.invitations)
			lines.push(`    ${link.role.padEnd(9)} ${link.name.padEnd(14)} ${base}${link.path}`);
	}
	console.log(lines.join('\n') + '\n');

	let stopping = false;
	const stop = async (signal: string) => {
		if (stopping) return;
		stopping = true;
		deps.log.info(`received ${signal}, stopping`);
		// What was acknowledged is durable already; this waits for the rest, within a limit.
		setTimeout(() => {
			deps.log.error(`not stopped within ${SHUTDOWN_LIMIT_MS / 1000} s: exiting`);
			process.exit(1);
		}, SHUTDOWN_LIMIT_MS).unref();
		await mend.close();
		// Only then may a standby take over: everything this one wrote is in the database.
		await role.release();
		await closeDeps();
		process.exit(0);
	};
	process.on('SIGINT', () => void stop('SIGINT'));
	process.on('SIGTERM', () => void stop('SIGTERM'));
}

await main();
