import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { COLLAB_PATH } from '#lib/protocol/collab.ts';
import { REALTIME_PATH } from '#lib/protocol/version.ts';
import type { Config } from '../config.ts';
import { requestOrigin } from '../http.ts';
import { forwardRequest, forwardUpgrade } from './forward.ts';
import type { CaseOwners } from './owners.ts';
import { peerHeaders, peerOrigin } from './peer-auth.ts';
import { PEER_PATH, type PeerCalls } from './peer-calls.ts';

/**
 * In front of everything the HTTP server does, in a cluster: a connection to a meeting's live
 * session (`/rt?meeting=<id>`, socket.io, WebSocket or long-polling) or to a document
 * (`/collab/<name>`) goes on to the process that holds its case (owners.ts) — or is served
 * here, where the case is held or taken now. Calls between processes (`/_mend/peer`) are
 * answered here. Everything else (the pages) is served by whichever process it reached.
 *
 * A request a peer forwarded is served by the process it was meant for, never forwarded
 * again: if it reached another one (the first has just been replaced at its address), it is
 * answered 503 and the client comes back.
 */
export function routeToOwners(
	server: Server,
	config: Config,
	owners: CaseOwners,
	calls: PeerCalls,
	key: Buffer
): { close(): void } {
	/** Connections piped to another process: neither socket.io's nor the documents' to close. */
	const piped = new Set<Duplex>();
	let closing = false;
	const requests = server.listeners('request') as ((...args: unknown[]) => void)[];
	const upgrades = server.listeners('upgrade') as ((...args: unknown[]) => void)[];
	server.removeAllListeners('request');
	server.removeAllListeners('upgrade');
	const serveHere = (listeners: typeof requests, args: unknown[]) => {
		for (const listener of listeners) listener.apply(server, args);
	};

	/** Where a request for a case goes: here (null), or to the process at this URL. */
	const decide = async (
		req: IncomingMessage
	): Promise<{ to: URL; headers: Record<string, string> } | null | 'misrouted'> => {
		const peer = peerOrigin(req, key);
		if (peer) return peer.to === owners.processId ? null : 'misrouted';
		const caseId = await caseOf(req.url ?? '/', owners);
		if (!caseId) return null;
		const route = await owners.route(caseId);
		if (route.local) return null;
		return {
			to: new URL(route.address),
			headers: peerHeaders(key, req, requestOrigin(req, config), route.processId)
		};
	};

	server.on('request', (req: IncomingMessage, res: ServerResponse) => {
		if (req.url?.startsWith(PEER_PATH)) {
			void calls.answer(req, res).catch(() => res.destroy());
			return;
		}
		if (!isRouted(req.url)) return serveHere(requests, [req, res]);
		decide(req).then(
			(decision) => {
				if (decision === null) serveHere(requests, [req, res]);
				else if (decision === 'misrouted') answer503(res);
				else forwardRequest(req, res, decision.to, decision.headers);
			},
			() => answer503(res)
		);
	});

	server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
		if (!isRouted(req.url)) return serveHere(upgrades, [req, socket, head]);
		socket.on('error', () => socket.destroy());
		decide(req).then(
			(decision) => {
				if (decision === null) serveHere(upgrades, [req, socket, head]);
				else if (decision === 'misrouted' || closing) refuse503(socket);
				else {
					piped.add(socket);
					socket.once('close', () => piped.delete(socket));
					forwardUpgrade(req, socket, head, decision.to, decision.headers);
				}
			},
			() => refuse503(socket)
		);
	});

	return {
		/** Stopping: the pipes end, and their people reconnect to another process. */
		close() {
			closing = true;
			for (const socket of piped) socket.destroy();
		}
	};
}

const isRouted = (url: string | undefined) =>
	!!url && (url.startsWith(`${REALTIME_PATH}/`) || url.startsWith(`${COLLAB_PATH}/`));

/** The case a connection is for, from its URL; null when it names none. */
async function caseOf(target: string, owners: CaseOwners): Promise<string | null> {
	let url: URL;
	try {
		url = new URL(target, 'http://mend.invalid');
	} catch {
		return null;
	}
	if (url.pathname.startsWith(`${COLLAB_PATH}/`))
		return owners.caseOfDocument(url.pathname.slice(COLLAB_PATH.length + 1));
	const meetingId = url.searchParams.get('meeting');
	return meetingId ? owners.caseOfMeeting(meetingId) : null;
}

function answer503(res: ServerResponse): void {
	res.writeHead(503, { 'retry-after': '1', 'content-length': '0' });
	res.end();
}

function refuse503(socket: Duplex): void {
	socket.end(
		'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n'
	);
}
