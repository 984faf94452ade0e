import { eq } from 'drizzle-orm';
import { parties } from '#lib/server/db/schema.ts';
import { markPrepared } from '#lib/server/preparation/mark-prepared.ts';
import type { MediatorView, PartyView } from '#lib/protocol/session-view.ts';
import {
	addStaff,
	createCase,
	createProgram,
	daysFromNow,
	referralFields,
	signIn,
	type StaffLogin
} from './fixtures.ts';
import { HttpClient, successData } from './http.ts';
import type { TestServer } from './server.ts';
import { SessionClient } from './session-client.ts';

export type PartyName = 'victim' | 'offender' | 'guardian';

export interface MeetingFixture {
	slug: string;
	caseId: string;
	meetingId: string;
	mediator: StaffLogin;
	mediatorHttp: HttpClient;
	coordinatorHttp: HttpClient;
	/** Each party's id and a browser that opened their link (holding its cookie). */
	parties: Record<PartyName, { id: string; http: HttpClient; path: string }>;
	/** The victim's support person, when asked for (`{ support: true }`). */
	support?: { id: string; http: HttpClient; path: string };
}

/**
 * A joint session ready to run: a case with a victim, a juvenile offender and their guardian,
 * an assigned mediator, and each party's link opened in their own browser. With `support`,
 * the victim also brings a support person (who has a link too).
 */
export async function jointMeeting(
	server: TestServer,
	options: { support?: boolean; prepared?: boolean } = {}
): Promise<MeetingFixture> {
	const program = await createProgram(server.deps);
	const coordinatorHttp = await signIn(
		server.url,
		await addStaff(server.deps, program.id, 'coordinator')
	);
	const mediator = await addStaff(server.deps, program.id, 'mediator', 'Dana Mediator');
	const mediatorHttp = await signIn(server.url, mediator);
	const caseId = await createCase(
		coordinatorHttp,
		program.slug,
		referralFields(
			options.support
				? {
						'parties.3.role': 'support',
						'parties.3.displayName': 'Sam Support',
						'parties.3.accompanies': '0'
					}
				: {}
		)
	);
	// The case has been prepared (screened, consent, preparation meetings): the gate is open.
	if (options.prepared !== false)
		await markPrepared(server.deps.db, caseId, new Date(Date.now() - 86_400_000));
	const base = `/staff/${program.slug}/cases/${caseId}`;
	successData(
		await coordinatorHttp.action(`${base}?/assignMediator`, { mediatorUserId: mediator.userId })
	);
	const { meetingCreated: meetingId } = successData<{ meetingCreated: string }>(
		await coordinatorHttp.action(`${base}?/createMeeting`, {
			kind: 'joint',
			scheduledAt: daysFromNow(1)
		})
	);
	const rows = await server.deps.db.select().from(parties).where(eq(parties.caseId, caseId));
	const byRole = (role: PartyName | 'support') => rows.find((p) => p.role === role)!;
	const entries = await Promise.all(
		(
			['victim', 'offender', 'guardian', ...(options.support ? ['support' as const] : [])] as const
		).map(async (role) => {
			const { issued } = successData<{ issued: { url: string } }>(
				await coordinatorHttp.action(`${base}?/issueInvitation`, {
					meetingId,
					partyId: byRole(role).id
				})
			);
			const http = new HttpClient(server.url);
			const path = new URL(issued.url).pathname;
			await http.page(path);
			return [role, { id: byRole(role).id, http, path }] as const;
		})
	);
	const { support, ...named } = Object.fromEntries(entries) as MeetingFixture['parties'] & {
		support?: MeetingFixture['support'];
	};
	return {
		slug: program.slug,
		caseId,
		meetingId,
		mediator,
		mediatorHttp,
		coordinatorHttp,
		parties: named,
		...(support ? { support } : {})
	};
}

export async function joinAsMediator(
	server: TestServer,
	meeting: MeetingFixture,
	http = meeting.mediatorHttp
) {
	const client = new SessionClient<MediatorView>(server.url, {
		cookie: http.cookieHeader,
		meetingId: meeting.meetingId,
		as: 'staff'
	});
	await client.connected();
	await client.until(() => true);
	return client;
}

export async function joinAsParty(server: TestServer, meeting: MeetingFixture, who: PartyName) {
	const client = new SessionClient<PartyView>(server.url, {
		cookie: meeting.parties[who].http.cookieHeader,
		meetingId: meeting.meetingId,
		as: 'party'
	});
	await client.connected();
	await client.until(() => true);
	return client;
}
