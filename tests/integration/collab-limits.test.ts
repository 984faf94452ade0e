import { eq } from 'drizzle-orm';
import * as encoding from 'lib0/encoding';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { agreementDocName, COLLAB_CLOSE, EDIT_REFUSALS } from '#lib/protocol/collab.ts';
import { appendUpdate, loadDocument } from '#lib/server/collab/document-store.ts';
import { programs } from '#lib/server/db/schema.ts';
import { COLLAB_LIMITS } from '#server/collab/limits.ts';
import {
	credentialsOf,
	draftingCase,
	partyActor,
	readAgreement,
	staffActor,
	type Actor
} from '../helpers/agreement.ts';
import { CollabClient, collabUrl, fillDraft, storedAgreement } from '../helpers/collab.ts';
import { addStaff, signIn } from '../helpers/fixtures.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * What one person's connections to the collaborative documents can make the server hold or
 * do is bounded (COLLAB_LIMITS): connections per person and document, what waits for a
 * connection that does not read, sync requests, bytes, the draft's size. Real y-websocket
 * clients and raw WebSockets against a real server. (The review's whole attack, with the
 * server's memory measured: collab-memory.test.ts.)
 */

let server: TestServer;
const cleanups: (() => void)[] = [];
/** Pings every 2 s rather than 15: a browser that stopped answering is let go within seconds. */
const HEARTBEAT_MS = 2_000;

beforeAll(async () => {
	server = await startTestServer({}, { collabHeartbeatMs: HEARTBEAT_MS });
});
afterEach(() => {
	for (const cleanup of cleanups.splice(0)) cleanup();
});
afterAll(() => server?.close());

async function open(docName: string, actor: Actor): Promise<CollabClient> {
	const client = new CollabClient(server.url, docName, credentialsOf(actor));
	cleanups.push(() => client.destroy());
	return client.synced(15_000);
}

async function drafting(options: { support?: boolean } = {}) {
	const { meeting, session, actors } = await draftingCase(server, cleanups, options);
	return { meeting, session, actors, doc: agreementDocName(session.agreementId) };
}

/** A raw WebSocket to a document, as a person's browser opens it (or a modified one). */
interface RawSocket {
	ws: WebSocket;
	/** Every message received. */
	received: Uint8Array[];
	/** Resolves with its close code and reason. */
	closed: Promise<{ code: number; reason: string }>;
}

async function rawSocket(
	docName: string,
	actor: Actor,
	options: WebSocket.ClientOptions = {}
): Promise<RawSocket> {
	const url = new URL(`${collabUrl(server.url)}/${docName}`);
	if (actor.meetingId) url.searchParams.set('meeting', actor.meetingId);
	const ws = new WebSocket(url, {
		...options,
		headers: { cookie: actor.http.cookieHeader, origin: server.url }
	});
	ws.on('error', () => {});
	cleanups.push(() => ws.terminate());
	const received: Uint8Array[] = [];
	ws.on('message', (data: Buffer) => received.push(new Uint8Array(data)));
	const closed = new Promise<{ code: number; reason: string }>((resolve) =>
		ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }))
	);
	await new Promise((resolve, reject) => {
		ws.once('open', resolve);
		ws.once('unexpected-response', (_request, response) =>
			reject(new Error(`upgrade refused: ${response.statusCode}`))
		);
	});
	return { ws, received, closed };
}

/** A sync request (y-protocols step 1) with the given state vector entries. */
function syncRequest(entries: [client: number, clock: number][] = []): Uint8Array {
	const vector = encoding.createEncoder();
	encoding.writeVarUint(vector, entries.length);
	for (const [client, clock] of entries) {
		encoding.writeVarUint(vector, client);
		encoding.writeVarUint(vector, clock);
	}
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, 0);
	encoding.writeVarUint(encoder, 0);
	encoding.writeVarUint8Array(encoder, encoding.toUint8Array(vector));
	return encoding.toUint8Array(encoder);
}

const isSyncAnswer = (bytes: Uint8Array) => bytes[0] === 0 && bytes[1] === 1;

/** Presence for two client ids of a connection, each with as long a cursor as is kept. */
function bigPresence(firstClientId: number): Uint8Array {
	const update = encoding.createEncoder();
	encoding.writeVarUint(update, 2);
	for (const clientId of [firstClientId, firstClientId + 1]) {
		encoding.writeVarUint(update, clientId);
		encoding.writeVarUint(update, 1);
		encoding.writeVarString(
			update,
			JSON.stringify({ cursor: { field: 'harm', anchor: 'a'.repeat(490), head: 'h'.repeat(490) } })
		);
	}
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, 1);
	encoding.writeVarUint8Array(encoder, encoding.toUint8Array(update));
	return encoding.toUint8Array(encoder);
}

describe('a connection that stops reading', () => {
	it('is closed with 4500 once what waits for it passes the ceiling; it comes back in step, and nobody else noticed', async () => {
		const { actors, doc } = await drafting();
		const mediator = await open(doc, actors.mediator);
		const offender = await open(doc, actors.offender);
		const victim = await open(doc, actors.victim);
		victim.provider.awareness.setLocalStateField('cursor', null);
		await vi.waitFor(() =>
			expect(mediator.provider.awareness.getStates().has(victim.doc.clientID)).toBe(true)
		);
		// Many people present with long cursors: every presence answer is ~20 KB.
		let clientId = 1_000_000;
		for (const actor of [actors.mediator, actors.offender, actors.guardian])
			for (let i = 0; i < 3; i++) {
				const raw = await rawSocket(doc, actor);
				raw.ws.send(bigPresence(clientId));
				clientId += 2;
			}

		// The victim's page stops reading, and asks for everyone's presence, again and again.
		const ws = victim.provider.ws as unknown as WebSocket;
		ws.pause();
		const stillThere = () => mediator.provider.awareness.getStates().has(victim.doc.clientID);
		offender.type('harm', 'While you were away. ');
		for (let round = 0; round < 100 && stillThere(); round++) {
			for (let i = 0; i < 100; i++) ws.send(Uint8Array.from([3]));
			await new Promise((resolve) => setTimeout(resolve, 600));
		}
		// The server let it go: the others see it leave.
		expect(stillThere()).toBe(false);

		// It reads again: the close comes after what was queued, and it reconnects in step.
		ws.resume();
		await vi.waitFor(() =>
			expect(victim.closes).toContainEqual({ code: COLLAB_CLOSE.notReading, reason: 'not reading' })
		);
		await victim.synced(15_000);
		await vi.waitFor(() => expect(victim.text('harm')).toBe('While you were away. '));
		victim.type('harm', 'Back.');
		await vi.waitFor(() => expect(offender.text('harm')).toBe('While you were away. Back.'));
		expect(mediator.closes).toEqual([]);
		expect(offender.closes).toEqual([]);
	}, 90_000);
});

describe('sync requests', () => {
	it("are answered up to a person's budget, all their tabs together: beyond it, 1008", async () => {
		const { actors, doc } = await drafting();
		const writer = await open(doc, actors.mediator);
		writer.type('harm', 'Something to send. ');
		await writer.answered();
		const first = await rawSocket(doc, actors.victim);
		const second = await rawSocket(doc, actors.victim);
		// A page asks once when it connects; the budget is a burst of several.
		for (let i = 0; i < 6; i++) first.ws.send(syncRequest());
		await vi.waitFor(() => expect(first.received.filter(isSyncAnswer)).toHaveLength(6));
		for (let i = 0; i < 6; i++) second.ws.send(syncRequest());
		expect(await second.closed).toEqual({
			code: COLLAB_CLOSE.tooFast,
			reason: 'too many sync requests'
		});
		expect(second.received.filter(isSyncAnswer).length).toBe(COLLAB_LIMITS.syncBurst - 6);
		expect(first.ws.readyState).toBe(WebSocket.OPEN);
	});
});

describe('bytes', () => {
	it('closes a connection that sends more bytes than its budget, with 1008', async () => {
		const { actors, doc } = await drafting();
		const raw = await rawSocket(doc, actors.victim);
		// Valid, and large: state vectors naming 60,000 clients (~240 KB each).
		const large = syncRequest(Array.from({ length: 60_000 }, (_, i) => [i + 1, 1]));
		const count = Math.ceil(COLLAB_LIMITS.burstBytes / large.byteLength) + 1;
		for (let i = 0; i < count; i++) raw.ws.send(large);
		expect(await raw.closed).toEqual({ code: COLLAB_CLOSE.tooFast, reason: 'too many messages' });
		expect(raw.received.filter(isSyncAnswer).length).toBeLessThan(count);
	});
});

describe('connections per person and per document', () => {
	/** 'taken' once the server sends its first messages; the close code if it closes first. */
	const outcome = (raw: RawSocket): Promise<'taken' | number> =>
		Promise.race([
			vi
				.waitFor(() => expect(raw.received.length).toBeGreaterThan(0), { timeout: 15_000 })
				.then(() => 'taken' as const),
			raw.closed.then(({ code }) => code)
		]);
	const refused = COLLAB_CLOSE.tooManyConnections;

	it('refuses a fifth tab of one person on one document with 4429, and takes one again once a tab closed', async () => {
		const { actors, doc } = await drafting();
		const tabs = [];
		for (let i = 0; i < COLLAB_LIMITS.connectionsPerPersonPerDocument; i++)
			tabs.push(await rawSocket(doc, actors.victim));
		for (const tab of tabs) expect(await outcome(tab)).toBe('taken');
		const fifth = await rawSocket(doc, actors.victim);
		expect(await fifth.closed).toEqual({
			code: COLLAB_CLOSE.tooManyConnections,
			reason: 'too many connections'
		});
		expect(fifth.received).toEqual([]);
		// Another person, and the same person on another document, are not counted with them.
		const offender = await open(doc, actors.offender);
		expect(offender.closes).toEqual([]);
		tabs[0]!.ws.close();
		await tabs[0]!.closed;
		const again = await open(doc, actors.victim);
		expect(again.closes).toEqual([]);
		for (const tab of tabs.slice(1)) expect(tab.ws.readyState).toBe(WebSocket.OPEN);
	});

	it('refuses a connection to a document beyond its ceiling, whoever opens it', async () => {
		const { meeting, actors, doc } = await drafting({ support: true });
		const people: Actor[] = [
			actors.victim,
			actors.offender,
			actors.guardian,
			partyActor(meeting, 'support'),
			actors.mediator,
			staffActor(meeting.coordinatorHttp)
		];
		const [program] = await server.deps.db
			.select({ id: programs.id })
			.from(programs)
			.where(eq(programs.slug, meeting.slug));
		for (let i = 0; i < 3; i++) {
			const login = await addStaff(server.deps, program!.id, 'coordinator');
			people.push(staffActor(await signIn(server.url, login)));
		}
		const perPerson = COLLAB_LIMITS.connectionsPerPersonPerDocument;
		const taken: RawSocket[] = [];
		for (const person of people.slice(0, COLLAB_LIMITS.connectionsPerDocument / perPerson))
			for (let i = 0; i < perPerson; i++) taken.push(await rawSocket(doc, person));
		for (const raw of taken) expect(await outcome(raw)).toBe('taken');
		// The ninth person has no connection yet, and still cannot open one…
		const ninth = people.at(-1)!;
		expect(await outcome(await rawSocket(doc, ninth))).toBe(refused);
		// …until someone closes theirs.
		taken[0]!.ws.close();
		await taken[0]!.closed;
		expect(await outcome(await rawSocket(doc, ninth))).toBe('taken');
	});

	it(
		'gives back the place of a connection whose browser stopped answering',
		async () => {
			const { actors, doc } = await drafting();
			const writer = await open(doc, actors.mediator);
			// One of the victim's tabs answers no ping, as a phone's that lost its network.
			const gone = await rawSocket(doc, actors.victim, { autoPong: false });
			const tabs = [gone];
			for (let i = 1; i < COLLAB_LIMITS.connectionsPerPersonPerDocument; i++)
				tabs.push(await rawSocket(doc, actors.victim));
			for (const tab of tabs) expect(await outcome(tab)).toBe('taken');
			expect(await outcome(await rawSocket(doc, actors.victim))).toBe(refused);
			// Its socket is destroyed within two pings, and its place is free again.
			expect((await gone.closed).code).toBe(1006);
			expect(await outcome(await rawSocket(doc, actors.victim))).toBe('taken');
			for (const tab of tabs.slice(1)) expect(tab.ws.readyState).toBe(WebSocket.OPEN);
			expect(writer.closes).toEqual([]);
		},
		2 * HEARTBEAT_MS + 30_000
	);
});

describe("the draft's size", () => {
	it('refuses what would make the draft larger than its ceiling, and says why', async () => {
		const { actors, doc, session } = await drafting();
		const mediator = await open(doc, actors.mediator);
		await fillDraft(mediator, COLLAB_LIMITS.maxDocumentBytes - 16 * 1024);
		const victim = await open(doc, actors.victim);
		const before = victim.text('harm');
		victim.type('harm', 'x'.repeat(64 * 1024));
		await vi.waitFor(() => expect(victim.refusals).toEqual([EDIT_REFUSALS.tooLarge]));
		expect((await readAgreement(actors.mediator, session.agreementId)).content.harm).toBe(before);
		expect((await storedAgreement(server, doc)).harm).toBe(before);
	}, 60_000);

	it('lets a draft stored larger than its ceiling (by an earlier version) be shortened, and nothing added', async () => {
		const { actors, doc } = await drafting();
		// Stored before anyone opens it, as an earlier version with a higher ceiling let it grow.
		const stored = new Y.Doc();
		const { state } = await loadDocument(server.deps.db, doc);
		if (state) Y.applyUpdate(stored, state);
		const vector = Y.encodeStateVector(stored);
		stored.getText('harm').insert(0, 'An old, long draft. '.repeat(32_000));
		await appendUpdate(server.deps.db, doc, Y.encodeStateAsUpdate(stored, vector));

		const mediator = await open(doc, actors.mediator);
		expect(mediator.text('harm')).toBe(stored.getText('harm').toString());
		mediator.type('harm', 'More.');
		await vi.waitFor(() => expect(mediator.refusals).toEqual([EDIT_REFUSALS.tooLarge]));

		const editor = await open(doc, actors.offender);
		editor.doc.getText('harm').delete(0, 100_000);
		const shorter = editor.text('harm');
		await editor.answered();
		expect(editor.refusals).toEqual([]);
		await vi.waitFor(async () => expect((await storedAgreement(server, doc)).harm).toBe(shorter));
	}, 60_000);
});
