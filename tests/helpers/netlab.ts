import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import {
	chmod,
	mkdir,
	mkdtemp,
	readdir,
	readFile,
	rename,
	rm,
	stat,
	writeFile
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { testEnv } from './env.ts';

/**
 * A network lab on this machine: each host a network namespace of its own with one address,
 * all joined by a router namespace (`core`) as if by the internet, and the root namespace (where
 * the test and Mend run) reachable from every host at `rootAddress`. Hosts have no other
 * interface and no default route beyond the lab: a browser in one gathers lab addresses only and
 * can reach nothing else. nftables in a host's namespace counts (and drops) what arrives there
 * from another host; a TURN server (coturn) runs in a host of its own.
 *
 * Needs root, iproute2, nftables, coturn (for TURN) and Debian's Chromium binary. Everything a
 * lab makes is named after its number (`mlab<n>`) and torn down by `close()`; a lab left behind
 * by a killed run (its owner process gone) is torn down by the next `createNetLab`.
 */

const IP = '/usr/sbin/ip';
const NFT = '/usr/sbin/nft';
const TURNSERVER = '/usr/bin/turnserver';
/** The browser binary itself: Debian's /usr/bin/chromium is a launcher script. */
export const CHROMIUM_BINARY = '/usr/lib/chromium/chromium';
/** Each lab holds its number while its owner lives: /tmp/mend-netlab/<n>/owner (a pid). */
const CLAIMS = path.join(tmpdir(), 'mend-netlab');
const MAX_LABS = 8;

const run = promisify(execFile);

/** What is missing for the lab on this machine (empty: it can run). */
function missingForLab(): string[] {
	const missing: string[] = [];
	if (process.getuid?.() !== 0) missing.push('root (network namespaces)');
	if (!existsSync(IP)) missing.push('iproute2 (`apt-get install -y iproute2`)');
	if (!existsSync(NFT)) missing.push('nftables (`apt-get install -y nftables`)');
	if (!existsSync(TURNSERVER)) missing.push('coturn (`apt-get install -y coturn`)');
	if (!existsSync(CHROMIUM_BINARY)) missing.push('Chromium (`apt-get install -y chromium`)');
	return missing;
}

const missing = missingForLab();

/** Whether lab tests can run here. Missing parts fail CI and are shouted about elsewhere. */
export const labAvailable = missing.length === 0;

if (!labAvailable) {
	const message = `The network lab needs ${missing.join(', ')}.`;
	if (testEnv.inCi) throw new Error(`${message} Network lab tests cannot run in CI without it.`);
	console.warn(
		`\n${'!'.repeat(78)}\n!! SKIPPING NETWORK LAB TESTS: ${message}\n${'!'.repeat(78)}\n`
	);
}

export interface LabHost {
	name: string;
	/** Its network namespace. */
	ns: string;
	/** Its one address. */
	address: string;
	/** A Chromium executable (for playwright's executablePath) that runs in this namespace. */
	chromium: string;
	/** Runs a command in this namespace; its stdout. */
	exec(command: string, ...args: string[]): Promise<string>;
}

export interface TurnServer {
	/** e.g. turn:10.100.3.2:3478?transport=udp */
	url: string;
	address: string;
	/** Everything coturn printed so far. */
	output(): string;
	stop(): Promise<void>;
}

export interface NetLab {
	/** The root namespace's address in the lab: a server listening here is reachable from every host. */
	rootAddress: string;
	/** The private range the lab's addresses are in, as coturn writes a range. */
	range: string;
	host(name: string): LabHost;
	/**
	 * From now on, nothing `from` sends reaches `into` directly: each packet arriving in `into`'s
	 * namespace from `from`'s address is counted and dropped (packetsFrom).
	 */
	cutOff(from: string, into: string): Promise<void>;
	/** Packets from `from`'s address that have arrived in `into`'s namespace since cutOff. */
	packetsFrom(from: string, into: string): Promise<number>;
	/** coturn in `host`'s namespace, with REST credentials (`use-auth-secret`), ready to answer. */
	startTurn(host: string, secret: string): Promise<TurnServer>;
	close(): Promise<void>;
}

const alive = (pid: number) => {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
};

async function namespaces(): Promise<string[]> {
	const { stdout } = await run(IP, ['netns', 'list']);
	return stdout
		.split('\n')
		.map((line) => line.split(' ')[0])
		.filter(Boolean);
}

/**
 * Tears down lab `n` whoever made it: the processes in its namespaces (coturn, browsers of a
 * killed run), the namespaces (and so their veths), the root's link, /etc/netns entries and
 * its temporary files.
 */
async function tearDown(n: number): Promise<void> {
	const prefix = `mlab${n}-`;
	for (const ns of (await namespaces()).filter((name) => name.startsWith(prefix))) {
		const { stdout } = await run(IP, ['netns', 'pids', ns]).catch(() => ({ stdout: '' }));
		for (const pid of stdout.split('\n').filter(Boolean).map(Number)) {
			try {
				process.kill(pid, 'SIGKILL');
			} catch {
				// Gone already.
			}
		}
		await run(IP, ['netns', 'delete', ns]).catch(() => {});
		await rm(`/etc/netns/${ns}`, { recursive: true, force: true });
	}
	await run(IP, ['link', 'delete', `mlab${n}`]).catch(() => {});
	for (const entry of await readdir(tmpdir()))
		if (entry.startsWith(prefix))
			await rm(path.join(tmpdir(), entry), { recursive: true, force: true });
}

/** Whether lab number `dir` is held: by a live owner, or being claimed right now. */
async function held(dir: string): Promise<boolean> {
	const owner = await readFile(path.join(dir, 'owner'), 'utf8').catch(() => null);
	if (owner !== null) return alive(Number(owner));
	const made = await stat(dir).catch(() => null);
	// A claim without its owner yet is being made, unless that was long ago (its maker killed).
	return made !== null && Date.now() - made.mtimeMs < 60_000;
}

/** Claims the lowest free lab number, tearing down what a dead owner left behind. */
async function claimLab(): Promise<number> {
	await mkdir(CLAIMS, { recursive: true });
	for (let n = 0; n < MAX_LABS; n++) {
		const dir = path.join(CLAIMS, String(n));
		if (existsSync(dir)) {
			if (await held(dir)) continue;
			// A dead owner's: moved aside at once, so that of two claimants only one takes it.
			const aside = `${dir}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
			if (
				!(await rename(dir, aside).then(
					() => true,
					() => false
				))
			)
				continue;
			await rm(aside, { recursive: true, force: true });
		}
		try {
			await mkdir(dir);
		} catch {
			continue; // Another lab claimed it in between.
		}
		await writeFile(path.join(dir, 'owner'), String(process.pid));
		await tearDown(n);
		return n;
	}
	throw new Error(`all ${MAX_LABS} network labs are in use (${CLAIMS})`);
}

/**
 * A lab with one namespace per host name (lower-case letters, at most 8), in that order. Call
 * `close()` in afterAll (or finally): it stops what the lab started and removes all of it.
 */
export async function createNetLab(hostNames: string[]): Promise<NetLab> {
	for (const name of hostNames)
		if (!/^[a-z]{1,8}$/.test(name) || name === 'core')
			throw new Error(`a lab host is named with 1–8 lower-case letters, not "${name}"`);
	const n = await claimLab();
	const net = `10.${100 + n}`;
	const core = `mlab${n}-core`;
	const dir = await mkdtemp(path.join(tmpdir(), `mlab${n}-`));
	const children: ChildProcess[] = [];
	const hosts = new Map<string, LabHost>();
	const cut = new Set<string>();
	const inNs = (ns: string, command: string, ...args: string[]) =>
		run(IP, ['netns', 'exec', ns, command, ...args]).then((r) => r.stdout);

	/** A namespace without IPv6 (no link-local addresses to gather) and with its loopback up. */
	async function addNamespace(ns: string): Promise<void> {
		await run(IP, ['netns', 'add', ns]);
		await inNs(ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1');
		await inNs(ns, 'sysctl', '-qw', 'net.ipv6.conf.default.disable_ipv6=1');
		await inNs(ns, IP, 'link', 'set', 'lo', 'up');
		// Nothing to resolve names with: a browser looks up nothing outside the lab.
		await mkdir(`/etc/netns/${ns}`, { recursive: true });
		await writeFile(`/etc/netns/${ns}/resolv.conf`, 'nameserver 127.0.0.1\n');
	}

	const lab: NetLab = {
		rootAddress: `${net}.0.1`,
		range: `${net}.0.0-${net}.255.255`,
		host(name) {
			const host = hosts.get(name);
			if (!host) throw new Error(`no lab host "${name}"`);
			return host;
		},
		async cutOff(from, into) {
			const source = lab.host(from);
			const target = lab.host(into);
			if (!cut.has(into))
				await target.exec(
					NFT,
					`add table inet netlab
					 add chain inet netlab arriving { type filter hook prerouting priority raw; policy accept; }`
				);
			cut.add(into);
			await target.exec(
				NFT,
				`add counter inet netlab from_${from}
				 add rule inet netlab arriving ip saddr ${source.address} counter name from_${from} drop`
			);
		},
		async packetsFrom(from, into) {
			const json = await lab
				.host(into)
				.exec(NFT, '-j', 'list', 'counter', 'inet', 'netlab', `from_${from}`);
			const counter = (JSON.parse(json).nftables as { counter?: { packets: number } }[]).find(
				(entry) => entry.counter
			);
			if (!counter?.counter) throw new Error(`no counter from ${from} into ${into}`);
			return counter.counter.packets;
		},
		async startTurn(hostName, secret) {
			const host = lab.host(hostName);
			const child = spawn(
				IP,
				[
					'netns',
					'exec',
					host.ns,
					TURNSERVER,
					'-n',
					`--listening-ip=${host.address}`,
					`--relay-ip=${host.address}`,
					'--listening-port=3478',
					'--min-port=49152',
					'--max-port=49407',
					'--use-auth-secret',
					`--static-auth-secret=${secret}`,
					'--realm=netlab.mend.test',
					'--fingerprint',
					'--no-tls',
					'--no-dtls',
					'--no-tcp',
					'--no-cli',
					'--no-rfc5780',
					'--no-software-attribute',
					// Relays to lab addresses only, as a TURN server in production relays to public ones.
					`--allowed-peer-ip=${lab.range}`,
					'--denied-peer-ip=0.0.0.0-255.255.255.255',
					`--pidfile=${path.join(dir, `turnserver-${hostName}.pid`)}`,
					`--userdb=${path.join(dir, `turndb-${hostName}`)}`,
					'--log-file=stdout',
					'--simple-log'
				],
				{ stdio: ['ignore', 'pipe', 'pipe'], detached: true }
			);
			children.push(child);
			let output = '';
			child.stdout!.on('data', (chunk) => (output += chunk));
			child.stderr!.on('data', (chunk) => (output += chunk));
			const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
			await untilStunAnswers(host.address, 3478, exited, () => output);
			return {
				url: `turn:${host.address}:3478?transport=udp`,
				address: host.address,
				output: () => output,
				stop: async () => {
					if (child.exitCode === null && child.signalCode === null) {
						process.kill(-child.pid!, 'SIGTERM');
						await exited;
					}
				}
			};
		},
		async close() {
			for (const child of children)
				if (child.exitCode === null && child.signalCode === null) {
					try {
						process.kill(-child.pid!, 'SIGKILL');
					} catch {
						// Gone already.
					}
				}
			await tearDown(n);
			await rm(path.join(CLAIMS, String(n)), { recursive: true, force: true });
		}
	};

	try {
		await addNamespace(core);
		await inNs(core, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
		// The root namespace's link into the lab: the lab's /16 is routed through core.
		await run(IP, [
			'link',
			'add',
			`mlab${n}`,
			'type',
			'veth',
			'peer',
			'name',
			'root',
			'netns',
			core
		]);
		await run(IP, ['address', 'add', `${net}.0.1/24`, 'dev', `mlab${n}`]);
		await run(IP, ['link', 'set', `mlab${n}`, 'up']);
		await inNs(core, IP, 'address', 'add', `${net}.0.2/24`, 'dev', 'root');
		await inNs(core, IP, 'link', 'set', 'root', 'up');
		await run(IP, ['route', 'add', `${net}.0.0/16`, 'via', `${net}.0.2`, 'dev', `mlab${n}`]);
		for (const [index, name] of hostNames.entries()) {
			const ns = `mlab${n}-${name}`;
			const subnet = `${net}.${index + 1}`;
			await addNamespace(ns);
			await run(IP, [
				'link',
				'add',
				'eth0',
				'netns',
				ns,
				'type',
				'veth',
				'peer',
				'name',
				name,
				'netns',
				core
			]);
			await inNs(ns, IP, 'address', 'add', `${subnet}.2/24`, 'dev', 'eth0');
			await inNs(ns, IP, 'link', 'set', 'eth0', 'up');
			await inNs(ns, IP, 'route', 'add', 'default', 'via', `${subnet}.1`);
			await inNs(core, IP, 'address', 'add', `${subnet}.1/24`, 'dev', name);
			await inNs(core, IP, 'link', 'set', name, 'up');
			const chromium = path.join(dir, `chromium-${name}`);
			await writeFile(chromium, `#!/bin/sh\nexec ${IP} netns exec ${ns} ${CHROMIUM_BINARY} "$@"\n`);
			await chmod(chromium, 0o755);
			hosts.set(name, {
				name,
				ns,
				address: `${subnet}.2`,
				chromium,
				exec: (command, ...args) => inNs(ns, command, ...args)
			});
		}
	} catch (error) {
		await lab.close();
		throw error;
	}
	return lab;
}

/**
 * Waits until a STUN server answers a Binding request at address:port (from the root
 * namespace, through the lab), or fails with what it printed if it exits first.
 */
async function untilStunAnswers(
	address: string,
	port: number,
	exited: Promise<void>,
	output: () => string,
	timeoutMs = 20_000
): Promise<void> {
	const socket = createSocket('udp4');
	const deadline = Date.now() + timeoutMs;
	let gone = false;
	let answered = false;
	void exited.then(() => (gone = true));
	try {
		await new Promise<void>((resolve, reject) => {
			socket.on('message', (message) => {
				// A Binding success response (0x0101) to our request.
				if (message.length >= 2 && message.readUInt16BE(0) === 0x0101) {
					answered = true;
					resolve();
				}
			});
			socket.on('error', reject);
			const ask = () => {
				if (answered) return;
				if (gone) return reject(new Error(`coturn exited:\n${output()}`));
				if (Date.now() > deadline) return reject(new Error(`coturn did not answer:\n${output()}`));
				// Binding request: type 0x0001, length 0, the magic cookie, a transaction id.
				const request = Buffer.concat([
					Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]),
					randomBytes(12)
				]);
				socket.send(request, port, address);
				setTimeout(ask, 200);
			};
			ask();
		});
	} finally {
		socket.close();
	}
}
