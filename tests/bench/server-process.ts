/** Starting and stopping a bench's server under test, each in its own child process. */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { NODE, SERVER_NODE_FLAGS } from '../helpers/process.ts';

/** BENCH_NODE_OPTIONS: NODE_OPTIONS for every server a bench starts. */
export const NODE_OPTIONS = process.env.BENCH_NODE_OPTIONS ?? '';
/** BENCH_NODE_FLAGS: more V8 flags on every server's command line, where NODE_OPTIONS refuses them (--trace-gc). */
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);

/** A port nobody listens on, for a server that must be told its port (or its address) first. */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as net.AddressInfo;
			server.close(() => resolve(port));
		});
	});
}

/** Stops a child: SIGTERM, then SIGKILL if it has not exited within 15 s. */
export async function stopChild(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return;
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	child.kill('SIGTERM');
	const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
	await exited;
	clearTimeout(timer);
}

export interface Spawned {
	child: ChildProcess;
	/** The match of `ready` in its output. */
	ready: RegExpMatchArray;
	output(): string;
	/**
	 * The first match of `pattern` in its output (printed already or to come) and when it
	 * arrived (Date.now()); rejects if the process exits first or nothing matches in time.
	 */
	waitFor(pattern: RegExp, timeoutMs?: number): Promise<{ match: RegExpMatchArray; at: number }>;
}

/**
 * `node <script>` as npm scripts run it, with only the given environment (and PATH, HOME,
 * NODE_OPTIONS); resolves once its output matches `ready`. Stopped again if it never does.
 */
export async function spawnServer(
	script: string,
	childEnv: Record<string, string>,
	ready: RegExp,
	timeoutMs = 120_000
): Promise<Spawned> {
	// Every server runs with the V8 flags `npm run serve` uses, for a like-for-like comparison.
	const child = spawn(NODE, [...SERVER_NODE_FLAGS, ...NODE_FLAGS, script], {
		env: {
			PATH: process.env.PATH ?? '',
			HOME: process.env.HOME ?? '',
			NODE_OPTIONS,
			...childEnv
		},
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let output = '';
	/** Where each chunk of output ends, and when it arrived: when a line was printed. */
	const arrivals: { end: number; at: number }[] = [];
	const watchers = new Set<() => void>();
	const read = (chunk: Buffer) => {
		output += chunk;
		arrivals.push({ end: output.length, at: Date.now() });
		for (const watcher of watchers) watcher();
	};
	child.stdout!.on('data', read);
	child.stderr!.on('data', read);
	const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
	const waitFor = (pattern: RegExp, timeoutMs = 60_000) =>
		new Promise<{ match: RegExpMatchArray; at: number }>((resolve, reject) => {
			const done = () => {
				clearTimeout(timer);
				watchers.delete(check);
			};
			const check = () => {
				const match = output.match(pattern);
				if (!match) return;
				done();
				const at = arrivals.find((a) => a.end > match.index!)!.at;
				resolve({ match, at });
			};
			const timer = setTimeout(() => {
				done();
				reject(new Error(`${script} did not print ${pattern} within ${timeoutMs} ms`));
			}, timeoutMs);
			watchers.add(check);
			check();
			void exited.then((code) => {
				if (!watchers.has(check)) return;
				done();
				reject(new Error(`${script} exited with ${code}`));
			});
		});
	try {
		const { match } = await waitFor(ready, timeoutMs);
		return { child, ready: match, output: () => output, waitFor };
	} catch (error) {
		await stopChild(child);
		throw new Error(`${(error as Error).message}:\n${output}`, { cause: error });
	}
}
