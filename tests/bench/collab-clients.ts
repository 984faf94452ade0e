/**
 * The load generator of `npm run bench:collab`, run by tests/bench/collab.ts as a child process
 * (`fork`, advanced serialisation) so that the server's CPU is measured alone. It holds some of
 * the documents, each with all of its clients: real y-websocket 3.1.0 `WebsocketProvider`s,
 * one `Y.Doc` each, over `ws` with the headers a browser would send (Cookie, Origin).
 *
 * Every client inserts one character every `intervalMs` into the document's `harm` text, as
 * each of three people would write their own passage of it: right after the last character it
 * inserted itself (the first one at the start). With `typing: 'end'` every client appends to the
 * end of the text instead: the characters of the three interleave one by one, Yjs cannot merge
 * them into runs, and the document grows an item per character — the worst case, for the server
 * (every stored snapshot and every compaction carries thousands of items) and for the load
 * generator (a remote change clears a Y.Text's search markers, so each insert walks the text).
 * A character inserted by a Yjs client is the item (client id, clock), and each
 * insert here is one transaction of one character, so the clock is the client's sequence
 * number: the sender notes when it inserted clock c, and every other client of the document
 * sees c arrive in its document's state vector (`afterTransaction`, remote transactions only).
 * All the clients of a document live in this process, so both times come from one clock.
 *
 * Messages from the parent: `connect` (open every provider and wait until all are synced),
 * `go` (type; measure what is sent inside the window; report after the grace time), `close`.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import * as decoding from 'lib0/decoding';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';

export interface MemberSpec {
	/** Who this client is (for the report): `mediator`, `victim`, `offender`, `client 1`… */
	label: string;
	cookie?: string;
	params?: Record<string, string>;
	/** When in each interval this client types (ms after the start of the interval). */
	phaseMs: number;
}

export interface DocSpec {
	name: string;
	members: MemberSpec[];
}

/** Where each client types: after its own last character, or at the end of the text. */
export type Typing = 'own' | 'end';

export type ToClients =
	| { type: 'connect'; serverUrl: string; origin?: string; docs: DocSpec[]; timeoutMs: number }
	| {
			type: 'go';
			intervalMs: number;
			warmupMs: number;
			measureMs: number;
			graceMs: number;
			typing: Typing;
	  }
	| { type: 'close' };

export interface ClientReport {
	/** Characters inserted with a send time inside the window. */
	sent: number;
	/** Of those, how many reached every other client of their document. */
	deliveredToAll: number;
	/** Deliveries (one per receiving client) of characters sent in the window. */
	deliveries: number;
	/** Delivery latency of each of those deliveries, ms. */
	latencies: Float64Array;
	/** For each latency, the second of the window its character was sent in. */
	seconds: Uint16Array;
	/** Edits the server refused (y-protocols' "permission denied"), and why. */
	refusals: Record<string, number>;
	/** Connections that closed while typing (each provider reconnects by itself). */
	closes: number;
	/** Slots skipped because this process fell more than half an interval behind. */
	skipped: number;
	/** This process's event-loop delay over the window, ms. */
	loopP99: number;
	loopMax: number;
}

export type FromClients =
	| {
			type: 'ready';
			/** label → how many clients with it were told by the server that they may edit. */
			mayEdit: Record<string, number>;
			clients: number;
	  }
	| { type: 'report'; report: ClientReport }
	| { type: 'error'; message: string };

/** Mend's own message type (COLLAB_MESSAGES.state): the agreement's state, as JSON. */
const STATE_MESSAGE = 100;
const AUTH_MESSAGE = 2;

interface Member {
	spec: MemberSpec;
	/** The other clients of its document. */
	peers: number;
	doc: Y.Doc;
	text: Y.Text;
	/** Right after the last character this client inserted (typing 'own'). */
	cursor: Y.RelativePosition | null;
	provider: WebsocketProvider;
	/** Send time of each clock (= each character this client inserted), performance.now(). */
	sent: number[];
	/** How many other clients have received each clock. */
	received: number[];
	/** From Mend's state message: whether the server says this person may edit. */
	canEdit: boolean | null;
	timer: NodeJS.Timeout | null;
}

const members: Member[] = [];
const refusals: Record<string, number> = {};
let closes = 0;
let typing = false;
let skipped = 0;
let windowStart = Infinity;
let windowEnd = -Infinity;
const latencies: number[] = [];
const seconds: number[] = [];

function send(message: FromClients): void {
	process.send!(message);
}

/** A `ws` WebSocket that sends the headers a browser on the page would send. */
function socketClass(headers: Record<string, string>) {
	return class extends WebSocket {
		constructor(address: string | URL, protocols?: string | string[]) {
			super(address, protocols, { headers });
		}
	};
}

type Handler = (
	encoder: unknown,
	decoder: decoding.Decoder,
	provider: WebsocketProvider,
	emitSynced: boolean,
	messageType: number
) => void;

function open(serverUrl: string, origin: string | undefined, spec: DocSpec): Member[] {
	const group: Member[] = [];
	const byClient = new Map<number, Member>();
	for (const memberSpec of spec.members) {
		const doc = new Y.Doc();
		const headers: Record<string, string> = {};
		if (memberSpec.cookie) headers.cookie = memberSpec.cookie;
		if (origin) headers.origin = origin;
		const provider = new WebsocketProvider(serverUrl, spec.name, doc, {
			params: memberSpec.params ?? {},
			// Node has BroadcastChannel: without this, clients in one process would bypass the server.
			disableBc: true,
			WebSocketPolyfill: socketClass(headers) as unknown as typeof globalThis.WebSocket
		});
		const member: Member = {
			spec: memberSpec,
			peers: spec.members.length - 1,
			doc,
			text: doc.getText('harm'),
			cursor: null,
			provider,
			sent: [],
			received: [],
			canEdit: null,
			timer: null
		};
		const handlers = provider.messageHandlers as unknown as Handler[];
		handlers[STATE_MESSAGE] = (_encoder, decoder) => {
			const state = JSON.parse(decoding.readVarString(decoder)) as {
				you?: { edit?: { canEdit?: boolean } };
				edit?: { canEdit?: boolean };
			};
			member.canEdit = Boolean(state.you?.edit?.canEdit ?? state.edit?.canEdit);
		};
		handlers[AUTH_MESSAGE] = (_encoder, decoder) => {
			decoding.readVarUint(decoder);
			const reason = decoding.readVarString(decoder);
			refusals[reason] = (refusals[reason] ?? 0) + 1;
		};
		provider.on('connection-close', () => {
			if (typing) closes++;
		});
		doc.on('afterTransaction', (transaction: Y.Transaction) => {
			if (transaction.local) return;
			const now = performance.now();
			for (const [client, after] of transaction.afterState) {
				const sender = byClient.get(client);
				if (!sender || sender === member) continue;
				for (let clock = transaction.beforeState.get(client) ?? 0; clock < after; clock++) {
					const at = sender.sent[clock];
					if (at === undefined) continue;
					sender.received[clock] = (sender.received[clock] ?? 0) + 1;
					if (at >= windowStart && at < windowEnd) {
						latencies.push(now - at);
						seconds.push(Math.floor((at - windowStart) / 1000));
					}
				}
			}
		});
		byClient.set(doc.clientID, member);
		group.push(member);
	}
	return group;
}

async function connect(message: Extract<ToClients, { type: 'connect' }>): Promise<void> {
	for (const spec of message.docs) members.push(...open(message.serverUrl, message.origin, spec));
	const deadline = performance.now() + message.timeoutMs;
	// Synced (sync step 2 received), and — on Mend — the state message received as well.
	const ready = (m: Member) =>
		m.provider.synced && (message.origin === undefined || m.canEdit !== null);
	while (!members.every(ready)) {
		if (performance.now() > deadline) {
			const waiting = members.filter((m) => !ready(m)).length;
			throw new Error(`${waiting} of ${members.length} clients did not sync`);
		}
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
	const mayEdit: Record<string, number> = {};
	for (const m of members)
		if (m.canEdit !== false) mayEdit[m.spec.label] = (mayEdit[m.spec.label] ?? 0) + 1;
	send({ type: 'ready', mayEdit, clients: members.length });
}

function go(message: Extract<ToClients, { type: 'go' }>): void {
	const { intervalMs } = message;
	const t0 = performance.now() + 20;
	windowStart = t0 + message.warmupMs;
	windowEnd = windowStart + message.measureMs;
	typing = true;
	const loop = monitorEventLoopDelay({ resolution: 1 });
	setTimeout(() => loop.enable(), Math.max(0, windowStart - performance.now()));

	for (const member of members) {
		let slot = 0;
		const schedule = () => {
			// A slot already half an interval late is skipped, not sent in a burst.
			while (t0 + member.spec.phaseMs + slot * intervalMs < performance.now() - intervalMs / 2) {
				slot++;
				skipped++;
			}
			member.timer = setTimeout(
				fire,
				Math.max(0, t0 + member.spec.phaseMs + slot * intervalMs - performance.now())
			);
		};
		const fire = () => {
			if (!typing) return;
			if (performance.now() >= windowEnd) return;
			let index = 0;
			if (message.typing === 'end') index = member.text.length;
			else if (member.cursor)
				index = Y.createAbsolutePositionFromRelativePosition(member.cursor, member.doc)?.index ?? 0;
			// One transaction of one character: its clock is this client's next.
			const clock = member.sent.push(performance.now()) - 1;
			member.text.insert(index, 'x');
			member.cursor = Y.createRelativePositionFromJSON({
				item: { client: member.doc.clientID, clock },
				assoc: -1
			});
			slot++;
			schedule();
		};
		schedule();
	}

	// After the window: report once every character sent in it reached every other client of
	// its document, or after the grace time, whichever comes first.
	const pending = () => {
		for (const member of members)
			for (let clock = 0; clock < member.sent.length; clock++) {
				const at = member.sent[clock]!;
				if (at >= windowStart && at < windowEnd && (member.received[clock] ?? 0) < member.peers)
					return true;
			}
		return false;
	};
	const finish = async () => {
		await sleep(Math.max(0, windowEnd - performance.now() + 100));
		typing = false;
		loop.disable();
		for (const member of members) if (member.timer) clearTimeout(member.timer);
		const deadline = performance.now() + message.graceMs;
		while (pending() && performance.now() < deadline) await sleep(100);
		let sent = 0;
		let deliveredToAll = 0;
		for (const member of members)
			for (let clock = 0; clock < member.sent.length; clock++) {
				const at = member.sent[clock]!;
				if (at < windowStart || at >= windowEnd) continue;
				sent++;
				if ((member.received[clock] ?? 0) >= member.peers) deliveredToAll++;
			}
		send({
			type: 'report',
			report: {
				sent,
				deliveredToAll,
				deliveries: latencies.length,
				latencies: Float64Array.from(latencies),
				seconds: Uint16Array.from(seconds),
				refusals,
				closes,
				skipped,
				// The histogram counts the sampling interval (1 ms) in every sample.
				loopP99: Math.max(0, loop.percentile(99) / 1e6 - 1),
				loopMax: Math.max(0, loop.max / 1e6 - 1)
			}
		});
	};
	void finish();
}

// y-websocket adds an exit listener per provider.
process.setMaxListeners(0);
process.on('message', (message: ToClients) => {
	if (message.type === 'connect')
		connect(message).catch((error: Error) => send({ type: 'error', message: error.message }));
	else if (message.type === 'go') go(message);
	else if (message.type === 'close') {
		for (const member of members) member.provider.destroy();
		setTimeout(() => process.exit(0), 200);
	}
});
process.on('disconnect', () => process.exit(0));
