import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addObligation, obligationMap, parts, scheduleInstalments } from '#lib/agreement/ydoc.ts';
import type { ObligationKind } from '#lib/agreement/model.ts';
import { COLLAB_LIMITS } from './limits.ts';

/** A small seeded generator: the same draft on every run. */
function random(seed: number): () => number {
	return () => {
		seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
		return seed / 2 ** 31;
	};
}

const WORDS =
	'the offender agrees to repay the victim for the damage to the car window and phone'.split(' ');

/**
 * The largest agreement people realistically draft, as three people leave it in the stored
 * rows: the harm and the free text at their fields' limit (5,000 characters), a long apology,
 * a dozen clauses with long descriptions, four payments whose schedules of up to 60 monthly
 * instalments were made again and again and edited by hand — every word typed key by key by
 * one of the three, anywhere in the text, with deletions.
 */
function largestRealisticDraft(): { stored: number; keystrokes: number; snapshot: number } {
	const next = random(17);
	const browsers = [new Y.Doc(), new Y.Doc(), new Y.Doc()];
	const server = new Y.Doc();
	let stored = 0;
	let keystrokes = 0;
	for (const browser of browsers)
		browser.on('update', (update: Uint8Array, origin: unknown) => {
			if (origin === 'remote') return;
			keystrokes++;
			stored += update.byteLength;
			Y.applyUpdate(server, update);
			for (const other of browsers) if (other !== browser) Y.applyUpdate(other, update, 'remote');
		});
	const type = (text: (doc: Y.Doc) => Y.Text, characters: number) => {
		for (let typed = 0, turn = 0; typed < characters; turn++) {
			const field = text(browsers[turn % 3]!);
			const word = `${WORDS[Math.floor(next() * WORDS.length)]} `;
			const at = Math.floor(next() * (field.length + 1));
			for (let i = 0; i < word.length; i++) field.insert(at + i, word[i]!);
			typed += word.length;
			if (next() < 0.1 && field.length > 20)
				field.delete(Math.floor(next() * (field.length - 5)), 5);
		}
	};
	type((doc) => parts(doc).harm, 5_000);
	parts(browsers[0]!).apology.set('note', new Y.Text());
	type((doc) => parts(doc).apology.get('note') as Y.Text, 2_000);
	for (let k = 0; k < 12; k++) {
		const doc = browsers[k % 3]!;
		const kind: ObligationKind = (['payment', 'service', 'behaviour'] as const)[k % 3]!;
		const id = addObligation(doc, kind, 'offender', 'USD');
		type((d) => obligationMap(d, id)!.get('description') as Y.Text, 1_000);
		type((d) => obligationMap(d, id)!.get('verification') as Y.Text, 300);
		if (kind !== 'payment') continue;
		for (const amount of [1_200_00, 1_500_00, 1_800_00]) {
			obligationMap(doc, id)!.set('amountMinor', amount);
			for (const count of [24, 48, 60])
				scheduleInstalments(doc, id, { count, frequency: 'monthly', startDate: '2027-02-15' });
		}
		const instalments = obligationMap(doc, id)!.get('instalments') as Y.Array<Y.Map<unknown>>;
		for (let i = 0; i < 10; i++) instalments.get(i).set('amountMinor', 2_000 + i);
	}
	type((doc) => parts(doc).freeText, 5_000);
	return { stored, keystrokes, snapshot: Y.encodeStateAsUpdate(server).byteLength };
}

describe('COLLAB_LIMITS', () => {
	it("leaves the largest realistic agreement room: its stored copy is under half the draft's ceiling", () => {
		const { snapshot, stored, keystrokes } = largestRealisticDraft();
		// Rows wait to be folded into the snapshot (COLLAB_COMPACT_AFTER_ROWS, at most ~750 of
		// them): the stored size is the snapshot and those.
		const pending = (stored / keystrokes) * 750;
		expect(snapshot + pending).toBeLessThan(COLLAB_LIMITS.maxDocumentBytes / 2);
		// …and it is not a small one: a few KB is the usual agreement.
		expect(snapshot).toBeGreaterThan(100_000);
	});
});
