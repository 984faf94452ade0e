import { createHash } from 'node:crypto';
import type { Config, DatabaseConfig } from '../config.ts';

/**
 * Which LiveKit rooms are this deployment's. One LiveKit server may serve a deployment's
 * processes one after another (a standby takes over from one that died, leaving its rooms
 * behind with people in them) and also other deployments (staging beside production, another
 * program's Mend, other software). A process empties the rooms its deployment left behind and
 * must never touch anyone else's.
 *
 * Every room Mend creates is named `mend-…` and carries the deployment's tag in its metadata.
 * The tag is a hash of PUBLIC_URL: every process of a deployment has the same one (the links
 * it sends carry it) and two deployments cannot (one address reaches one Mend). Without
 * PUBLIC_URL (development and tests only) it is the database, which every process of a
 * deployment and every restart share.
 *
 * Not the LiveKit API key: keys are rotated, and a process started with a new key must still
 * empty the rooms one with the old key left; nor does a key set rooms apart (any key of a
 * LiveKit server lists and deletes every room). Hashed, because room metadata reaches every
 * browser in the room, and the fallback names a database.
 */

/** Every LiveKit room Mend creates is named so; another deployment's rooms are too. */
export const ROOM_PREFIX = 'mend-';

/** What every process of one deployment has in common, and no other deployment has. */
function deploymentIdentity(config: Pick<Config, 'publicUrl' | 'database'>): string {
	if (config.publicUrl) return `url ${new URL(config.publicUrl).href}`;
	return `database ${databaseIdentity(config.database)}`;
}

function databaseIdentity(database: DatabaseConfig): string {
	if (database.kind === 'pglite') return `pglite ${database.dataDir}`;
	// Each test's in-memory database is its own, and each test has a LiveKit stub of its own.
	if (database.kind === 'pglite-memory') return 'pglite-memory';
	// Without the credentials (rotated, and different per process if need be) or options.
	const url = new URL(database.url);
	return `postgres ${url.hostname}:${url.port || '5432'}${url.pathname}`;
}

export function deploymentTag(config: Pick<Config, 'publicUrl' | 'database'>): string {
	return createHash('sha256')
		.update(`mend deployment\n${deploymentIdentity(config)}`)
		.digest('hex')
		.slice(0, 32);
}

/**
 * The metadata of every room the deployment tagged `tag` creates; in a cluster, with the id of
 * the process that created it (server/cluster/): the one that holds its case, which the
 * others leave it to.
 */
export function roomMetadata(tag: string, processId: number | null = null): string {
	return JSON.stringify(
		processId === null ? { mendDeployment: tag } : { mendDeployment: tag, mendProcess: processId }
	);
}

/** The cluster process that created a room, from its metadata; null outside a cluster. */
export function roomProcess(room: { metadata: string }): number | null {
	try {
		const metadata = JSON.parse(room.metadata) as { mendProcess?: unknown } | null;
		return Number.isSafeInteger(metadata?.mendProcess) ? (metadata!.mendProcess as number) : null;
	} catch {
		return null;
	}
}

/** Whether a room on the LiveKit server is one the deployment tagged `tag` created. */
export function isRoomOf(tag: string, room: { name: string; metadata: string }): boolean {
	if (!room.name.startsWith(ROOM_PREFIX)) return false;
	try {
		const metadata = JSON.parse(room.metadata) as { mendDeployment?: unknown } | null;
		return metadata?.mendDeployment === tag;
	} catch {
		return false;
	}
}
