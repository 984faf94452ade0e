import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { provideDeps, type Deps } from '#lib/server/deps.ts';
import { startSweeper, type Sweeper } from '#lib/server/notifications/sweeper.ts';
import { joinCluster, type ClusterMember } from './cluster/cluster.ts';
import { CaseOwners } from './cluster/owners.ts';
import { applyAdapterEnvironment, type Config } from './config.ts';
import { ADAPTER_HEADERS, createRequestListener } from './http.ts';
import { attachRealtime, type Realtime } from './realtime.ts';
import { addResponseHeaders } from './response-headers.ts';

const BUILD_HANDLER = fileURLToPath(new URL('../build/handler.js', import.meta.url));

export interface RunningMend {
	server: http.Server;
	realtime: Realtime;
	/** Sends the outbox and makes reminders, every 30 s; `runOnce()` for tests. */
	sweeper: Sweeper;
	/**
	 * e.g. http://127.0.0.1:41234 — the address actually listened on, for clients on this
	 * machine (tests). Links for people use `deps.publicUrl`.
	 */
	url: string;
	/** In a cluster: which cases this process holds, and where the others are. */
	owners: CaseOwners | null;
	close(): Promise<void>;
}

/**
 * One http.Server for everything: the pages (SvelteKit's adapter-node build) and the realtime
 * planes on the same port. `deps` must already be booted; closing does not close them.
 */
/** Connections waiting to be accepted, at most. */
const LISTEN_BACKLOG = 4096;

export async function startMend(
	config: Config,
	deps: Deps,
	options: {
		/** In a cluster: this process's id in it (server/active-role.ts). */
		processId?: number | null;
		/** How often drafts' connections are pinged (tests; COLLAB_LIMITS.heartbeatMs otherwise). */
		collabHeartbeatMs?: number;
	} = {}
): Promise<RunningMend> {
	if (!existsSync(BUILD_HANDLER))
		throw new Error('Mend is not built: run `npm run build` first (`npm start` does both).');
	applyAdapterEnvironment(config, ADAPTER_HEADERS);
	provideDeps(deps);
	const { handler } = (await import(pathToFileURL(BUILD_HANDLER).href)) as {
		handler: Parameters<typeof createRequestListener>[0];
	};

	const server = http.createServer(createRequestListener(handler, config));
	const owners =
		config.cluster && options.processId != null ? new CaseOwners(deps.db, options.processId) : null;
	const realtime = attachRealtime(server, deps, owners, {
		collabHeartbeatMs: options.collabHeartbeatMs
	});
	const cluster: ClusterMember | null = owners ? joinCluster(server, deps, realtime, owners) : null;
	// Only a process that serves gets here (server/active-role.ts); before anyone can connect,
	// and after joinCluster: its first sweep must know the rooms the other live processes hold.
	deps.media.start?.();
	// First of all listeners, socket.io's included (it takes over those attached before it).
	server.prependListener('request', (req, res) => addResponseHeaders(req, res, config));
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		// A process taking over a dead one's cases, or restarted, gets everyone's reconnection at
		// once: a queue of 511 (Node's default) overflows, and a dropped SYN is tried again by the
		// kernel only after 1 s, then 3 s. The system's own ceiling (somaxconn) still applies.
		server.listen({ port: config.port, host: config.host, backlog: LISTEN_BACKLOG }, () => {
			try {
				// Before any request is read: links made from now on carry this address.
				deps.publicUrl.listening(server.address());
				resolve();
			} catch (error) {
				reject(error);
			}
		});
	});
	// The others forward to this process from now on.
	await cluster?.listening(server.address() as AddressInfo);
	// The sweeper writes links into messages: it starts once the public address is known.
	const sweeper = startSweeper(deps);
	// Records a killed process left behind its sessions' logs are mended (session-host.ts); in a
	// cluster, those of the meetings no live process holds (cluster.ts, also every 2 s).
	void realtime.sessions
		.mendLiveMeetings(owners ? async () => [] : undefined)
		.catch((error) => deps.log.error('session: mending live meetings failed', { error }));
	const { port } = server.address() as AddressInfo;
	const host = config.host.includes(':') ? `[${config.host}]` : config.host;

	return {
		server,
		realtime,
		sweeper,
		url: `http://${host}:${port}`,
		owners,
		close: async () => {
			cluster?.stop();
			server.closeAllConnections();
			// A write waiting for a database that is gone is given up, not waited for forever.
			deps.logWriter.stopRetrying();
			await sweeper.stop();
			await realtime.close();
		}
	};
}
