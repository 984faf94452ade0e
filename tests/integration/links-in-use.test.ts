import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { agreementDocName, COLLAB_CLOSE, notesDocName } from '#lib/protocol/collab.ts';
import { invitations } from '#lib/server/db/schema.ts';
import {
	credentialsOf,
	draftingCase,
	partyActor,
	staffActor,
	type DraftingSession
} from '../helpers/agreement.ts';
import { CollabClient } from '../helpers/collab.ts';
import type { MeetingFixture, PartyName } from '../helpers/meeting.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * A link that stops working while a browser is in the meeting with it — revoked, replaced, or
 * the meeting ended: that browser is let go at once, out of the live session and of every
 * document it had open, not at the next periodic check (a minute later). Found by trying: it
 * went on receiving the session and the draft, and its edits were kept.
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

/** A case at its drafting step, and the documents `who` has open: the agreement, their notes. */
async function inTheMeeting(who: PartyName) {
	const { meeting, session } = await draftingCase(server, cleanups);
	const open = (name: string) => {
		const client = new CollabClient(server.url, name, credentialsOf(partyActor(meeting, who)));
		cleanups.push(() => client.destroy());
		return client;
	};
	const draft = open(agreementDocName(session.agreementId));
	const notes = open(notesDocName(meeting.caseId, meeting.parties[who].id));
	await Promise.all([draft.synced(), notes.synced()]);
	return { meeting, session, draft, notes };
}

async function letGo(
	{ session, draft, notes }: { session: DraftingSession; draft: CollabClient; notes: CollabClient },
	who: PartyName
) {
	const socket = session.parties[who].socket;
	await vi.waitFor(() => expect(socket.connected).toBe(false));
	await vi.waitFor(() => {
		expect(draft.closes.map((c) => c.code)).toEqual([COLLAB_CLOSE.accessEnded]);
		expect(notes.closes.map((c) => c.code)).toEqual([COLLAB_CLOSE.accessEnded]);
	});
}

const invitationOf = async (meeting: MeetingFixture, who: PartyName) =>
	(
		await server.deps.db
			.select()
			.from(invitations)
			.where(eq(invitations.partyId, meeting.parties[who].id))
	)[0]!;

describe('a link that stops working while in use', () => {
	it('revoked: its browser leaves the session and its documents, and its last edit is not kept', async () => {
		const inside = await inTheMeeting('offender');
		const { meeting, session, draft } = inside;
		const answer = await meeting.coordinatorHttp.action(
			`/staff/${meeting.slug}/cases/${meeting.caseId}?/revokeInvitation`,
			{ invitationId: (await invitationOf(meeting, 'offender')).id }
		);
		expect(answer.type).toBe('success');
		await letGo(inside, 'offender');
		// The session goes on without them: the next step reaches the others, not them.
		const seq = await session.mediator.do({ type: 'goToStep', step: 'signing' });
		await session.parties.victim.until((v) => v.seq >= seq);
		expect(session.parties.offender.view.seq).toBeLessThan(seq);
		// What the old browser types now reaches no one.
		const mediatorDraft = new CollabClient(
			server.url,
			agreementDocName(session.agreementId),
			credentialsOf(staffActor(meeting.mediatorHttp))
		);
		cleanups.push(() => mediatorDraft.destroy());
		await mediatorDraft.synced();
		draft.type('harm', ' REVOKED-EDIT');
		mediatorDraft.type('harm', ' AFTER');
		await vi.waitFor(() => expect(mediatorDraft.text('harm')).toContain('AFTER'));
		expect(mediatorDraft.text('harm')).not.toContain('REVOKED-EDIT');
	});

	it('replaced by a new link: the old browser is let go', async () => {
		const inside = await inTheMeeting('victim');
		const { meeting } = inside;
		const answer = await meeting.coordinatorHttp.action(
			`/staff/${meeting.slug}/cases/${meeting.caseId}?/issueInvitation`,
			{ meetingId: meeting.meetingId, partyId: meeting.parties.victim.id }
		);
		expect(answer.type).toBe('success');
		await letGo(inside, 'victim');
	});

	it('the meeting ended: the documents close for the parties too', async () => {
		const { session, draft, notes } = await inTheMeeting('victim');
		await session.mediator.do({ type: 'endSession' });
		await vi.waitFor(() => {
			expect(draft.closes.map((c) => c.code)).toEqual([COLLAB_CLOSE.accessEnded]);
			expect(notes.closes.map((c) => c.code)).toEqual([COLLAB_CLOSE.accessEnded]);
		});
	});
});
