import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { appendUpdate, loadDocument } from '#lib/server/collab/document-store.ts';
import { openDatabase, type Database, type DatabaseHandle } from '#lib/server/db/client.ts';
import type { Deps } from '#lib/server/deps.ts';
import { createLogger } from '#lib/server/log.ts';
import { LiveDocuments } from './live-documents.ts';

/**
 * Compaction when its connection is lost: the answer to its statement can be lost after the
 * statement committed. A real (in-memory, migrated) database; the connection is lost, by the
 * database handle, just after the compaction's statement ran.
 */

let handle: DatabaseHandle;
beforeAll(async () => {
	handle = await openDatabase({ kind: 'pglite-memory' });
	await handle.migrate(path.resolve('drizzle'));
	// PGlite's first start (initdb) takes seconds, many on a busy machine.
}, 60_000);
afterAll(() => handle?.close());

const lost = () => Object.assign(new Error('terminating connection'), { code: '57P01' });

describe('folding a draft whose compaction lost its connection', () => {
	it('never deletes a row stored after the snapshot it may or may not have saved', async () => {
		let loseNextAnswer = false;
		// The database as Mend sees it: the next statement's answer is lost after it committed.
		const db = new Proxy(handle.db, {
			get(target, property, receiver) {
				if (property !== 'execute') return Reflect.get(target, property, receiver);
				return async (...args: Parameters<Database['execute']>) => {
					const result = await target.execute(...args);
					if (loseNextAnswer) {
						loseNextAnswer = false;
						throw lost();
					}
					return result;
				};
			}
		});
		const deps = {
			db,
			config: { collabCompactAfterRows: 1_000 },
			logWriter: handle.log,
			log: createLogger('silent')
		} as unknown as Deps;
		const documents = new LiveDocuments(deps, async () => undefined);
		const name = `notes-${crypto.randomUUID()}-${crypto.randomUUID()}`;

		const typed = new Y.Doc();
		const updates: Uint8Array[] = [];
		typed.on('update', (update: Uint8Array) => updates.push(update));
		const type = (text: string) => typed.getText('harm').insert(typed.getText('harm').length, text);
		for (const text of ['a', 'b', 'c']) type(text);
		for (const update of updates.splice(0)) await appendUpdate(handle.db, name, update);
		const doc = await documents.open(name);

		// Its three rows folded into a snapshot; the answer lost.
		loseNextAnswer = true;
		await documents.compact(doc);
		// "d" is stored and applied; "e" is committed while the next compaction runs.
		type('d');
		const [d] = updates.splice(0);
		await appendUpdate(handle.db, name, d!);
		documents.stored(doc, d!);
		type('e');
		const [e] = updates.splice(0);
		const compacting = documents.compact(doc);
		await appendUpdate(handle.db, name, e!);
		await compacting;

		const { state } = await loadDocument(handle.db, name);
		const loaded = new Y.Doc();
		Y.applyUpdate(loaded, state!);
		expect(loaded.getText('harm').toString()).toBe('abcde');
		documents.close();
	});
});
