import { asc, eq, sql } from 'drizzle-orm';
import * as Y from 'yjs';
import type { Executor } from '../db/client.ts';
import { documentResource, OwnershipLostError } from '../db/ownership.ts';
import { collabSnapshots, collabUpdates, liveOwners } from '../db/schema.ts';

/**
 * Where collaborative documents live: a snapshot plus every update appended since. Yjs
 * updates commute and merging one twice changes nothing, so the order rows are read in and
 * a row present in both the snapshot and the log are both harmless.
 */

export interface StoredDocument {
	/** Everything stored, merged into one update (empty document: null). */
	state: Uint8Array | null;
	/** How many update rows are not yet folded into the snapshot. */
	pendingRows: number;
	/** Bytes stored: snapshot plus rows. */
	bytes: number;
}

export async function loadDocument(executor: Executor, doc: string): Promise<StoredDocument> {
	const [snapshot] = await executor
		.select({ state: collabSnapshots.state })
		.from(collabSnapshots)
		.where(eq(collabSnapshots.doc, doc));
	const rows = await executor
		.select({ update: collabUpdates.update })
		.from(collabUpdates)
		.where(eq(collabUpdates.doc, doc))
		.orderBy(asc(collabUpdates.id));
	const parts = [...(snapshot ? [snapshot.state] : []), ...rows.map((r) => r.update)].map(
		(part) => new Uint8Array(part)
	);
	return {
		state: parts.length === 0 ? null : parts.length === 1 ? parts[0]! : Y.mergeUpdates(parts),
		pendingRows: rows.length,
		bytes: parts.reduce((sum, part) => sum + part.byteLength, 0)
	};
}

/** Appends one update inside the caller's transaction (a new document's first state). */
export async function appendUpdate(
	executor: Executor,
	doc: string,
	update: Uint8Array
): Promise<void> {
	await executor.insert(collabUpdates).values({ doc, update: Buffer.from(update) });
}

/**
 * Compaction: stores `state` as the document's snapshot and deletes its `rows` oldest rows,
 * in one statement (atomic, one round trip). The caller vouches that `state` contains them:
 * it is the open document's own copy, taken when that many stored rows had been applied to
 * it. The rows of a document are committed in id order (one process writes a document, one
 * batch after the other), so a row committed meanwhile is younger and stays, to be folded
 * next time. Returns how many rows were deleted.
 *
 * Only while `epoch` is the document's newest (ownership.ts): a process that lost the
 * document would otherwise put back an older snapshot, and delete rows it never saw.
 */
export async function saveSnapshot(
	executor: Executor,
	doc: string,
	state: Uint8Array,
	rows: number,
	epoch: number
): Promise<number> {
	const result = await executor.execute(sql`
		with fence as materialized (
			select 1 from ${liveOwners}
			where resource = ${documentResource(doc)} and epoch = ${epoch} for share
		), saved as (
			insert into ${collabSnapshots} (doc, state)
			select ${doc}, ${Buffer.from(state)} where exists (select 1 from fence)
			on conflict (doc) do update set state = excluded.state, at = now()
		), removed as (
			delete from ${collabUpdates} where exists (select 1 from fence) and id in (
				select id from ${collabUpdates} where doc = ${doc} order by id limit ${rows}
			) returning 1
		)
		select (select count(*)::int from fence) as owned, (select count(*)::int from removed) as removed`);
	// Both drivers answer with `rows`.
	const {
		rows: [row]
	} = result as unknown as { rows: { owned: number; removed: number }[] };
	if (!Number(row?.owned)) throw new OwnershipLostError(documentResource(doc));
	return Number(row?.removed ?? 0);
}
