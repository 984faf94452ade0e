import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Deps } from '#lib/server/deps.ts';
import { providePlanes } from '#lib/server/planes.ts';
import type { Realtime } from '../realtime.ts';
import { routeToOwners } from './dispatch.ts';
import type { CaseOwners } from './owners.ts';
import { peerKey } from './peer-auth.ts';
import { PeerCalls } from './peer-calls.ts';

/**
 * How often a process looks for live meetings whose process died with nobody coming back to
 * them (their records are mended from their logs once another process loads them).
 */
export const ADOPT_INTERVAL_MS = 2_000;

export interface ClusterMember {
	/** Once listening: the others may forward to this process from now on. */
	listening(address: AddressInfo): Promise<void>;
	stop(): void;
}

/**
 * This process as one of several serving a deployment (REDIS_URL and DATABASE_URL): the
 * pages' calls made where each case is held, connections sent on to it, and live meetings
 * left by a dead process taken up. Attached before the server listens.
 */
export function joinCluster(
	server: Server,
	deps: Deps,
	realtime: Realtime,
	owners: CaseOwners
): ClusterMember {
	const { config, log } = deps;
	const key = peerKey(config.authSecret);
	const calls = new PeerCalls(owners, key, realtime.planes, deps.media, log);
	providePlanes(calls.planes());
	// LiveKit: rooms another live process created are its own to clear up; their webhooks go
	// to it (livekit.ts).
	deps.media.joinCluster?.({
		processId: owners.processId,
		isAlive: (processId) => owners.isAlive(processId),
		forwardWebhook: (processId, body, authorization) =>
			calls.onProcess(processId, 'media.webhook', [body, authorization])
	});
	const routing = routeToOwners(server, config, owners, calls, key);

	/**
	 * Live meetings no live process holds, or held here and not loaded: taken here, loaded
	 * (together: session-host.ts), their records mended.
	 */
	const adopt = () =>
		realtime.sessions.mendLiveMeetings(async (meetingIds) => {
			const chosen: string[] = [];
			for (const { meetingId, caseId } of await owners.orphanedMeetings(meetingIds))
				if (owners.holds(caseId) || (await owners.route(caseId)).local) chosen.push(meetingId);
			return chosen;
		});
	let adopting: Promise<void> = Promise.resolve();
	const adoptNext = () => {
		adopting = adopting
			.then(adopt)
			.catch((error) => log.warn('cluster: taking up live meetings failed', { error }));
	};
	const timer = setInterval(adoptNext, ADOPT_INTERVAL_MS);
	timer.unref();

	// Cases taken from a dead process: what it left in the media server goes, and its live
	// meetings are loaded now, together, rather than one by one as their people come back.
	const gone = new Set<number>();
	owners.onTakeover = (from) => {
		if (gone.has(from)) return;
		gone.add(from);
		deps.media.processGone?.();
		adoptNext();
	};

	return {
		async listening(address) {
			const configured = config.cluster?.peerUrl;
			const host =
				address.address === '0.0.0.0' || address.address === '::'
					? '127.0.0.1'
					: address.family === 'IPv6'
						? `[${address.address}]`
						: address.address;
			await owners.announce(configured ?? `http://${host}:${address.port}`);
			adoptNext();
		},
		stop() {
			clearInterval(timer);
			routing.close();
		}
	};
}
