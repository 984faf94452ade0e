import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { CollabPresence } from '#lib/protocol/collab.ts';

/**
 * The presence (awareness) of one document's connections, kept by the server as the
 * authority on who is who: a connection may speak only for the Yjs client ids it claimed
 * first, and its `user` (name, role, colour) is set here from who the server knows it is —
 * a browser cannot show itself under another name. Only the cursor comes from the browser.
 */

/**
 * The colours of people's cursors and name tags, chosen for white text on them: each has a
 * contrast of at least 4.5:1 with white (WCAG AA for the tag's small text).
 */
export const CURSOR_COLOURS = [
	'#8a3ffc',
	'#0f62fe',
	'#007d79',
	'#8e6a00',
	'#da1e28',
	'#198038',
	'#6929c4'
] as const;

/** A person's colour: the same on every device and in every document. */
export function colourOf(id: string): string {
	let hash = 0;
	for (const char of id) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
	return CURSOR_COLOURS[hash % CURSOR_COLOURS.length]!;
}

/** Client ids one connection may speak for (a page makes one; a reload makes a new connection). */
const MAX_CLIENTS_PER_CONNECTION = 2;
const MAX_CURSOR_JSON = 1_024;
/**
 * Departed client ids remembered (their last clock, to recognise echoes of their old states):
 * the oldest are forgotten beyond this, or a connection that comes and goes would grow the
 * list — and the work of every update, which counts a connection's ids — without end.
 */
const MAX_DEPARTED = 256;
const MAX_FIELD_LENGTH = 64;

interface Entry {
	clock: number;
	/** JSON of the state, null once removed. */
	state: string | null;
	/** The connection speaking for this client id; null once it left (the entry stays as its clock). */
	owner: object | null;
}

/** A decoded awareness update entry as y-protocols encodes it. */
interface Change {
	clientId: number;
	clock: number;
	state: unknown;
}

export class PresenceError extends Error {}

function decode(update: Uint8Array): Change[] {
	const decoder = decoding.createDecoder(update);
	const count = decoding.readVarUint(decoder);
	if (count > 16) throw new PresenceError('too many entries');
	const changes: Change[] = [];
	for (let i = 0; i < count; i++) {
		const clientId = decoding.readVarUint(decoder);
		const clock = decoding.readVarUint(decoder);
		changes.push({ clientId, clock, state: JSON.parse(decoding.readVarString(decoder)) });
	}
	return changes;
}

function encode(entries: [number, Entry][]): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, entries.length);
	for (const [clientId, entry] of entries) {
		encoding.writeVarUint(encoder, clientId);
		encoding.writeVarUint(encoder, entry.clock);
		encoding.writeVarString(encoder, entry.state ?? 'null');
	}
	return encoding.toUint8Array(encoder);
}

function cursorOf(state: unknown): CollabPresence['cursor'] {
	if (typeof state !== 'object' || state === null) return null;
	const cursor = (state as { cursor?: unknown }).cursor;
	if (typeof cursor !== 'object' || cursor === null) return null;
	const { field, anchor, head } = cursor as Record<string, unknown>;
	if (typeof field !== 'string' || field.length === 0 || field.length > MAX_FIELD_LENGTH)
		return null;
	if (JSON.stringify({ anchor, head }).length > MAX_CURSOR_JSON) return null;
	return { field, anchor: anchor ?? null, head: head ?? null };
}

export class Presence {
	readonly #entries = new Map<number, Entry>();

	/**
	 * Takes a connection's awareness update; returns the sanitised update to send to the
	 * others, or null when nothing changed. Throws PresenceError for a malformed update or a
	 * client id that belongs to another connection.
	 *
	 * y-websocket sends back what it hears of everyone else (its awareness handler re-sends
	 * every change, remote ones included, and answers a query with every state it knows):
	 * those echoes carry the clocks this server sent, never a newer one, and are ignored —
	 * as is a departure (state null) told about a client id that is not the connection's own.
	 */
	apply(owner: object, user: CollabPresence['user'], update: Uint8Array): Uint8Array | null {
		const changes = decode(update);
		const owned = [...this.#entries.values()].filter((e) => e.owner === owner).length;
		const accepted: [number, Entry][] = [];
		let claims = owned;
		for (const change of changes) {
			const existing = this.#entries.get(change.clientId);
			const mine = existing?.owner === owner;
			if (existing && change.clock <= existing.clock) continue;
			if (!mine) {
				if (existing?.owner) throw new PresenceError('not your client id');
				// Someone else's departure, echoed: nothing to claim.
				if (change.state === null) continue;
				if (++claims > MAX_CLIENTS_PER_CONNECTION) throw new PresenceError('too many client ids');
			}
			const state =
				change.state === null
					? null
					: JSON.stringify({ user, cursor: cursorOf(change.state) } satisfies CollabPresence);
			const entry: Entry = { clock: change.clock, state, owner };
			this.#entries.set(change.clientId, entry);
			accepted.push([change.clientId, entry]);
		}
		return accepted.length > 0 ? encode(accepted) : null;
	}

	/** A connection closed: its states are removed for everyone (returned as an update). */
	remove(owner: object): Uint8Array | null {
		const removed: [number, Entry][] = [];
		for (const [clientId, entry] of this.#entries)
			if (entry.owner === owner) {
				// Its clock stays: echoes of its last state are recognised as old; the page's
				// next change (a newer clock, after a reconnect) claims the id again.
				this.#entries.set(clientId, { clock: entry.clock, state: null, owner: null });
				if (entry.state !== null)
					removed.push([clientId, { clock: entry.clock + 1, state: null, owner }]);
			}
		this.#forgetOldestDeparted();
		return removed.length > 0 ? encode(removed) : null;
	}

	#forgetOldestDeparted(): void {
		let departed = 0;
		for (const entry of this.#entries.values()) if (entry.owner === null) departed++;
		// In the order they were first seen: the oldest first.
		for (const [clientId, entry] of this.#entries) {
			if (departed <= MAX_DEPARTED) break;
			if (entry.owner !== null) continue;
			this.#entries.delete(clientId);
			departed--;
		}
	}

	/** How many client ids are remembered, present or departed. */
	get size(): number {
		return this.#entries.size;
	}

	/** Everyone present, for a connection that asks or has just arrived. */
	all(): Uint8Array | null {
		const present = [...this.#entries].filter(([, e]) => e.state !== null);
		return present.length > 0 ? encode(present) : null;
	}
}
