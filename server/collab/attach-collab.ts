import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { COLLAB_MAX_MESSAGE_BYTES, COLLAB_PATH, parseDocName } from '#lib/protocol/collab.ts';
import type { Credentials } from '#lib/server/agreements/case-viewer.ts';
import type { Deps } from '#lib/server/deps.ts';
import { guarded } from '../guarded.ts';
import { originOf, requestOrigin } from '../http.ts';
import { CollabHost, type SessionSteps } from './collab-host.ts';
import { accessDocument } from './document-access.ts';

const REASONS: Record<number, string> = {
	400: 'Bad Request',
	401: 'Unauthorized',
	403: 'Forbidden',
	500: 'Internal Server Error',
	503: 'Service Unavailable'
};

function parseUrl(target: string | undefined): URL | null {
	try {
		return new URL(target ?? '/', 'http://mend.invalid');
	} catch {
		return null;
	}
}

/** Answers an upgrade with an HTTP status instead of a WebSocket, and hangs up. */
function refuse(socket: Duplex, status: number): void {
	socket.end(
		`HTTP/1.1 ${status} ${REASONS[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`
	);
}

/**
 * The collaborative documents on the one HTTP server: a WebSocket upgrade on
 * `/collab/<document>` (`?meeting=<id>` for a party, whose session cookie is per meeting) is
 * accepted only once the request's session may open that document; anything else is
 * answered with 401 or 403 before a WebSocket exists. Other upgrade paths are left alone.
 */
export function attachCollab(
	httpServer: HttpServer,
	deps: Deps,
	sessions: SessionSteps,
	/** Whether this process serves the case (in a cluster, another may: realtime.ts). */
	servesHere: (caseId: string) => Promise<boolean> = async () => true,
	options: { heartbeatMs?: number } = {}
): CollabHost {
	const host = new CollabHost(deps, sessions, options);
	const wss = new WebSocketServer({ noServer: true, maxPayload: COLLAB_MAX_MESSAGE_BYTES });

	const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
		// A request target that is no URL at all (`GET http://[ HTTP/1.1`) threw here, from the
		// HTTP server's own event, and took the process down: no path may claim it; refused.
		const url = parseUrl(req.url);
		if (!url) return refuse(socket, 400);
		if (!url.pathname.startsWith(`${COLLAB_PATH}/`)) return;
		socket.on('error', () => socket.destroy());
		const expected = originOf(requestOrigin(req, deps.config));
		if (req.headers.origin && req.headers.origin !== expected) return refuse(socket, 403);
		const name = url.pathname.slice(COLLAB_PATH.length + 1);
		const target = parseDocName(name);
		const meetingId = url.searchParams.get('meeting');
		if (!target || (meetingId !== null && !/^[0-9a-f-]{36}$/.test(meetingId)))
			return refuse(socket, 400);
		const credentials: Credentials = {
			cookieHeader: req.headers.cookie ?? null,
			meetingId,
			ip: requestOrigin(req, deps.config).address
		};
		accessDocument(deps, target, credentials)
			.then(async (access) =>
				access.ok && !(await servesHere(access.caseId))
					? ({ ok: false, status: 503 } as const)
					: access
			)
			.then(
				(access) => {
					if (!access.ok) return refuse(socket, access.status);
					wss.handleUpgrade(req, socket, head, (ws) => {
						void host.open(ws, name, access.viewer, credentials);
					});
				},
				(error) => {
					deps.log.error('collab: access check failed', { error });
					refuse(socket, 500);
				}
			);
	};
	httpServer.on('upgrade', guarded(deps.log, 'collab: upgrade', upgrade));
	return host;
}
