import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Identity } from '#lib/protocol/identity.ts';
import type { Result } from '#lib/protocol/result.ts';
import { addStaff, createCase, createProgram, daysFromNow, signIn } from '../helpers/fixtures.ts';
import { HttpClient, successData } from '../helpers/http.ts';
import { connect, connected, refusal, type TestSocket } from '../helpers/realtime.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/** The seam of the control plane: who is on a connection, decided from their session only. */

let server: TestServer;
let coordinator: HttpClient;
let otherProgram: HttpClient;
let otherMediator: HttpClient;
let slug: string;
let caseId: string;
let jointId: string;
let prepId: string;
let victimId: string;
let victimBrowser: HttpClient;
const open: TestSocket[] = [];

const hello = (socket: TestSocket) =>
	new Promise<Result<Identity>>((resolve) => socket.emit('hello', resolve));

async function meeting(fields: Record<string, string>) {
	const result = await coordinator.action(`/staff/${slug}/cases/${caseId}?/createMeeting`, fields);
	return successData<{ meetingCreated: string }>(result).meetingCreated;
}

beforeAll(async () => {
	server = await startTestServer();
	const program = await createProgram(server.deps);
	slug = program.slug;
	coordinator = await signIn(server.url, await addStaff(server.deps, program.id, 'coordinator'));
	otherMediator = await signIn(server.url, await addStaff(server.deps, program.id, 'mediator'));
	const other = await createProgram(server.deps);
	otherProgram = await signIn(server.url, await addStaff(server.deps, other.id, 'admin'));
	caseId = await createCase(coordinator, slug);
	const people = await server.deps.db.query.parties.findMany({
		where: (p, { eq }) => eq(p.caseId, caseId)
	});
	victimId = people.find((p) => p.role === 'victim')!.id;
	jointId = await meeting({ kind: 'joint', scheduledAt: daysFromNow(2) });
	prepId = await meeting({ kind: 'preparation', partyId: victimId, scheduledAt: daysFromNow(1) });
	const issued = await coordinator.action(`/staff/${slug}/cases/${caseId}?/issueInvitation`, {
		meetingId: jointId,
		partyId: victimId
	});
	const url = successData<{ issued: { url: string } }>(issued).issued.url;
	victimBrowser = new HttpClient(server.url);
	await victimBrowser.page(new URL(url).pathname);
});

afterAll(async () => {
	for (const socket of open) socket.close();
	await server?.close();
});

describe('a realtime connection', () => {
	it("answers hello with the party's identity, from the cookie their link left", async () => {
		const socket = await connected(
			connect(server.url, { cookie: victimBrowser.cookieHeader, meetingId: jointId, as: 'party' })
		);
		open.push(socket);
		const result = await hello(socket);
		expect(result).toEqual({
			ok: true,
			value: {
				kind: 'party',
				partyId: victimId,
				meetingId: jointId,
				displayName: 'Vera Victim',
				role: 'victim'
			}
		});
	});

	it("answers hello with a staff member's identity and role when they may see the case", async () => {
		const socket = await connected(
			connect(server.url, { cookie: coordinator.cookieHeader, meetingId: jointId, as: 'staff' })
		);
		open.push(socket);
		const result = await hello(socket);
		expect(result).toMatchObject({ ok: true, value: { kind: 'staff', role: 'coordinator' } });
	});

	it("does not let a party's link for one meeting into another meeting", async () => {
		expect(
			await refusal(
				connect(server.url, { cookie: victimBrowser.cookieHeader, meetingId: prepId, as: 'party' })
			)
		).toBe('unauthenticated');
	});

	it('refuses a browser without a session, staff of another program, and a mediator not on the case', async () => {
		expect(await refusal(connect(server.url, { meetingId: jointId, as: 'party' }))).toBe(
			'unauthenticated'
		);
		expect(await refusal(connect(server.url, { meetingId: jointId, as: 'staff' }))).toBe(
			'unauthenticated'
		);
		for (const client of [otherProgram, otherMediator])
			expect(
				await refusal(
					connect(server.url, { cookie: client.cookieHeader, meetingId: jointId, as: 'staff' })
				)
			).toBe('unauthenticated');
		// A party cookie is not a staff session, nor the other way round.
		expect(
			await refusal(
				connect(server.url, { cookie: victimBrowser.cookieHeader, meetingId: jointId, as: 'staff' })
			)
		).toBe('unauthenticated');
	});

	it('refuses a stale client version and a malformed handshake with a code it can act on', async () => {
		expect(
			await refusal(
				connect(server.url, {
					cookie: victimBrowser.cookieHeader,
					meetingId: jointId,
					as: 'party',
					protocol: 999
				})
			)
		).toBe('protocol_mismatch');
		for (const auth of [
			{},
			{ protocol: 1, meetingId: 'not-a-uuid', as: 'party' },
			{ protocol: '1', meetingId: jointId, as: 'party' },
			{ protocol: 1, meetingId: jointId, as: 'admin' }
		])
			expect(await refusal(connect(server.url, { meetingId: jointId, as: 'party', auth }))).toBe(
				'invalid_input'
			);
	});

	it('refuses a page of another site that tries to use the cookies', async () => {
		const result = await refusal(
			connect(server.url, {
				cookie: victimBrowser.cookieHeader,
				meetingId: jointId,
				as: 'party',
				origin: 'https://evil.example'
			})
		);
		expect(result).not.toBe('connected');
	});

	it('stops accepting a party once their link is revoked', async () => {
		const invitation = await server.deps.db.query.invitations.findFirst({
			where: (i, { and, eq, isNull }) => and(eq(i.meetingId, jointId), isNull(i.revokedAt))
		});
		await coordinator.action(`/staff/${slug}/cases/${caseId}?/revokeInvitation`, {
			invitationId: invitation!.id
		});
		expect(
			await refusal(
				connect(server.url, { cookie: victimBrowser.cookieHeader, meetingId: jointId, as: 'party' })
			)
		).toBe('unauthenticated');
	});
});
