import { createHash, randomBytes } from 'node:crypto';
import {
	AccessToken,
	RoomServiceClient,
	TrackSource,
	WebhookReceiver,
	type VideoGrant
} from 'livekit-server-sdk';
import type { MediaTransport } from '#lib/protocol/media.ts';
import type { Logger } from '#lib/server/log.ts';
import type { MediaAssignment } from '#lib/session/media-policy.ts';
import type { MediaConfig } from '../config.ts';
import type { MediaBackend, MediaCluster } from './backend.ts';
import { ROOM_PREFIX, roomMetadata, roomProcess } from './livekit-deployment.ts';
import { createOrphanSweeper, isGone } from './livekit-orphans.ts';

/**
 * LiveKit as Mend's media: every session room is a LiveKit room Mend creates itself, with a
 * fresh name; each person gets a short-lived token for exactly the room the session puts them
 * in, allowed to publish only what the policy allows (microphone while they may speak, camera
 * while they are seen). Floor changes are applied with `updateParticipant` and the FULL
 * permission object (a partial one resets the omitted fields). LiveKit cannot revoke a token,
 * so webhooks and a periodic `listParticipants` remove anyone in a room they are not assigned to.
 *
 * Which rooms exist lives in this process's memory only. When it dies, its rooms go on in
 * LiveKit with people in them, while the process that takes over has separated everyone until
 * the mediator is back. So every room carries the deployment's tag (livekit-deployment.ts),
 * and any room of the deployment this process did not create is an orphan: deleted, with
 * everyone in it, when the process starts serving (before it hands out a token), at every
 * reconciliation, and when someone joins one.
 */

export type LiveKitConfig = Extract<MediaConfig, { kind: 'livekit' }>;

/** More than a mediation ever has (two parties, companions, co-mediators); refuses crowds. */
export const MAX_PARTICIPANTS_PER_ROOM = 10;
/** A LiveKit room left empty this long closes itself (the session may reopen it later). */
export const EMPTY_TIMEOUT_S = 300;
export const DEPARTURE_TIMEOUT_S = 20;
export const RECONCILE_INTERVAL_MS = 30_000;

interface LiveKitRoom {
	name: string;
	meetingId: string;
	/** Per-room key for end-to-end encryption, when turned on; never put in a token. */
	e2eeKey: string | null;
	created: Promise<void>;
}

interface Seat {
	roomName: string;
	/** The permission last applied, to skip updates that change nothing. */
	permission: string;
}

export interface LiveKitBackend extends MediaBackend {
	readonly kind: 'livekit';
	/** A webhook from LiveKit: refused unless signed with our key over exactly this body. */
	handleWebhook(body: string, authorization: string | null): Promise<'accepted' | 'refused'>;
	/**
	 * Deletes the deployment's rooms this process did not create, and removes anyone present in
	 * a room Mend did not assign them to.
	 */
	reconcile(): Promise<void>;
	/** This process serves from now on: orphaned rooms are deleted at once, then reconciled. */
	start(): void;
	stop(): void;
}

/** What a participant may publish now: nothing beyond what the policy allows. */
function sourcesFor(assignment: MediaAssignment): TrackSource[] {
	const sources: TrackSource[] = [];
	if (assignment.canSpeak) sources.push(TrackSource.MICROPHONE);
	if (assignment.sendsVideo) sources.push(TrackSource.CAMERA);
	return sources;
}

/** Everything off: what a person keeps in a room they were moved out of (nothing). */
export const NO_PERMISSION = {
	canSubscribe: false,
	canPublish: false,
	canPublishSources: [],
	canPublishData: false,
	canUpdateMetadata: false,
	canSubscribeMetrics: false,
	canManageAgentSession: false,
	hidden: false,
	recorder: false,
	agent: false
};

/** The full permission object, every field set (see the module comment). */
export function permissionFor(assignment: MediaAssignment) {
	const sources = sourcesFor(assignment);
	return {
		canSubscribe: true,
		// An empty source list with canPublish would mean "any source": publish nothing instead.
		canPublish: sources.length > 0,
		canPublishSources: sources,
		canPublishData: false,
		canUpdateMetadata: false,
		canSubscribeMetrics: false,
		canManageAgentSession: false,
		hidden: false,
		recorder: false,
		agent: false
	};
}

export function createLiveKitBackend(
	config: LiveKitConfig,
	log: Logger,
	options: {
		/** The deployment's tag, on every room this process creates (livekit-deployment.ts). */
		deployment: string;
		reconcileIntervalMs?: number;
	}
): LiveKitBackend {
	const { deployment } = options;
	const rooms = new RoomServiceClient(config.url, config.apiKey, config.apiSecret);
	const receiver = new WebhookReceiver(config.apiKey, config.apiSecret);
	const byMeeting = new Map<string, Map<string, LiveKitRoom>>();
	const byName = new Map<string, LiveKitRoom>();
	const seats = new Map<string, Seat>();
	const queues = new Map<string, Promise<unknown>>();
	const seenEvents = new Set<string>();
	/** Set when this process is one of a cluster (server/cluster/cluster.ts). */
	let cluster: MediaCluster | null = null;
	/** The live process other than this one that created the room, if any. */
	const heldElsewhere = async (room: { metadata: string }): Promise<number | null> => {
		const creator = roomProcess(room);
		if (!cluster || creator === null || creator === cluster.processId) return null;
		return (await cluster.isAlive(creator)) ? creator : null;
	};
	const orphans = createOrphanSweeper(
		rooms,
		deployment,
		async (room) => byName.has(room.name) || (await heldElsewhere(room)) !== null,
		log
	);

	const seatKey = (meetingId: string, participantId: string) => `${meetingId}|${participantId}`;

	/** The metadata LiveKit holds for a room: a webhook's copy of the room may lack it. */
	const roomMetadataOf = async (name: string): Promise<string | null> => {
		try {
			return (await rooms.listRooms([name]))[0]?.metadata ?? null;
		} catch (error) {
			log.warn('livekit: looking up a room failed', { room: name, error });
			return null;
		}
	};

	/** One person's media changes are applied in order. */
	function serialize<T>(key: string, task: () => Promise<T>): Promise<T> {
		const run = (queues.get(key) ?? Promise.resolve()).then(task, task);
		queues.set(
			key,
			run.catch(() => {})
		);
		return run;
	}

	function roomFor(meetingId: string, roomId: string): LiveKitRoom {
		let meetingRooms = byMeeting.get(meetingId);
		if (!meetingRooms) byMeeting.set(meetingId, (meetingRooms = new Map()));
		let room = meetingRooms.get(roomId);
		if (room) return room;
		// Fresh, unguessable names: a token for an earlier room of the same name cannot exist.
		const tag = createHash('sha256').update(`${meetingId}/${roomId}`).digest('hex').slice(0, 12);
		const name = `${ROOM_PREFIX}${tag}-${randomBytes(6).toString('hex')}`;
		room = {
			name,
			meetingId,
			e2eeKey: config.e2ee ? randomBytes(32).toString('base64') : null,
			created: rooms
				.createRoom({
					name,
					emptyTimeout: EMPTY_TIMEOUT_S,
					departureTimeout: DEPARTURE_TIMEOUT_S,
					maxParticipants: MAX_PARTICIPANTS_PER_ROOM,
					metadata: roomMetadata(deployment, cluster?.processId ?? null)
					// No egress: sessions are never recorded.
				})
				.then(() => undefined)
		};
		room.created.catch(() => forgetRoom(room!));
		meetingRooms.set(roomId, room);
		// Known in the turn LiveKit is asked for it, long before it answers: a sweep meanwhile
		// (one that lists the room already) never takes it for an orphan.
		byName.set(name, room);
		return room;
	}

	function forgetRoom(room: LiveKitRoom): void {
		byName.delete(room.name);
		const meetingRooms = byMeeting.get(room.meetingId);
		for (const [roomId, candidate] of meetingRooms ?? [])
			if (candidate === room) meetingRooms!.delete(roomId);
	}

	async function quietly(what: string, call: () => Promise<unknown>): Promise<void> {
		try {
			await call();
		} catch (error) {
			// Not in the room (yet, or any more) is expected; anything else is logged.
			if (!isGone(error)) log.warn(`livekit: ${what} failed`, { error });
		}
	}

	/**
	 * Out of a room. Self-hosted LiveKit cannot revoke a token, and keeps refreshing the tokens
	 * of connected people: first every permission goes (so a refreshed token carries none),
	 * then the person is removed. Reconciliation removes them again should they rejoin.
	 */
	async function revokeAndRemove(roomName: string, identity: string): Promise<void> {
		await quietly('revoke', () =>
			rooms.updateParticipant(roomName, identity, { permission: NO_PERMISSION })
		);
		await quietly('remove', () => rooms.removeParticipant(roomName, identity));
	}

	async function token(
		room: LiveKitRoom,
		identity: string,
		name: string,
		assignment: MediaAssignment
	) {
		const sources = sourcesFor(assignment);
		const grant: VideoGrant = {
			roomJoin: true,
			room: room.name,
			canSubscribe: true,
			canPublish: sources.length > 0,
			canPublishSources: sources,
			canPublishData: false,
			canUpdateOwnMetadata: false,
			hidden: false,
			recorder: false,
			roomCreate: false,
			roomList: false,
			roomRecord: false,
			roomAdmin: false
		};
		const accessToken = new AccessToken(config.apiKey, config.apiSecret, {
			identity,
			name,
			ttl: config.tokenTtlS
		});
		accessToken.addGrant(grant);
		return accessToken.toJwt();
	}

	/** Whether `identity` is assigned to the LiveKit room `roomName` right now. */
	function assigned(roomName: string, identity: string): boolean {
		const room = byName.get(roomName);
		return Boolean(room && seats.get(seatKey(room.meetingId, identity))?.roomName === roomName);
	}

	async function reconcile(): Promise<void> {
		await orphans.sweep();
		for (const room of [...byName.values()]) {
			try {
				await room.created;
				for (const participant of await rooms.listParticipants(room.name))
					if (!assigned(room.name, participant.identity))
						await revokeAndRemove(room.name, participant.identity);
			} catch (error) {
				if (isGone(error)) forgetRoom(room);
				else log.warn('livekit: reconcile failed', { room: room.name, error });
			}
		}
	}

	// Started only once the process serves: a standby must not sweep the rooms of the one serving.
	let timer: ReturnType<typeof setInterval> | null = null;

	return {
		kind: 'livekit',

		transportFor(meetingId, participantId, name, assignment) {
			const key = seatKey(meetingId, participantId);
			return serialize(key, async (): Promise<MediaTransport | null> => {
				const previous = seats.get(key);
				if (!assignment.room) {
					// Waiting, withdrawn or the session over: out, as from any room.
					seats.delete(key);
					if (previous) await revokeAndRemove(previous.roomName, participantId);
					return null;
				}
				// Nobody is given a room while an orphan may still hold them with others. In a
				// cluster, a meeting new to this process may come from a process that died since
				// the last sweep, which spared its rooms then.
				await orphans.sweptOnce();
				if (cluster && !byMeeting.has(meetingId)) await orphans.sweptSinceNow();
				const room = roomFor(meetingId, assignment.room);
				await room.created;
				const permission = permissionFor(assignment);
				const permissionKey = JSON.stringify(permission);
				seats.set(key, { roomName: room.name, permission: permissionKey });
				if (previous && previous.roomName !== room.name)
					// Out of the room they were in: LiveKit drops their media there at once.
					await revokeAndRemove(previous.roomName, participantId);
				else if (previous && previous.permission !== permissionKey)
					await quietly('update permission', () =>
						rooms.updateParticipant(room.name, participantId, { permission })
					);
				return {
					kind: 'livekit',
					url: config.url,
					token: await token(room, participantId, name, assignment),
					roomName: room.name,
					e2eeKey: room.e2eeKey
				};
			});
		},

		async closeMeeting(meetingId) {
			for (const room of byMeeting.get(meetingId)?.values() ?? []) {
				byName.delete(room.name);
				await quietly('delete room', () => rooms.deleteRoom(room.name));
			}
			byMeeting.delete(meetingId);
			for (const key of [...seats.keys()]) if (key.startsWith(`${meetingId}|`)) seats.delete(key);
		},

		async handleWebhook(body, authorization) {
			let event;
			try {
				event = await receiver.receive(body, authorization ?? undefined);
			} catch {
				return 'refused';
			}
			// Delivered at least once: the same event twice changes nothing the second time.
			if (event.id) {
				if (seenEvents.has(event.id)) return 'accepted';
				seenEvents.add(event.id);
				if (seenEvents.size > 10_000) seenEvents.delete(seenEvents.values().next().value!);
			}
			const roomName = event.room?.name ?? '';
			// In a cluster: a room another live process created is that process's to look after.
			if (cluster && roomName.startsWith(ROOM_PREFIX) && !byName.has(roomName)) {
				const metadata = event.room?.metadata || (await roomMetadataOf(roomName));
				const holder = metadata ? await heldElsewhere({ metadata }) : null;
				if (holder !== null) {
					try {
						await cluster.forwardWebhook(holder, body, authorization);
					} catch (error) {
						// Not handled: LiveKit's retry of the same event must not be taken as a repeat.
						if (event.id) seenEvents.delete(event.id);
						throw error;
					}
					return 'accepted';
				}
			}
			if (event.event === 'participant_joined' && event.participant) {
				const identity = event.participant.identity;
				if (!byName.has(roomName)) await orphans.deleteIfOrphan(roomName);
				else if (!assigned(roomName, identity)) await revokeAndRemove(roomName, identity);
			}
			if (event.event === 'room_finished') {
				const room = byName.get(roomName);
				if (room) forgetRoom(room);
			}
			return 'accepted';
		},

		reconcile,

		joinCluster(member) {
			cluster = member;
		},

		processGone() {
			// Its rooms are orphans now: deleted at once, not at the next reconciliation — the
			// people in one may be a victim and an offender the session has separated.
			orphans
				.sweptSinceNow()
				.catch((error: unknown) =>
					log.warn('livekit: sweeping a dead process’s rooms failed (tried again)', { error })
				);
		},

		start() {
			if (timer) return;
			orphans.sweptOnce().catch((error: unknown) =>
				log.warn('livekit: sweeping orphaned rooms failed (tried again before any token)', {
					error
				})
			);
			timer = setInterval(
				() => void reconcile(),
				options.reconcileIntervalMs ?? RECONCILE_INTERVAL_MS
			);
			timer.unref();
		},

		stop() {
			if (timer) clearInterval(timer);
		}
	};
}
