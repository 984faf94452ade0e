import { asc, eq, inArray } from 'drizzle-orm';
import * as Y from 'yjs';
import type { Database, Executor } from '../db/client.ts';
import { collabSnapshots, collabUpdates } from '../db/schema.ts';

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
 * Folds every stored row of `doc` into its snapshot and deletes exactly those rows, in one
 * transaction: a row committed meanwhile (ids are not committed in order) is left for next time.
 */
export async function compactDocument(db: Database, doc: string): Promise<void> {
	await db.transaction(async (tx) => {
		const [snapshot] = await tx
			.select({ state: collabSnapshots.state })
			.from(collabSnapshots)
			.where(eq(collabSnapshots.doc, doc))
			.for('update');
		const rows = await tx
			.select({ id: collabUpdates.id, update: collabUpdates.update })
			.from(collabUpdates)
			.where(eq(collabUpdates.doc, doc));
		if (rows.length === 0) return;
		const parts = [...(snapshot ? [snapshot.state] : []), ...rows.map((r) => r.update)].map(
			(part) => new Uint8Array(part)
		);
		// Through a document: the snapshot keeps the content, not every intermediate step.
		const merged = new Y.Doc({ gc: true });
		for (const part of parts) Y.applyUpdate(merged, part);
		const state = Buffer.from(Y.encodeStateAsUpdate(merged));
		merged.destroy();
		await tx
			.insert(collabSnapshots)
			.values({ doc, state })
			.onConflictDoUpdate({ target: collabSnapshots.doc, set: { state, at: new Date() } });
		await tx.delete(collabUpdates).where(
			inArray(
				collabUpdates.id,
				rows.map((r) => r.id)
			)
		);
	});
}
