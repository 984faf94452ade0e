import { eq } from 'drizzle-orm';
import { notifications, parties } from '#lib/server/db/schema.ts';
import { HttpClient, successData } from './http.ts';
import { addStaff, createCase, createProgram, daysFromNow, signIn } from './fixtures.ts';
import type { TestServer } from './server.ts';

/** Shared by the outbox's tests: a case with a meeting, and the messages of its parties. */

/** A program's case with a joint meeting in three days, and its coordinator signed in. */
export interface Setup {
	server: TestServer;
	program: Awaited<ReturnType<typeof createProgram>>;
	coordinator: HttpClient;
	coordinatorEmail: string;
	caseId: string;
	meetingId: string;
	partyIds: Record<string, string>;
}

/** Creates the program, its coordinator, the case and its meeting on `server`. */
export async function setUp(server: TestServer): Promise<Setup> {
	const program = await createProgram(server.deps);
	const login = await addStaff(server.deps, program.id, 'coordinator');
	const coordinator = await signIn(server.url, login);
	const caseId = await createCase(coordinator, program.slug);
	const created = await coordinator.action(
		`/staff/${program.slug}/cases/${caseId}?/createMeeting`,
		{
			kind: 'joint',
			scheduledAt: daysFromNow(3),
			durationMinutes: 90
		}
	);
	const meetingId = successData<{ meetingCreated: string }>(created).meetingCreated;
	const rows = await server.deps.db.select().from(parties).where(eq(parties.caseId, caseId));
	return {
		server,
		program,
		coordinator,
		coordinatorEmail: login.email,
		caseId,
		meetingId,
		partyIds: Object.fromEntries(rows.map((p) => [p.displayName, p.id]))
	};
}

/** Issues a party's link to the meeting; returns its URL. */
export async function issue(s: Setup, partyName: string, withAccessCode = false) {
	const result = await s.coordinator.action(
		`/staff/${s.program.slug}/cases/${s.caseId}?/issueInvitation`,
		{ meetingId: s.meetingId, partyId: s.partyIds[partyName], withAccessCode }
	);
	return successData<{ issued: { url: string } }>(result).issued.url;
}

/** A party's notifications, as stored. */
export const ofParty = (s: Setup, partyName: string) =>
	s.server.deps.db
		.select()
		.from(notifications)
		.where(eq(notifications.partyId, s.partyIds[partyName]));
