import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { COLLAB_MESSAGES } from '#lib/protocol/collab.ts';

/** Answers kept per version of a copy: a few kinds of asker, never a growing list. */
const MAX_ANSWERS = 8;

type DeleteSet = ReturnType<typeof Y.createDeleteSetFromStructStore>;

/**
 * What the server's copy of a document answers, computed once per version of the copy
 * (`version` changes whenever durable updates are applied to it) instead of once per request.
 *
 * A sync request (y-protocols sync step 1) carries the asker's state vector; the answer (sync
 * step 2) is what the copy holds beyond it — for a new page, the whole document, which is
 * what a connection that asks again and again would otherwise make the server encode each
 * time. Two state vectors get the same answer when they stop at the same clock for every Yjs
 * client of the copy (clients the copy does not know, and clocks beyond the copy's, change
 * nothing): that is the key an answer is kept under. A copy holding updates it cannot apply
 * yet (pending) answers with them, so its answers are not kept.
 */
export class SyncAnswers {
	#version = -1;
	readonly #answers = new Map<string, Uint8Array>();
	#deletions: DeleteSet | null = null;

	/** The whole sync step 2 message answering `stateVector` (encoded, as received). */
	answer(ydoc: Y.Doc, version: number, stateVector: Uint8Array): Uint8Array {
		this.#at(version);
		const pending = ydoc.store.pendingStructs !== null || ydoc.store.pendingDs !== null;
		const key = pending ? null : keyOf(ydoc, Y.decodeStateVector(stateVector));
		const kept = key === null ? undefined : this.#answers.get(key);
		if (kept) return kept;
		const encoder = encoding.createEncoder();
		encoding.writeVarUint(encoder, COLLAB_MESSAGES.sync);
		syncProtocol.writeSyncStep2(encoder, ydoc, stateVector);
		const answer = encoding.toUint8Array(encoder);
		if (key !== null && this.#answers.size < MAX_ANSWERS) this.#answers.set(key, answer);
		return answer;
	}

	/** Every deletion the copy holds, merged per client (ranges sorted, adjacent ones joined). */
	deletions(ydoc: Y.Doc, version: number): DeleteSet {
		this.#at(version);
		this.#deletions ??= Y.createDeleteSetFromStructStore(ydoc.store);
		return this.#deletions;
	}

	#at(version: number): void {
		if (version === this.#version) return;
		this.#version = version;
		this.#answers.clear();
		this.#deletions = null;
	}
}

/** Where the asker stops, for each client of the copy it lacks something of. */
function keyOf(ydoc: Y.Doc, known: Map<number, number>): string {
	let key = '';
	for (const client of [...ydoc.store.clients.keys()].sort((a, b) => a - b)) {
		const has = Y.getState(ydoc.store, client);
		const from = Math.min(known.get(client) ?? 0, has);
		if (from < has) key += `${client}:${from},`;
	}
	return key;
}
