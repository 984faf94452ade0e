import { afterAll, afterEach, beforeEach } from 'vitest';
import { joinAsMediator, joinAsParty, jointMeeting, type MeetingFixture } from './meeting.ts';
import { startTestServer, type TestServer } from './server.ts';
import type { MediatorClient, PartyClient } from './session-client.ts';

/** A new meeting for each test, with its four people connected through real socket.io. */
export interface SeatedSession {
	server: TestServer;
	meeting: MeetingFixture;
	mediator: MediatorClient;
	victim: PartyClient;
	offender: PartyClient;
	guardian: PartyClient;
	/** Connections closed after each test (push any a test opens). */
	open: { close(): void }[];
}

/**
 * Registers the hooks of a file whose every test starts with a new meeting: one server for the
 * file; the mediator, the victim, the offender and the offender's guardian connected, each with
 * the credentials their own browser would hold. Read the fields inside tests.
 */
export function seatedSessions(): SeatedSession {
	const seated = { open: [] as { close(): void }[] } as SeatedSession;
	beforeEach(async () => {
		seated.server ??= await startTestServer();
		seated.meeting = await jointMeeting(seated.server);
		seated.mediator = await joinAsMediator(seated.server, seated.meeting);
		seated.victim = await joinAsParty(seated.server, seated.meeting, 'victim');
		seated.offender = await joinAsParty(seated.server, seated.meeting, 'offender');
		seated.guardian = await joinAsParty(seated.server, seated.meeting, 'guardian');
		seated.open.push(seated.mediator, seated.victim, seated.offender, seated.guardian);
	});
	afterEach(() => {
		for (const client of seated.open.splice(0)) client.close();
	});
	afterAll(() => seated.server?.close());
	return seated;
}

/** Starts the session and lets everyone in; everyone confirms taking part voluntarily. */
export async function everyoneInJointRoom({
	mediator,
	meeting,
	victim,
	offender,
	guardian
}: SeatedSession) {
	await mediator.do({ type: 'startSession' });
	for (const who of ['victim', 'offender', 'guardian'] as const)
		await mediator.do({ type: 'admit', participantId: meeting.parties[who].id });
	for (const party of [victim, offender, guardian]) {
		await party.until((v) => v.place.kind === 'joint');
		await party.do({ type: 'confirmVoluntary' });
	}
}
