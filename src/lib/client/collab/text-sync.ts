import * as Y from 'yjs';

/**
 * Keeping a plain <textarea> and a Y.Text in step, without an editor library: a keystroke
 * becomes the smallest edit that turns the old value into the new one, and a remote edit
 * moves the local selection the way the text around it moved.
 */

/** The edit that turns `before` into `after`: a common prefix and suffix, and what lies between. */
export function diffText(
	before: string,
	after: string
): { index: number; remove: number; insert: string } {
	let start = 0;
	const shortest = Math.min(before.length, after.length);
	while (start < shortest && before.charCodeAt(start) === after.charCodeAt(start)) start++;
	let endBefore = before.length;
	let endAfter = after.length;
	while (
		endBefore > start &&
		endAfter > start &&
		before.charCodeAt(endBefore - 1) === after.charCodeAt(endAfter - 1)
	) {
		endBefore--;
		endAfter--;
	}
	return { index: start, remove: endBefore - start, insert: after.slice(start, endAfter) };
}

/** Applies what the person typed to the shared text, as one transaction with `origin`. */
export function applyTyping(text: Y.Text, before: string, after: string, origin: unknown): void {
	const { index, remove, insert } = diffText(before, after);
	if (remove === 0 && insert === '') return;
	text.doc?.transact(() => {
		if (remove > 0) text.delete(index, remove);
		if (insert) text.insert(index, insert);
	}, origin);
}

type Delta = { insert?: unknown; retain?: number; delete?: number }[];

/** Where a position in the old text lands after a remote change (Yjs delta). */
export function shiftIndex(index: number, delta: Delta): number {
	let at = 0;
	let shift = 0;
	for (const op of delta) {
		if (at > index) break;
		if (op.retain) at += op.retain;
		else if (op.insert !== undefined) {
			// Text typed at the caret by someone else goes before it: the caret keeps its word.
			if (at <= index) shift += typeof op.insert === 'string' ? op.insert.length : 1;
		} else if (op.delete) {
			if (at < index) shift -= Math.min(op.delete, index - at);
			at += op.delete;
		}
	}
	return index + shift;
}

/** A selection as Yjs relative positions: it stays on its characters while others type. */
export function relativeSelection(text: Y.Text, anchor: number, head: number) {
	return {
		anchor: Y.relativePositionToJSON(Y.createRelativePositionFromTypeIndex(text, anchor)),
		head: Y.relativePositionToJSON(Y.createRelativePositionFromTypeIndex(text, head))
	};
}

/** A relative position (as JSON from another person) back to an index in `doc`, if it holds. */
export function absoluteIndex(doc: Y.Doc, text: Y.Text, json: unknown): number | null {
	if (typeof json !== 'object' || json === null) return null;
	try {
		const position = Y.createAbsolutePositionFromRelativePosition(
			Y.createRelativePositionFromJSON(json),
			doc
		);
		return position && position.type === text ? position.index : null;
	} catch {
		return null;
	}
}
