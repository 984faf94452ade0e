import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { COLLAB_MESSAGES } from '#lib/protocol/collab.ts';
import { SyncAnswers } from './sync-answers.ts';

/** The answer y-protocols itself writes, computed afresh. */
function fresh(ydoc: Y.Doc, stateVector: Uint8Array): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, COLLAB_MESSAGES.sync);
	syncProtocol.writeSyncStep2(encoder, ydoc, stateVector);
	return encoding.toUint8Array(encoder);
}

/** A copy written by two clients, with a deletion. */
function copy(): Y.Doc {
	const a = new Y.Doc();
	const b = new Y.Doc();
	a.getText('harm').insert(0, 'What happened. ');
	Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
	b.getText('harm').insert(15, 'And after.');
	b.getText('harm').delete(0, 5);
	const server = new Y.Doc();
	Y.applyUpdate(server, Y.encodeStateAsUpdate(b));
	return server;
}

const vector = (entries: [number, number][]) => {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, entries.length);
	for (const [client, clock] of entries) {
		encoding.writeVarUint(encoder, client);
		encoding.writeVarUint(encoder, clock);
	}
	return encoding.toUint8Array(encoder);
};

describe('SyncAnswers', () => {
	it('answers every state vector as y-protocols does', () => {
		const ydoc = copy();
		const answers = new SyncAnswers();
		const clients = [...Y.decodeStateVector(Y.encodeStateVector(ydoc))];
		const vectors = [
			new Uint8Array([0]),
			Y.encodeStateVector(ydoc),
			vector([[clients[0]![0], 3]]),
			vector([
				[clients[1]![0], 2],
				[424242, 9]
			]),
			vector(clients.map(([client, clock]) => [client, clock + 100]))
		];
		for (const sv of vectors) expect(answers.answer(ydoc, 0, sv)).toEqual(fresh(ydoc, sv));
	});

	it('computes an answer once per version of the copy, whatever the asker adds that changes nothing', () => {
		const ydoc = copy();
		const answers = new SyncAnswers();
		const first = answers.answer(ydoc, 0, new Uint8Array([0]));
		// Clients the copy does not know: the same answer, the very same bytes.
		expect(
			answers.answer(
				ydoc,
				0,
				vector([
					[77, 5],
					[78, 1]
				])
			)
		).toBe(first);
		const upToDate = answers.answer(ydoc, 0, Y.encodeStateVector(ydoc));
		const beyond = [...Y.decodeStateVector(Y.encodeStateVector(ydoc))].map(
			([client, clock]) => [client, clock + 1000] as [number, number]
		);
		expect(answers.answer(ydoc, 0, vector(beyond))).toBe(upToDate);

		// A new version: computed again, with what changed.
		ydoc.getText('harm').insert(0, 'New. ');
		const next = answers.answer(ydoc, 1, new Uint8Array([0]));
		expect(next).not.toBe(first);
		expect(next).toEqual(fresh(ydoc, new Uint8Array([0])));
	});

	it('keeps the deletions of the copy per version', () => {
		const ydoc = copy();
		const answers = new SyncAnswers();
		const deletions = answers.deletions(ydoc, 0);
		expect(answers.deletions(ydoc, 0)).toBe(deletions);
		expect([...deletions.clients.values()].flat()).toHaveLength(1);
		ydoc.getText('harm').delete(0, 3);
		expect(answers.deletions(ydoc, 1)).not.toBe(deletions);
	});

	it('throws for a state vector that is not one', () => {
		expect(() => new SyncAnswers().answer(copy(), 0, new Uint8Array([5, 1]))).toThrow();
	});
});
