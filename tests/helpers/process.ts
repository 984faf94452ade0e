import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** Node 24 as npm scripts get it (node_modules/.bin), started directly so a kill reaches it. */
export const NODE = path.resolve('node_modules/.bin/node');

/**
 * The V8 flags `npm run serve` starts Mend with (package.json; a test keeps them the same),
 * which can only be set when Node starts:
 * - a bounded young generation, which V8 otherwise grows to 128 MB under load and never gives
 *   back — half of Mend's resident memory;
 * - an old generation let grow to twice what it held after a full collection before the next
 *   (V8 keeps it at 1.1–1.3× when marking is cheap): at 1000 live sessions, one full
 *   collection a minute instead of every 5–10 s, each a stall of 40–110 ms that everyone's
 *   next view waits behind (docs/BENCHMARKS.md, stop 15). At most the live heap again.
 */
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=16', '--heap-growing-percent=100'];

export interface MendProcess {
	child: ChildProcess;
	/** Everything printed so far (stdout and stderr). */
	output(): string;
	/** The base URL it printed once ready. */
	url: string;
	stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Every Mend process started here and not yet exited. A test that times out while one starts
 * never gets its handle: `stopStartedProcesses` (called after each test file by demo-mend.ts)
 * and, last, the runner's own exit still stop it, so no server outlives the test that made it.
 */
const started = new Set<ChildProcess>();

process.once('exit', () => {
	for (const child of started) child.kill('SIGKILL');
});

/** Kills whatever Mend processes this test file started and left running. */
export async function stopStartedProcesses(): Promise<void> {
	await Promise.all(
		[...started].map(
			(child) =>
				new Promise<void>((resolve) => {
					child.once('exit', () => resolve());
					if (child.exitCode !== null || child.signalCode !== null) return resolve();
					child.kill('SIGKILL');
				})
		)
	);
}

/** A Mend process as started, before it listens (a standby may never). */
export interface SpawnedMend {
	child: ChildProcess;
	/** Everything printed so far (stdout and stderr). */
	output(): string;
	/**
	 * Resolves with the first match of `pattern` in what it prints (already printed or to
	 * come); rejects if it exits first or nothing matches within `timeoutMs`.
	 */
	waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
	/** Resolves with its exit code once it has exited. */
	exited: Promise<number | null>;
	stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `node server/index.ts` as `npm start` would after building. */
export function spawnMend(env: Record<string, string>): SpawnedMend {
	const child = spawn(NODE, [...SERVER_NODE_FLAGS, 'server/index.ts'], {
		env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let output = '';
	child.stdout!.on('data', (chunk) => (output += chunk));
	child.stderr!.on('data', (chunk) => (output += chunk));
	started.add(child);
	const exited = new Promise<number | null>((resolve) =>
		child.once('exit', (code) => {
			started.delete(child);
			resolve(code);
		})
	);
	return {
		child,
		output: () => output,
		exited,
		waitFor: (pattern, timeoutMs = 60_000) =>
			new Promise<RegExpMatchArray>((resolve, reject) => {
				const done = () => {
					clearTimeout(timer);
					child.stdout!.off('data', check);
					child.stderr!.off('data', check);
				};
				const check = () => {
					const match = output.match(pattern);
					if (!match) return false;
					done();
					resolve(match);
					return true;
				};
				const timer = setTimeout(() => {
					done();
					reject(new Error(`Mend did not print ${pattern} within ${timeoutMs} ms:\n${output}`));
				}, timeoutMs);
				if (check()) return;
				child.stdout!.on('data', check);
				child.stderr!.on('data', check);
				void exited.then((code) => {
					if (check()) return;
					done();
					reject(new Error(`Mend exited with ${code}:\n${output}`));
				});
			}),
		stop: async (signal = 'SIGTERM') => {
			if (child.exitCode === null && child.signalCode === null) child.kill(signal);
			return exited;
		}
	};
}

/** Starts `node server/index.ts` as `npm start` would after building, and waits until it listens. */
export async function startMendProcess(
	env: Record<string, string>,
	timeoutMs = 60_000
): Promise<MendProcess> {
	const spawned = spawnMend(env);
	try {
		const [, url] = await spawned.waitFor(/Mend is running at (\S+)/, timeoutMs);
		return { child: spawned.child, url: url!, output: spawned.output, stop: spawned.stop };
	} catch (error) {
		spawned.child.kill('SIGKILL');
		throw error;
	}
}
