import type { RoomServiceClient } from 'livekit-server-sdk';
import type { Logger } from '#lib/server/log.ts';
import { isRoomOf, ROOM_PREFIX } from './livekit-deployment.ts';

/** LiveKit's answer for a room or participant that is not there (any more). */
export const isGone = (error: unknown) => /not.?found|does not exist/i.test(String(error));

/**
 * Orphans: rooms of this deployment that this process did not create — and, in a cluster, that
 * no other live process did. The process that created one died, and left it with people in it — perhaps a victim and an offender who
 * still hear each other, while the session, restored from its log, has separated everyone
 * until the mediator is back. Deleting a room disconnects everyone in it at once.
 */
export interface OrphanSweeper {
	/**
	 * Resolves once a sweep has finished since this process started serving: every token
	 * waits for it. A first sweep that failed is tried again by the next caller.
	 */
	sweptOnce(): Promise<void>;
	/**
	 * Resolves once a sweep that started after this call has finished (callers meanwhile share
	 * it): in a cluster, after a process died, the rooms it left are orphans only from then on.
	 */
	sweptSinceNow(): Promise<void>;
	/** Deletes the orphans there are now (reconciliation); a failure is logged, not thrown. */
	sweep(): Promise<void>;
	/** Someone joined `name`, a room this process does not know: deleted if an orphan. */
	deleteIfOrphan(name: string): Promise<void>;
}

export function createOrphanSweeper(
	rooms: Pick<RoomServiceClient, 'listRooms' | 'deleteRoom'>,
	deployment: string,
	/**
	 * Whether a live process holds the room: this one from before it asks LiveKit for it, so a
	 * room being created during a sweep is never taken for an orphan; in a cluster, also the
	 * live process named in its metadata.
	 */
	held: (room: { name: string; metadata: string }) => boolean | Promise<boolean>,
	log: Logger
): OrphanSweeper {
	const isOrphan = async (room: { name: string; metadata: string }) =>
		isRoomOf(deployment, room) && !(await held(room));

	async function deleteOrphan(name: string): Promise<void> {
		log.info('livekit: deleting a room of this deployment that no process serves', {
			room: name
		});
		try {
			await rooms.deleteRoom(name);
		} catch (error) {
			if (!isGone(error)) throw error;
		}
	}

	async function sweepNow(): Promise<void> {
		const listed = await rooms.listRooms();
		const orphaned = await Promise.all(listed.map(isOrphan));
		const orphans = listed.filter((_, i) => orphaned[i]);
		await Promise.all(orphans.map((room) => deleteOrphan(room.name)));
	}

	let first: Promise<void> | null = null;
	function sweptOnce(): Promise<void> {
		first ??= sweepNow().catch((error: unknown) => {
			first = null;
			throw error;
		});
		return first;
	}

	/** The sweep running now, and the one that will run after it for those who came since. */
	let running: Promise<void> | null = null;
	let next: Promise<void> | null = null;
	function sweptSinceNow(): Promise<void> {
		if (!running) {
			running = sweepNow().finally(() => (running = null));
			return running;
		}
		next ??= running
			.catch(() => {})
			.then(() => {
				next = null;
				return sweptSinceNow();
			});
		return next;
	}

	return {
		sweptOnce,
		sweptSinceNow,

		async sweep() {
			try {
				await (first ? sweepNow() : sweptOnce());
			} catch (error) {
				log.warn('livekit: sweeping orphaned rooms failed', { error });
			}
		},

		async deleteIfOrphan(name) {
			// Anyone else's room is not ours to touch, nor to ask about.
			if (!name.startsWith(ROOM_PREFIX)) return;
			try {
				// The tag as LiveKit holds it: a webhook's copy of the room may lack its metadata.
				const [room] = await rooms.listRooms([name]);
				if (room && (await isOrphan(room))) await deleteOrphan(name);
			} catch (error) {
				log.warn('livekit: checking an unknown room failed (the next sweep will)', {
					room: name,
					error
				});
			}
		}
	};
}
