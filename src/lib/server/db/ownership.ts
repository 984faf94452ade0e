import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Database } from './client.ts';
import { liveOwners } from './schema.ts';

/**
 * Fencing. A live session and an agreement document are each held in memory by one process,
 * which alone appends to their logs and compacts them. Whoever loads one takes it first: its
 * epoch in `live_owners` rises by one, and the process keeps the new epoch with what it
 * loaded. Every append and every compaction names that epoch, and the database stores it only
 * while it is still the newest (log-writer.ts, document-store.ts). So a process that lost a
 * resource — another one loaded it since, after a failover or while this one was cut off —
 * can never write it again, whatever it still holds in memory: its write is refused, and it
 * lets the resource go.
 *
 * Taking is a row update: it waits for a write that has already checked the old epoch to
 * commit (the writes lock the row FOR SHARE), so what the new owner reads next includes it.
 */

/** Who this process is, in the table: readable, and unique across restarts. */
export const PROCESS_NAME = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

export const sessionResource = (meetingId: string): string => `session:${meetingId}`;
export const documentResource = (name: string): string => `doc:${name}`;

/** The resource and the epoch a write was made under. */
export type Fence = readonly [resource: string, epoch: number];

/** A resource's write was refused: another process took it since this one did. */
export class OwnershipLostError extends Error {
	readonly resource: string;
	constructor(resource: string) {
		super(`${resource} was taken over by another process`);
		this.name = 'OwnershipLostError';
		this.resource = resource;
	}
}

/** Takes a resource for this process: its epoch, raised by one (1 the first time). */
export async function takeOwnership(db: Database, resource: string): Promise<number> {
	const epoch = (await takeOwnerships(db, [resource])).get(resource);
	if (epoch === undefined) throw new Error(`taking ${resource} returned nothing`);
	return epoch;
}

/**
 * Takes several resources in one statement: the epoch of each. In the same order whoever
 * takes them (sorted), so that two processes taking overlapping sets wait for each other
 * rather than deadlock.
 */
export async function takeOwnerships(
	db: Database,
	resources: readonly string[]
): Promise<Map<string, number>> {
	if (resources.length === 0) return new Map();
	const rows = await db
		.insert(liveOwners)
		.values(
			[...new Set(resources)]
				.sort()
				.map((resource) => ({ resource, epoch: 1, process: PROCESS_NAME }))
		)
		.onConflictDoUpdate({
			target: liveOwners.resource,
			set: { epoch: sql`${liveOwners.epoch} + 1`, process: PROCESS_NAME, since: sql`now()` }
		})
		.returning({ resource: liveOwners.resource, epoch: liveOwners.epoch });
	return new Map(rows.map((row) => [row.resource, row.epoch]));
}
