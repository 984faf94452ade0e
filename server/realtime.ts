import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import { ERROR_CODES } from '#lib/protocol/errors.ts';
import type { ClientToServerEvents, ServerToClientEvents } from '#lib/protocol/events.ts';
import { HandshakeSchema } from '#lib/protocol/handshake.ts';
import type { Identity } from '#lib/protocol/identity.ts';
import type { ParticipantSeed } from '#lib/session/index.ts';
import { ok } from '#lib/protocol/result.ts';
import { PROTOCOL_VERSION, REALTIME_PATH } from '#lib/protocol/version.ts';
import { isConnectionError } from '#lib/server/db/connection-errors.ts';
import type { Deps } from '#lib/server/deps.ts';
import { providePlanes, type Planes } from '#lib/server/planes.ts';
import { loadCasePreparation } from '#lib/server/preparation/case-preparation.ts';
import { describeGaps } from '#lib/i18n/gate-gaps.ts';
import { refuse } from '#lib/session/refusals.ts';
import { ensureAgreementForMeeting } from '#lib/server/agreements/ensure-agreement.ts';
import type { CaseOwners } from './cluster/owners.ts';
import { attachCollab } from './collab/attach-collab.ts';
import type { CollabHost } from './collab/collab-host.ts';
import { attachControl } from './control/attach-control.ts';
import { CONTROL_LIMITS } from './control/limits.ts';
import type { SessionHost } from './control/session-host.ts';
import { ConnectionQuota } from './connection-quota.ts';
import { originOf, requestOrigin } from './http.ts';
import { guarded } from './guarded.ts';
import { attachSignalRelay } from './media/signal-relay.ts';
import { Identities } from './identity.ts';
import { closeSlowReaders } from './send-ceiling.ts';
import { releaseSentPackets } from './sent-packets.ts';
import { serializedParser } from './serialized.ts';

export interface SocketData {
	identity: Identity;
	/** A party's seat in the session, read with their identity (staff: seatOf). */
	seat?: ParticipantSeed;
	/** The participant id this connection speaks for, once seated in its session. */
	seatId?: string;
}

export type RealtimeServer = Server<ClientToServerEvents, ServerToClientEvents, object, SocketData>;

/** Inbound socket.io messages larger than this are refused by the transport itself. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

export interface Realtime {
	io: RealtimeServer;
	sessions: SessionHost;
	collab: CollabHost;
	/** What this process's own sessions and documents answer the pages (planes.ts). */
	planes: Planes;
	close(): Promise<void>;
}

/** A refused handshake: `message` is the error code, which the client maps to its own text. */
function refusal(code: string): Error {
	const error = new Error(code) as Error & { data: { code: string } };
	error.data = { code };
	return error;
}

/**
 * Wires the realtime planes onto the one HTTP server: the control plane (socket.io at /rt,
 * with media signalling) and the collaborative documents (WebSocket at /collab). The same
 * function runs under `vite dev` (through a Vite plugin) and in production.
 */
export function attachRealtime(
	httpServer: HttpServer,
	deps: Deps,
	owners: CaseOwners | null = null,
	options: { collabHeartbeatMs?: number } = {}
): Realtime {
	/**
	 * In a cluster, whether this process serves the case (holds it, or takes it now): a
	 * connection for a case another process holds is sent there (cluster/dispatch.ts) — one
	 * that got here all the same (a URL naming another meeting) is turned away.
	 */
	const servesHere = async (caseId: string | null) =>
		!owners || (caseId !== null && (await owners.route(caseId)).local);
	const io: RealtimeServer = new Server(httpServer, {
		path: REALTIME_PATH,
		serveClient: false,
		// Other upgrade paths (Vite's HMR, the agreement documents) must survive socket.io.
		destroyUpgrade: false,
		maxHttpBufferSize: MAX_MESSAGE_BYTES,
		// Views go out as the JSON they were compared as (serialized.ts); the wire is unchanged.
		parser: serializedParser,
		// A browser on another site may not open a connection carrying our cookies.
		allowRequest: (req, callback) => {
			const origin = req.headers.origin;
			callback(null, !origin || origin === originOf(requestOrigin(req, deps.config)));
		}
	});

	// What engine.io has sent over a WebSocket is let go at once (sent-packets.ts).
	releaseSentPackets(io.engine);
	// A connection that does not read what it is sent is let go (it reconnects).
	closeSlowReaders(io.engine, CONTROL_LIMITS.maxBufferedBytes, (_socket, waitingBytes) =>
		deps.log.warn('realtime: let go of a connection that does not read', { waitingBytes })
	);

	const quota = new ConnectionQuota();
	/** A place for this connection under each of its ceilings, given back when it closes. */
	const takePlace = (identity: Identity, conn: Socket['conn']): boolean => {
		// Gone while its identity was looked up: it would never give its place back.
		if (conn.readyState === 'closed') return false;
		const person =
			identity.kind === 'staff' ? `staff:${identity.userId}` : `party:${identity.partyId}`;
		const release = quota.take([
			{ key: `meeting:${identity.meetingId}`, max: CONTROL_LIMITS.connectionsPerMeeting },
			{
				key: `person:${person}:${identity.meetingId}`,
				max: CONTROL_LIMITS.connectionsPerPersonInMeeting
			}
		]);
		if (!release) return false;
		conn.once('close', release);
		return true;
	};

	// One handshake at a time per connection: socket.io starts a new one for every CONNECT
	// packet that arrives while the first is checked, so 200 packets in a burst were 200
	// identity lookups and up to as many seats for one browser.
	const handshaking = new WeakSet<object>();
	const identities = new Identities(deps);
	io.use(async (socket, next) => {
		if (handshaking.has(socket.client)) return next(refusal(ERROR_CODES.invalidInput));
		const handshake = HandshakeSchema.safeParse(socket.handshake.auth);
		if (!handshake.success) return next(refusal(ERROR_CODES.invalidInput));
		if (handshake.data.protocol !== PROTOCOL_VERSION)
			return next(refusal(ERROR_CODES.protocolMismatch));
		handshaking.add(socket.client);
		try {
			const resolved = await identities.resolve(socket.request, handshake.data);
			if (!resolved) return next(refusal(ERROR_CODES.unauthenticated));
			const { identity, seat } = resolved;
			if (owners && !(await servesHere(await owners.caseOfMeeting(identity.meetingId))))
				return next(refusal(ERROR_CODES.unavailable));
			// Tabs and devices per person, and everyone's per meeting: refused before a seat.
			if (!takePlace(identity, socket.conn)) return next(refusal(ERROR_CODES.tooManyConnections));
			socket.data.identity = identity;
			socket.data.seat = seat;
			next();
		} catch (error) {
			// The database did not answer: the browser is told to come back, not refused for good.
			if (isConnectionError(error)) return next(refusal(ERROR_CODES.unavailable));
			deps.log.error('realtime: identity lookup failed', { error });
			next(refusal(ERROR_CODES.internal));
		} finally {
			handshaking.delete(socket.client);
		}
	});

	io.on('connection', (socket) => {
		socket.on(
			'hello',
			guarded(deps.log, 'realtime: hello', (ack) => {
				if (typeof ack === 'function') ack(ok(socket.data.identity));
			})
		);
	});
	const sessions = attachControl(io, deps, deps.media);
	attachSignalRelay(io, sessions, deps);
	const collab = attachCollab(
		httpServer,
		deps,
		{
			stepOf: (meetingId) => sessions.stepOf(meetingId),
			load: (meetingId) => sessions.session(meetingId)
		},
		servesHere,
		{ heartbeatMs: options.collabHeartbeatMs }
	);
	sessions.onStepChange(async (setup, step, actorUserId) => {
		// The agreement is drafted at the drafting step: it exists before anyone sees the step.
		if (step === 'drafting') {
			const { id } = await ensureAgreementForMeeting(deps.db, setup, actorUserId);
			// A draft continued from another meeting: an open copy judges edits by this one now.
			await collab.changed(id);
		}
		collab.meetingChanged(setup.meetingId);
		// The meeting ended: its links no longer open its documents, open connections included.
		if (step === null) await collab.recheckAccess();
	});
	// The readiness gate: a joint session opens only once both sides are screened suitable,
	// have consented and were prepared — or a coordinator overrode it where the program allows.
	sessions.beforeStart(async (setup) => {
		if (setup.kind !== 'joint') return null;
		const preparation = await loadCasePreparation(deps.db, setup.caseId);
		if (!preparation || preparation.mayStartJoint) return null;
		return refuse('gateClosed', { missing: describeGaps(preparation.gate.gaps) });
	});
	const planes: Planes = {
		agreements: collab,
		sessions: {
			stepOf: async (meetingId) => sessions.stepOf(meetingId),
			logHead: (meetingId) => sessions.logHead(meetingId),
			withdrawEverywhere: (meetingIds, partyId) => sessions.withdrawEverywhere(meetingIds, partyId),
			letGo: async (meetingId, partyId) => sessions.letGo(meetingId, partyId)
		}
	};
	// In a cluster, the pages reach these through the process holding each case (app.ts).
	providePlanes(planes);

	return {
		io,
		sessions,
		collab,
		planes,
		close: async () => {
			// socket.io's close stops the HTTP server listening at once, but answers only once
			// every connection is gone — the drafts' WebSockets too, which collab closes: waiting
			// for it first left a process with open drafts stuck until its stop deadline.
			const closed = new Promise<void>((resolve) => io.close(() => resolve()));
			await collab.close();
			await closed;
			await sessions.drain();
		}
	};
}
