/**
 * LiveKit integration — CONTRACT TESTS AT THE HTTP BOUNDARY.
 *
 * No LiveKit server can run on these machines (there is no npm or Debian package, and building
 * it needs Go modules this network cannot reach). These tests therefore check Mend's side of
 * the boundary against a local stub (tests/helpers/livekit-stub.ts) that verifies every
 * request's JWT with `TokenVerifier` and parses every body with `@livekit/protocol`, exactly as
 * LiveKit's RoomService would receive them; and they check the tokens Mend hands to browsers.
 *
 * NOT covered here (needs a real LiveKit): that LiveKit routes media as the tokens and
 * permissions say; that a permission change unpublishes a track; TURN; simulcast and adaptive
 * stream; end-to-end encryption in the browser; the browser engine's reconnection; that
 * deleting a room disconnects everyone in it (the stub only forgets them). The
 * browser-to-browser mode covers the session's media rules end to end (tests/e2e/media-p2p).
 */
import { createHash } from 'node:crypto';
import { AccessToken, TokenVerifier, TrackSource } from 'livekit-server-sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLiveKitBackend, type LiveKitBackend } from '#server/media/livekit.ts';
import { deploymentTag, roomMetadata } from '#server/media/livekit-deployment.ts';
import type { MediaUpdate } from '#lib/protocol/media.ts';
import { createLogger } from '#lib/server/log.ts';
import type { MediaAssignment } from '#lib/session/media-policy.ts';
import { HttpClient } from '../helpers/http.ts';
import { LiveKitStub } from '../helpers/livekit-stub.ts';
import {
	joinAsMediator,
	joinAsParty,
	jointMeeting,
	type MeetingFixture
} from '../helpers/meeting.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import type { MediatorClient, PartyClient } from '../helpers/session-client.ts';

let stub: LiveKitStub;
let server: TestServer;
let meeting: MeetingFixture;
let mediator: MediatorClient;
let victim: PartyClient;
let offender: PartyClient;
let verifier: TokenVerifier;

const lk = (update: MediaUpdate) => {
	if (update.transport?.kind !== 'livekit')
		throw new Error(`no LiveKit transport: ${JSON.stringify(update)}`);
	return update.transport;
};
const grantsOf = async (update: MediaUpdate) => verifier.verify(lk(update).token);

/** A webhook's Authorization, as LiveKit signs it: over the body's hash, with the API key. */
async function signed(body: string, secret = stub.apiSecret) {
	const token = new AccessToken(stub.apiKey, secret, { ttl: '5m' });
	token.sha256 = createHash('sha256').update(body).digest('base64');
	return token.toJwt();
}
const event = (id: string, room: string, identity: string) =>
	JSON.stringify({
		event: 'participant_joined',
		id,
		createdAt: String(Math.floor(Date.now() / 1000)),
		room: { sid: 'RM_1', name: room },
		participant: { sid: `PA_${identity}`, identity, state: 'ACTIVE' }
	});

beforeAll(async () => {
	stub = await new LiveKitStub().start();
	verifier = new TokenVerifier(stub.apiKey, stub.apiSecret);
	server = await startTestServer(
		{
			LIVEKIT_URL: stub.url,
			LIVEKIT_API_KEY: stub.apiKey,
			LIVEKIT_API_SECRET: stub.apiSecret,
			LIVEKIT_E2EE: 'true'
		},
		{ reconcileIntervalMs: 200 }
	);
	meeting = await jointMeeting(server);
	mediator = await joinAsMediator(server, meeting);
	victim = await joinAsParty(server, meeting, 'victim');
	offender = await joinAsParty(server, meeting, 'offender');
	await mediator.do({ type: 'startSession' });
});

afterAll(async () => {
	for (const client of [mediator, victim, offender]) client?.close();
	await server?.close();
	await stub?.stop();
});

describe('LiveKit tokens', () => {
	it('are given to no one in the waiting room', async () => {
		const waiting = await victim.mediaUntil((u) => u.seq > 0);
		expect(waiting.room).toBeNull();
		expect(waiting.transport).toBeNull();
	});

	it('are short-lived, for one room, with least privilege, per person', async () => {
		await mediator.do({ type: 'admit', participantId: meeting.parties.victim.id });
		const update = await victim.mediaUntil((u) => u.transport?.kind === 'livekit');
		const grants = await grantsOf(update);
		expect(grants.sub).toBe(meeting.parties.victim.id);
		expect(grants.name).toBe('Vera Victim');
		expect((grants.exp ?? 0) - (grants.nbf ?? 0)).toBe(5 * 60);
		expect(grants.video).toMatchObject({
			roomJoin: true,
			room: lk(update).roomName,
			canSubscribe: true,
			canPublish: true,
			canPublishData: false,
			canUpdateOwnMetadata: false
		});
		expect(grants.video?.canPublishSources?.sort()).toEqual(['camera', 'microphone']);
		for (const power of [
			'roomAdmin',
			'roomCreate',
			'roomList',
			'roomRecord',
			'recorder',
			'hidden'
		] as const)
			expect(grants.video?.[power] ?? false, power).toBe(false);
		// No key, secret or contact detail travels in the token.
		expect(JSON.stringify(grants)).not.toMatch(/secret|e2ee|@|\+1/i);
	});

	it('for the mediator: the same room, always allowed to speak and be seen, still no admin powers', async () => {
		const update = await mediator.mediaUntil((u) => u.transport?.kind === 'livekit');
		const grants = await grantsOf(update);
		expect(grants.sub).toBe(`staff:${meeting.mediator.userId}`);
		expect(grants.video?.room).toBe(
			lk(await victim.mediaUntil((u) => u.transport?.kind === 'livekit')).roomName
		);
		expect(grants.video?.canPublishSources?.sort()).toEqual(['camera', 'microphone']);
		expect(grants.video?.roomAdmin ?? false).toBe(false);
	});

	it('name rooms Mend created itself: fresh names, a participant cap, no recording', async () => {
		const update = await victim.mediaUntil((u) => u.transport?.kind === 'livekit');
		const [create] = stub.callsOf('CreateRoom').filter((c) => c.body.name === lk(update).roomName);
		expect(create.grants.video).toMatchObject({ roomCreate: true });
		expect(create.body).toMatchObject({
			emptyTimeout: 300,
			departureTimeout: 20,
			maxParticipants: 10
		});
		expect(create.body.egress).toBeUndefined();
		expect(lk(update).roomName).toMatch(/^mend-[0-9a-f]{12}-[0-9a-f]{12}$/);
		expect(lk(update).roomName).not.toContain(meeting.meetingId);
	});

	it('carry a per-room encryption key beside the token, never inside it', async () => {
		await mediator.do({ type: 'admit', participantId: meeting.parties.offender.id });
		const forVictim = lk(await victim.mediaUntil((u) => u.transport?.kind === 'livekit'));
		const forOffender = lk(await offender.mediaUntil((u) => u.transport?.kind === 'livekit'));
		expect(forOffender.roomName).toBe(forVictim.roomName);
		expect(Buffer.from(forVictim.e2eeKey ?? '', 'base64')).toHaveLength(32);
		expect(forOffender.e2eeKey).toBe(forVictim.e2eeKey);
		expect(forVictim.token).not.toContain(forVictim.e2eeKey);
	});
});

describe('the floor in LiveKit', () => {
	it('is applied with UpdateParticipant and the full permission object', async () => {
		const room = lk(await victim.mediaUntil((u) => u.transport?.kind === 'livekit')).roomName;
		// LiveKit would now report them present in the room.
		stub.present.set(room, [
			meeting.parties.victim.id,
			meeting.parties.offender.id,
			`staff:${meeting.mediator.userId}`
		]);
		await mediator.do({ type: 'setSpeakingMode', mode: 'moderated' });
		await mediator.do({ type: 'grantFloor', participantId: meeting.parties.victim.id });

		const updates = () => stub.callsOf('UpdateParticipant').filter((c) => c.body.room === room);
		const last = (identity: string) =>
			updates()
				.filter((c) => c.body.identity === identity)
				.at(-1);
		// The floor's update follows the one for the change of mode: wait for both.
		await vi.waitFor(() =>
			expect(last(meeting.parties.victim.id)?.body.permission?.canPublishSources).toHaveLength(2)
		);
		const victimPermission = last(meeting.parties.victim.id)!.body.permission!;
		const offenderPermission = last(meeting.parties.offender.id)!.body.permission!;
		// Every field set: an omitted canSubscribe would have cut their subscriptions.
		expect(victimPermission).toMatchObject({
			canSubscribe: true,
			canPublish: true,
			canPublishData: false,
			hidden: false
		});
		expect(victimPermission.canPublishSources.sort()).toEqual(
			[TrackSource.CAMERA, TrackSource.MICROPHONE].sort()
		);
		expect(offenderPermission).toMatchObject({ canSubscribe: true, canPublish: true });
		expect(offenderPermission.canPublishSources).toEqual([TrackSource.CAMERA]);
		expect(last(meeting.parties.victim.id)!.grants.video).toMatchObject({ roomAdmin: true, room });

		// New tokens say the same, should a browser reconnect.
		const offenderToken = await grantsOf(
			await offender.mediaUntil((u) => u.canSpeak === false && u.room !== null)
		);
		expect(offenderToken.video?.canPublishSources).toEqual(['camera']);
	});
});

describe('private rooms in LiveKit', () => {
	it('are separate rooms; the party leaves the joint room; the other side never gets a token for it', async () => {
		const joint = lk(await victim.mediaUntil((u) => u.transport?.kind === 'livekit')).roomName;
		await mediator.do({ type: 'openPrivateRoom', participantId: meeting.parties.victim.id });
		const caucus = lk(
			await victim.mediaUntil((u) => u.transport?.kind === 'livekit' && lk(u).roomName !== joint)
		);
		expect(caucus.roomName).not.toBe(joint);
		expect(stub.callsOf('CreateRoom').map((c) => c.body.name)).toContain(caucus.roomName);
		await expect
			.poll(() =>
				stub
					.callsOf('RemoveParticipant')
					.some((c) => c.body.room === joint && c.body.identity === meeting.parties.victim.id)
			)
			.toBe(true);
		expect((await verifier.verify(caucus.token)).video?.room).toBe(caucus.roomName);
		const offenderRooms = offender.media.flatMap((u) =>
			u.transport?.kind === 'livekit' ? [u.transport.roomName] : []
		);
		expect(offenderRooms).not.toContain(caucus.roomName);
		expect(caucus.e2eeKey).not.toBe(lk(offender.media.at(-1)!).e2eeKey);
	});
});

describe('leaving every room in LiveKit', () => {
	it('strips every permission, then removes: sent to the waiting room', async () => {
		const { id } = meeting.parties.offender;
		const room = lk(await offender.mediaUntil((u) => u.transport?.kind === 'livekit')).roomName;
		await mediator.do({ type: 'sendToWaiting', participantId: id });
		const theirs = (c: { body: { room: string; identity: string } }) =>
			c.body.room === room && c.body.identity === id;
		await vi.waitFor(() => expect(stub.callsOf('RemoveParticipant').some(theirs)).toBe(true));
		const removal = stub.calls.indexOf(stub.callsOf('RemoveParticipant').findLast(theirs)!);
		// A token LiveKit refreshes before the removal lands must carry no rights.
		const revoked = stub.callsOf('UpdateParticipant').filter(theirs).at(-1);
		expect(revoked && stub.calls.indexOf(revoked)).toBeLessThan(removal);
		expect(revoked?.body.permission).toMatchObject({ canSubscribe: false, canPublish: false });
		expect((await offender.mediaUntil((u) => u.transport === null)).transport).toBeNull();
		await mediator.do({ type: 'admit', participantId: id });
	});
});

describe('LiveKit webhooks', () => {
	async function post(body: string, authorization?: string) {
		const response = await new HttpClient(server.url).fetch('/api/livekit/webhook', {
			method: 'POST',
			body,
			headers: {
				'content-type': 'application/webhook+json',
				...(authorization ? { authorization } : {})
			}
		});
		return response.status;
	}

	it('are accepted when signed over the exact body, refused otherwise', async () => {
		const body = event('EV_ok', 'any-room', 'someone');
		expect(await post(body, await signed(body))).toBe(200);
		expect(await post(body.replace('someone', 'someone-else'), await signed(body))).toBe(401);
		expect(await post(body, await signed(body, 'a-different-secret-that-is-long-enough'))).toBe(
			401
		);
		expect(await post(body)).toBe(401);
	});

	it('remove someone who joined a room Mend did not assign them to, once per event', async () => {
		const joint = lk(await offender.mediaUntil((u) => u.transport?.kind === 'livekit')).roomName;
		// The victim, now in the private room, reuses an old token for the joint room.
		stub.present.set(joint, [...(stub.present.get(joint) ?? []), meeting.parties.victim.id]);
		const before = stub.callsOf('RemoveParticipant').length;
		const body = event('EV_intruder', joint, meeting.parties.victim.id);
		expect(await post(body, await signed(body))).toBe(200);
		const removals = stub.callsOf('RemoveParticipant').slice(before);
		expect(removals.map((c) => [c.body.room, c.body.identity])).toContainEqual([
			joint,
			meeting.parties.victim.id
		]);
		// First stripped of every permission (a refreshed token then carries none), then removed.
		const revoked = stub
			.callsOf('UpdateParticipant')
			.filter((c) => c.body.room === joint && c.body.identity === meeting.parties.victim.id)
			.at(-1)!;
		expect(revoked.body.permission).toMatchObject({
			canSubscribe: false,
			canPublish: false,
			canPublishData: false
		});
		expect(await post(body, await signed(body))).toBe(200);
		expect(stub.callsOf('RemoveParticipant').length).toBe(before + removals.length);
	});

	it('are backed by reconciliation: a missed webhook still ends with the intruder removed', async () => {
		const joint = lk(await offender.mediaUntil((u) => u.transport?.kind === 'livekit')).roomName;
		stub.present.set(joint, [...(stub.present.get(joint) ?? []), 'someone-with-a-stolen-token']);
		await expect
			.poll(
				() =>
					stub
						.callsOf('RemoveParticipant')
						.some((c) => c.body.identity === 'someone-with-a-stolen-token'),
				{
					timeout: 5000
				}
			)
			.toBe(true);
		expect(stub.callsOf('ListParticipants').some((c) => c.grants.video?.roomAdmin === true)).toBe(
			true
		);
	});
});

describe('ending the session', () => {
	it('deletes the LiveKit rooms it created', async () => {
		const created = new Set(stub.callsOf('CreateRoom').map((c) => c.body.name));
		await mediator.do({ type: 'endSession' });
		await expect
			.poll(() => new Set(stub.callsOf('DeleteRoom').map((c) => c.body.room)))
			.toEqual(created);
	});
});

/**
 * The process that serves dies (kill -9, its machine lost): its LiveKit rooms go on, with the
 * people in them, and the process that takes over knows nothing of them. Here a backend dies
 * as its process would — it is simply no longer used — and the next one is a new instance on
 * the same LiveKit, as the process taking over makes it. On a stub of their own, apart from
 * the server above and its reconciliation every 200 ms.
 */
describe('rooms left by a process that died', () => {
	let livekit: LiveKitStub;
	const started: LiveKitBackend[] = [];
	const here = { database: { kind: 'pglite-memory' } } as const;
	const DEPLOYMENT = deploymentTag({ ...here, publicUrl: 'https://mend.example.org' });
	const ELSEWHERE = deploymentTag({ ...here, publicUrl: 'https://staging.mend.example.org' });
	/** A room of the other deployment on the same LiveKit server, with people in it. */
	const THEIRS = 'mend-0123456789ab-0123456789ab';

	const newProcess = (reconcileIntervalMs?: number) => {
		const backend = createLiveKitBackend(
			{
				kind: 'livekit',
				url: livekit.url,
				apiKey: livekit.apiKey,
				apiSecret: livekit.apiSecret,
				e2ee: false,
				tokenTtlS: 300,
				iceServers: []
			},
			createLogger('silent'),
			{ deployment: DEPLOYMENT, reconcileIntervalMs }
		);
		started.push(backend);
		return backend;
	};
	const inRoom = (room: string): MediaAssignment => ({
		room,
		canSpeak: true,
		sendsVideo: true,
		audioOnly: false,
		peers: []
	});
	const roomOf = async (transport: ReturnType<LiveKitBackend['transportFor']>) => {
		const ready = await transport;
		if (ready?.kind !== 'livekit') throw new Error(`no LiveKit transport: ${String(ready)}`);
		return ready.roomName;
	};
	const deleted = () => livekit.callsOf('DeleteRoom').map((c) => c.body.room);
	const touched = (room: string) =>
		livekit.calls.filter(
			(c) => (c.body as { room?: string }).room === room && c.method !== 'ListRooms'
		);

	beforeAll(async () => {
		livekit = await new LiveKitStub().start();
	});
	afterEach(() => {
		// Stopped like a process that died: nothing of it runs on.
		for (const backend of started.splice(0)) backend.stop();
		livekit.delays.clear();
	});
	afterAll(async () => {
		await livekit?.stop();
	});

	it('carry the deployment’s tag, and keep their mend- names', async () => {
		const room = await roomOf(newProcess().transportFor('m0', 'victim', 'Vera', inRoom('joint')));
		const [create] = livekit.callsOf('CreateRoom').filter((c) => c.body.name === room);
		expect(create.body.metadata).toBe(roomMetadata(DEPLOYMENT));
		expect(room).toMatch(/^mend-/);
	});

	it('are deleted, with everyone in them, before the process taking over hands out its first token; another deployment’s room is left alone', async () => {
		const dead = newProcess();
		const joint = await roomOf(dead.transportFor('m1', 'victim', 'Vera', inRoom('joint')));
		await dead.transportFor('m1', 'offender', 'Otto', inRoom('joint'));
		const privateRoom = await roomOf(dead.transportFor('m2', 'victim2', 'Val', inRoom('p1')));
		// The victim and the offender stay connected to LiveKit, hearing each other.
		livekit.present.set(joint, ['victim', 'offender']);
		livekit.present.set(privateRoom, ['victim2']);
		livekit.seedRoom(THEIRS, roomMetadata(ELSEWHERE), ['someone', 'else']);
		livekit.seedRoom('standup', '', ['a colleague']);
		// LiveKit lists slowly: a token handed out without waiting for the sweep would come first.
		livekit.delays.set('ListRooms', 300);

		const next = newProcess();
		next.start();
		// The session, restored from its log, has separated them until the mediator is back.
		const first = await roomOf(next.transportFor('m1', 'victim', 'Vera', inRoom('p2')));

		// The moment the first token exists, the dead process's rooms are gone, and their people.
		expect(livekit.rooms.has(joint)).toBe(false);
		expect(livekit.present.has(joint)).toBe(false);
		expect(livekit.rooms.has(privateRoom)).toBe(false);
		expect(deleted()).toEqual(expect.arrayContaining([joint, privateRoom]));
		expect(first).not.toBe(joint);
		expect(livekit.rooms.has(first)).toBe(true);
		// Not ours: never deleted, nobody in them removed.
		for (const room of [THEIRS, 'standup']) {
			expect(livekit.rooms.has(room)).toBe(true);
			expect(touched(room)).toEqual([]);
		}
		expect(livekit.present.get(THEIRS)).toEqual(['someone', 'else']);
	});

	it('are left alone by a process standing by (it has not started serving)', async () => {
		const serving = newProcess();
		const room = await roomOf(serving.transportFor('m3', 'victim', 'Vera', inRoom('joint')));
		const listed = livekit.callsOf('ListRooms').length;
		newProcess(20);
		await new Promise((resolve) => setTimeout(resolve, 200));
		expect(livekit.callsOf('ListRooms').length).toBe(listed);
		expect(livekit.rooms.has(room)).toBe(true);
	});

	it('spare a room the process is creating when a sweep lists it', async () => {
		const serving = newProcess();
		await serving.reconcile();
		const creates = livekit.callsOf('CreateRoom').length;
		const lists = livekit.callsOf('ListRooms').length;
		// LiveKit has made the room; its answer is still on the way.
		let answer = () => {};
		livekit.delays.set('CreateRoom', new Promise<void>((resolve) => (answer = resolve)));
		const pending = roomOf(serving.transportFor('m4', 'victim', 'Vera', inRoom('joint')));
		await vi.waitFor(() => expect(livekit.callsOf('CreateRoom')).toHaveLength(creates + 1));
		const creating = livekit.callsOf('CreateRoom').at(-1)!.body.name;
		const reconciled = serving.reconcile();
		await vi.waitFor(() => expect(livekit.callsOf('ListRooms')).toHaveLength(lists + 1));
		answer();
		await reconciled;
		expect(await pending).toBe(creating);
		expect(livekit.rooms.has(creating)).toBe(true);
		expect(deleted()).not.toContain(creating);
	});

	it('are deleted when someone joins one (webhook); another deployment’s room is not touched', async () => {
		const serving = newProcess();
		const own = await roomOf(serving.transportFor('m5', 'victim', 'Vera', inRoom('joint')));
		// Left by a process that died after this one's sweep; no periodic sweep runs here.
		const orphan = 'mend-aaaaaaaaaaaa-bbbbbbbbbbbb';
		livekit.seedRoom(orphan, roomMetadata(DEPLOYMENT), ['victim9', 'offender9']);
		const joined = event('EV_orphan', orphan, 'offender9');
		expect(await serving.handleWebhook(joined, await signed(joined))).toBe('accepted');
		expect(livekit.rooms.has(orphan)).toBe(false);
		expect(livekit.present.has(orphan)).toBe(false);

		livekit.seedRoom(THEIRS, roomMetadata(ELSEWHERE), ['someone']);
		const calls = livekit.calls.length;
		const elsewhere = event('EV_theirs', THEIRS, 'someone-new');
		expect(await serving.handleWebhook(elsewhere, await signed(elsewhere))).toBe('accepted');
		expect(livekit.calls.slice(calls).filter((c) => c.method !== 'ListRooms')).toEqual([]);
		expect(livekit.present.get(THEIRS)).toEqual(['someone']);
		expect(livekit.rooms.has(own)).toBe(true);
	});

	it('are deleted by the periodic reconciliation', async () => {
		const serving = newProcess(50);
		serving.start();
		const own = await roomOf(serving.transportFor('m6', 'victim', 'Vera', inRoom('joint')));
		livekit.present.set(own, ['victim']);
		const orphan = 'mend-cccccccccccc-dddddddddddd';
		livekit.seedRoom(orphan, roomMetadata(DEPLOYMENT), ['victim9', 'offender9']);
		livekit.seedRoom(THEIRS, roomMetadata(ELSEWHERE), ['someone']);
		await vi.waitFor(() => expect(livekit.rooms.has(orphan)).toBe(false), { timeout: 3000 });
		expect(livekit.present.has(orphan)).toBe(false);
		expect(livekit.present.get(own)).toEqual(['victim']);
		expect(livekit.present.get(THEIRS)).toEqual(['someone']);
	});
});
