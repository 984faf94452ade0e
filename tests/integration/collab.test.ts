import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
	agreementDocName,
	COLLAB_CLOSE,
	EDIT_REFUSALS,
	notesDocName,
	type CollabPresence
} from '#lib/protocol/collab.ts';
import { loadDocument } from '#lib/server/collab/document-store.ts';
import {
	acceptEverything,
	agreementAction,
	credentialsOf,
	draftingCase,
	fillAgreement,
	partyActor,
	readAgreement,
	staffActor,
	type Actor
} from '../helpers/agreement.ts';
import { CollabClient, collabUrl, storedAgreement, upgradeStatus } from '../helpers/collab.ts';
import { addStaff, createProgram, signIn } from '../helpers/fixtures.ts';
import { jointMeeting } from '../helpers/meeting.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * The collaborative agreement plane through real y-websocket clients, each holding the
 * cookies its person's browser would: what they type reaches the others, what they may not
 * type is refused and told, and what is private stays on its side. (That nothing anyone has
 * seen is lost, when rows are folded or the server dies: collab-durability.test.ts.)
 */

let server: TestServer;
const cleanups: (() => void)[] = [];

beforeAll(async () => {
	server = await startTestServer();
});
afterEach(() => {
	for (const cleanup of cleanups.splice(0)) cleanup();
});
afterAll(() => server?.close());

/** Opens a client for the test, closed after it. */
async function open(docName: string, actor: Actor): Promise<CollabClient> {
	const client = new CollabClient(server.url, docName, credentialsOf(actor));
	cleanups.push(() => client.destroy());
	return client.synced();
}

/** A case at its drafting step, with its agreement's id, as everyone's browsers hold it. */
async function drafting(options: { support?: boolean } = {}) {
	const { meeting, session, actors } = await draftingCase(server, cleanups, options);
	return { meeting, session, actors, doc: agreementDocName(session.agreementId) };
}

const names = (client: CollabClient) =>
	[...client.provider.awareness.getStates().values()]
		.map((state) => (state as Partial<CollabPresence>).user?.name)
		.filter(Boolean)
		.sort();

describe('the agreement draft, edited together', () => {
	it('brings the victim, the offender and the mediator to the same text, stored as they see it', async () => {
		const { meeting, actors, doc, session } = await drafting();
		const victim = await open(doc, actors.victim);
		const offender = await open(doc, actors.offender);
		const mediator = await open(doc, actors.mediator);
		expect(victim.agreement).toMatchObject({
			status: 'drafting',
			you: { role: 'victim', edit: { canEdit: true }, accepts: true }
		});

		// All three type at once, in the same field and in others.
		for (let i = 0; i < 5; i++) {
			victim.type('harm', `[victim ${i}]`);
			offender.type('harm', `[offender ${i}]`);
			mediator.type('freeText', `[mediator ${i}]`);
		}
		fillAgreement(offender.doc, meeting.parties.offender.id);

		await vi.waitFor(() => {
			expect(offender.content).toEqual(victim.content);
			expect(mediator.content).toEqual(victim.content);
			expect(victim.content.obligations).toHaveLength(2);
		});
		const content = victim.content;
		for (let i = 0; i < 5; i++) {
			expect(content.harm).toContain(`[victim ${i}]`);
			expect(content.harm).toContain(`[offender ${i}]`);
			expect(content.freeText).toContain(`[mediator ${i}]`);
		}
		expect(content.obligations[0]).toMatchObject({
			kind: 'payment',
			amountMinor: 300_00,
			responsible: meeting.parties.offender.id
		});
		// The server's copy, the database and someone arriving later all read the same.
		await vi.waitFor(async () =>
			expect((await readAgreement(actors.mediator, session.agreementId)).content).toEqual(content)
		);
		expect(await storedAgreement(server, doc)).toEqual(content);
		const guardian = await open(doc, actors.guardian);
		expect(guardian.content).toEqual(content);

		// Everyone sees who else is in the draft and where their cursor is, under the names the
		// case knows them by — whatever name a browser claims for itself.
		for (const client of [victim, offender, mediator, guardian])
			client.provider.awareness.setLocalStateField('cursor', {
				field: 'harm',
				anchor: null,
				head: null
			});
		offender.provider.awareness.setLocalStateField('user', { name: 'Vera Victim' });
		await vi.waitFor(() =>
			expect(names(victim)).toEqual(['Dana Mediator', 'Gail Guardian', 'Otto Offender'])
		);
		await vi.waitFor(() =>
			expect(names(mediator)).toEqual(['Gail Guardian', 'Otto Offender', 'Vera Victim'])
		);
		// Someone who leaves is gone for the others; nobody was disconnected on the way.
		guardian.destroy();
		await vi.waitFor(() => expect(names(victim)).not.toContain('Gail Guardian'));
		for (const client of [victim, offender, mediator]) expect(client.closes).toEqual([]);
	});

	it('lets a support person read but never edit: refused, told why, and seen by nobody', async () => {
		const { meeting, actors, doc, session } = await drafting({ support: true });
		const victim = await open(doc, actors.victim);
		const offender = await open(doc, actors.offender);
		victim.type('harm', 'What happened. ');
		const support = await open(doc, partyActor(meeting, 'support'));
		await vi.waitFor(() => expect(support.text('harm')).toBe('What happened. '));
		expect(support.agreement.you).toMatchObject({
			role: 'support',
			edit: { canEdit: false, reason: EDIT_REFUSALS.readOnlyRole },
			accepts: false,
			signsAs: null
		});

		support.type('harm', 'SUPPORT WROTE THIS');
		await vi.waitFor(() => expect(support.refusals).toEqual([EDIT_REFUSALS.readOnlyRole]));
		// The others go on typing and see each other, never the refused edit.
		victim.type('harm', 'And after.');
		await vi.waitFor(() => expect(offender.text('harm')).toBe('What happened. And after.'));

		// Reconnecting sends the refused edit again: refused again.
		support.disconnect();
		await support.reconnect();
		await vi.waitFor(() => expect(support.refusals).toHaveLength(2));
		expect(support.refusals[1]).toBe(EDIT_REFUSALS.readOnlyRole);
		victim.type('freeText', 'Later.');
		await vi.waitFor(() => expect(offender.text('freeText')).toBe('Later.'));
		for (const client of [victim, offender])
			expect(client.text('harm')).toBe('What happened. And after.');
		expect((await readAgreement(actors.victim, session.agreementId)).content.harm).toBe(
			'What happened. And after.'
		);
		expect((await storedAgreement(server, doc)).harm).toBe('What happened. And after.');
		const fresh = await open(doc, actors.mediator);
		expect(fresh.text('harm')).toBe('What happened. And after.');
	});

	it('does not tell a support person of a refusal when they reconnect having typed nothing', async () => {
		const { meeting, actors, doc } = await drafting({ support: true });
		const victim = await open(doc, actors.victim);
		victim.type('harm', 'What happened, and more. ');
		// A deletion: every copy now carries it, and a reconnecting copy sends it back.
		victim.doc.getText('harm').delete(13, 10);
		const support = await open(doc, partyActor(meeting, 'support'));
		await vi.waitFor(() => expect(support.text('harm')).toBe('What happened. '));

		support.disconnect();
		await support.reconnect();
		await support.answered();
		expect(support.refusals).toEqual([]);
		victim.type('harm', 'After.');
		await vi.waitFor(() => expect(support.text('harm')).toBe('What happened. After.'));
		expect(support.refusals).toEqual([]);
	});

	it('holds the draft still for everyone while the mediator reads it through', async () => {
		const { actors, doc, session } = await drafting();
		const victim = await open(doc, actors.victim);
		const offender = await open(doc, actors.offender);
		const mediator = await open(doc, actors.mediator);
		victim.type('harm', 'Before. ');
		await vi.waitFor(() => expect(offender.text('harm')).toBe('Before. '));

		expect(
			(await agreementAction(actors.victim, session.agreementId, 'read-only', { readOnly: true }))
				.status
		).toBe(403);
		const set = await agreementAction(actors.mediator, session.agreementId, 'read-only', {
			readOnly: true
		});
		expect(set.status).toBe(200);
		for (const client of [victim, offender, mediator])
			await vi.waitFor(() =>
				expect(client.agreement).toMatchObject({
					readOnly: true,
					you: { edit: { canEdit: false, reason: EDIT_REFUSALS.readOnly } }
				})
			);

		victim.type('harm', 'VICTIM WHILE READ-ONLY');
		mediator.type('freeText', 'MEDIATOR WHILE READ-ONLY');
		await vi.waitFor(() => expect(victim.refusals).toEqual([EDIT_REFUSALS.readOnly]));
		await vi.waitFor(() => expect(mediator.refusals).toEqual([EDIT_REFUSALS.readOnly]));

		// Released: the refused edits do not come back, not even when their browser reconnects
		// and sends them again — the page is told to start again from the server's copy.
		await agreementAction(actors.mediator, session.agreementId, 'read-only', { readOnly: false });
		await vi.waitFor(() => expect(victim.agreement.you.edit).toEqual({ canEdit: true }));
		for (const client of [victim, mediator]) {
			client.disconnect();
			await client.reconnect();
			await vi.waitFor(() => expect(client.refusals).toContain(EDIT_REFUSALS.resync));
		}
		// A page that starts again from the server's copy edits as before.
		const again = await open(doc, actors.victim);
		again.type('harm', 'After.');
		await vi.waitFor(() => expect(offender.text('harm')).toBe('Before. After.'));
		expect(offender.text('freeText')).toBe('');
		const { content } = await readAgreement(actors.mediator, session.agreementId);
		expect(content).toMatchObject({ harm: 'Before. After.', freeText: '' });
		expect(await storedAgreement(server, doc)).toMatchObject({
			harm: 'Before. After.',
			freeText: ''
		});
	});

	it('lets parties edit only at the drafting step, and the mediator at any step', async () => {
		const { actors, doc, session } = await drafting();
		const victim = await open(doc, actors.victim);
		const mediator = await open(doc, actors.mediator);
		await session.mediator.do({ type: 'goToStep', step: 'signing' });
		await vi.waitFor(() =>
			expect(victim.agreement.you.edit).toEqual({
				canEdit: false,
				reason: EDIT_REFUSALS.notDrafting
			})
		);
		expect(mediator.agreement.you.edit).toEqual({ canEdit: true });
		victim.type('harm', 'NOT NOW');
		await vi.waitFor(() => expect(victim.refusals).toEqual([EDIT_REFUSALS.notDrafting]));
		mediator.type('harm', 'Staff prepares.');
		await vi.waitFor(async () =>
			expect((await readAgreement(actors.mediator, session.agreementId)).content.harm).toBe(
				'Staff prepares.'
			)
		);
		await vi.waitFor(() => expect(victim.text('harm')).toContain('Staff prepares.'));
	});

	it('refuses every edit once frozen, whoever makes it', async () => {
		const { meeting, actors, doc, session } = await drafting();
		const victim = await open(doc, actors.victim);
		const offender = await open(doc, actors.offender);
		const mediator = await open(doc, actors.mediator);
		fillAgreement(mediator.doc, meeting.parties.offender.id);
		await vi.waitFor(async () =>
			expect((await readAgreement(actors.mediator, session.agreementId)).content).toEqual(
				mediator.content
			)
		);
		await acceptEverything([actors.victim, actors.offender], session.agreementId);
		const frozen = await agreementAction(actors.mediator, session.agreementId, 'freeze', {});
		expect(frozen.status, JSON.stringify(frozen.body)).toBe(200);
		const text = mediator.content;
		for (const client of [victim, offender, mediator])
			await vi.waitFor(() =>
				expect(client.agreement).toMatchObject({
					status: 'frozen',
					hash: frozen.body.hash,
					you: { edit: { canEdit: false, reason: EDIT_REFUSALS.frozen } }
				})
			);

		victim.type('harm', ' VICTIM AFTER FREEZE');
		offender.type('freeText', ' OFFENDER AFTER FREEZE');
		mediator.type('harm', ' MEDIATOR AFTER FREEZE');
		for (const client of [victim, offender, mediator])
			await vi.waitFor(() => expect(client.refusals).toEqual([EDIT_REFUSALS.frozen]));
		expect((await readAgreement(actors.victim, session.agreementId)).content).toEqual(text);
		expect(await storedAgreement(server, doc)).toEqual(text);
		expect((await open(doc, actors.guardian)).content).toEqual(text);
	});
});

describe('who may open which document', () => {
	it('refuses at the upgrade, before any WebSocket, whoever may not open the document', async () => {
		const { meeting, actors, doc } = await drafting({ support: true });
		const other = await jointMeeting(server);
		const victimId = meeting.parties.victim.id;
		const offenderId = meeting.parties.offender.id;
		const victimNotes = notesDocName(meeting.caseId, victimId);
		const as = (actor: Actor) => ({ cookie: actor.http.cookieHeader, meetingId: actor.meetingId });

		// No session at all.
		expect(await upgradeStatus(server.url, doc)).toBe(401);
		expect(await upgradeStatus(server.url, doc, { meetingId: meeting.meetingId })).toBe(401);
		// Another site's page, with the victim's cookie.
		expect(
			await upgradeStatus(server.url, doc, { ...as(actors.victim), origin: 'https://evil.example' })
		).toBe(403);
		// A party and a member of staff of another case, another program.
		const stranger = partyActor(other, 'victim');
		expect(await upgradeStatus(server.url, doc, as(stranger))).toBe(403);
		expect(
			await upgradeStatus(server.url, doc, { ...as(stranger), meetingId: meeting.meetingId })
		).toBe(403);
		expect(await upgradeStatus(server.url, doc, as(staffActor(other.mediatorHttp)))).toBe(403);
		const program = await createProgram(server.deps);
		const outsider = await signIn(server.url, await addStaff(server.deps, program.id, 'admin'));
		expect(await upgradeStatus(server.url, doc, as(staffActor(outsider)))).toBe(403);
		// Not a document name; a document that does not exist.
		expect(await upgradeStatus(server.url, 'agreement-nope', as(actors.victim))).toBe(400);
		expect(
			await upgradeStatus(server.url, agreementDocName(crypto.randomUUID()), as(actors.victim))
		).toBe(403);
		// The other side's private notes, and those of a support person or a guardian.
		expect(await upgradeStatus(server.url, victimNotes, as(actors.offender))).toBe(403);
		expect(await upgradeStatus(server.url, victimNotes, as(actors.guardian))).toBe(403);
		expect(
			await upgradeStatus(server.url, notesDocName(meeting.caseId, offenderId), as(actors.victim))
		).toBe(403);
		expect(
			await upgradeStatus(
				server.url,
				notesDocName(meeting.caseId, meeting.support!.id),
				as(actors.victim)
			)
		).toBe(403);
		expect(
			await upgradeStatus(server.url, notesDocName(other.caseId, victimId), as(actors.victim))
		).toBe(403);

		// And those who may.
		expect(await upgradeStatus(server.url, doc, as(actors.victim))).toBe(101);
		expect(await upgradeStatus(server.url, doc, as(actors.mediator))).toBe(101);
		expect(
			await upgradeStatus(server.url, doc, { ...as(actors.offender), origin: server.url })
		).toBe(101);
		expect(await upgradeStatus(server.url, victimNotes, as(actors.victim))).toBe(101);
		expect(await upgradeStatus(server.url, victimNotes, as(partyActor(meeting, 'support')))).toBe(
			101
		);
		expect(await upgradeStatus(server.url, victimNotes, as(actors.mediator))).toBe(101);
		expect(
			await upgradeStatus(server.url, notesDocName(meeting.caseId, offenderId), as(actors.guardian))
		).toBe(101);
	});

	it("keeps each side's private notes on its side", async () => {
		const { meeting, actors, doc } = await drafting({ support: true });
		const victimNotes = notesDocName(meeting.caseId, meeting.parties.victim.id);
		const offenderNotes = notesDocName(meeting.caseId, meeting.parties.offender.id);
		const victim = await open(victimNotes, actors.victim);
		expect(victim.state).toEqual({ kind: 'notes', edit: { canEdit: true } });
		victim.type('notes', 'I am afraid to meet him. VICTIM-PRIVATE');

		// The mediator reads them; the victim's support person reads but does not write.
		const mediator = await open(victimNotes, actors.mediator);
		await vi.waitFor(() => expect(mediator.text('notes')).toContain('VICTIM-PRIVATE'));
		const support = await open(victimNotes, partyActor(meeting, 'support'));
		expect(support.text('notes')).toContain('VICTIM-PRIVATE');
		expect(support.state).toEqual({
			kind: 'notes',
			edit: { canEdit: false, reason: EDIT_REFUSALS.readOnlyRole }
		});
		support.type('notes', 'SUPPORT');
		await vi.waitFor(() => expect(support.refusals).toEqual([EDIT_REFUSALS.readOnlyRole]));

		// The offender and their guardian keep their own notes, and never see the victim's.
		const offender = await open(offenderNotes, actors.offender);
		const guardian = await open(offenderNotes, actors.guardian);
		offender.type('notes', 'OFFENDER-PRIVATE');
		await vi.waitFor(() => expect(guardian.text('notes')).toBe('OFFENDER-PRIVATE'));
		const draft = await open(doc, actors.offender);
		for (const client of [offender, guardian, draft])
			expect(JSON.stringify(client.doc.toJSON())).not.toContain('VICTIM-PRIVATE');
		expect(victim.text('notes')).not.toContain('OFFENDER-PRIVATE');
		expect(mediator.text('notes')).not.toContain('SUPPORT');
		const { state } = await loadDocument(server.deps.db, victimNotes);
		expect(Buffer.from(state!).toString('latin1')).not.toContain('SUPPORT');
	});
});

describe('a broken client', () => {
	/** A raw WebSocket with the victim's credentials; resolves with its close code once closed. */
	async function rawSocket(url: string, cookie: string) {
		const ws = new WebSocket(url, { headers: { cookie } });
		const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
		await new Promise((resolve, reject) => {
			ws.once('open', resolve);
			ws.once('error', reject);
		});
		return { ws, closed };
	}

	it('closes only the connection that sent garbage, with 1007; everyone else goes on', async () => {
		const { meeting, actors, doc, session } = await drafting();
		const victim = await open(doc, actors.victim);
		const offender = await open(doc, actors.offender);
		victim.type('harm', 'Intact. ');
		await vi.waitFor(() => expect(offender.text('harm')).toBe('Intact. '));

		const url = `${collabUrl(server.url)}/${doc}?meeting=${meeting.meetingId}`;
		const garbage: (Uint8Array | string)[] = [
			Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]), // no such type
			Uint8Array.from([7]), // unknown message type
			Uint8Array.from([0, 9, 1, 0]), // unknown sync step
			Uint8Array.from([0, 2, 40, 1, 2, 3]), // an update cut short
			Uint8Array.from([0, 2, 6, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02]), // not a Yjs update
			Uint8Array.from([1, 4, 1, 2, 3, 4]), // presence that is not presence
			Uint8Array.from([]), // nothing at all
			'{"type":"update"}' // text instead of binary
		];
		for (const message of garbage) {
			const raw = await rawSocket(url, actors.victim.http.cookieHeader);
			raw.ws.send(message);
			expect(await raw.closed, String(message)).toBe(COLLAB_CLOSE.malformed);
		}

		// The others never noticed: still connected, still in sync, the server still serves.
		expect(victim.closes).toEqual([]);
		expect(offender.closes).toEqual([]);
		offender.type('harm', 'Still here.');
		await vi.waitFor(() => expect(victim.text('harm')).toBe('Intact. Still here.'));
		const later = await open(doc, actors.mediator);
		expect(later.text('harm')).toBe('Intact. Still here.');
		expect((await readAgreement(actors.victim, session.agreementId)).content.harm).toBe(
			'Intact. Still here.'
		);
		expect((await storedAgreement(server, doc)).harm).toBe('Intact. Still here.');
	});
});
