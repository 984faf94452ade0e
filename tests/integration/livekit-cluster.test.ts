/**
 * LiveKit in a cluster — CONTRACT TESTS AT THE HTTP BOUNDARY.
 *
 * No LiveKit server can run on these machines (see livekit-contract.test.ts). Two real Mend
 * processes (`node server/index.ts`, built app) serve one deployment — a PostgreSQL database
 * and a Redis key prefix of this file's own — in LiveKit mode against one local stub of
 * LiveKit's RoomService (tests/helpers/livekit-stub.ts), which each process reaches at an
 * address of its own: every RoomService call is known by the process that made it. The stub
 * also sends the webhooks LiveKit would, signed as LiveKit signs them.
 *
 * What a victim would notice: the process not holding their case never breaks up the room
 * they share with the offender (its sweeps, a webhook about the room); a stranger who joins
 * that room with a leaked token is removed, whichever process LiveKit told of it; and when the
 * process holding the case is killed, the room it left behind — the two still in it, hearing
 * each other — is gone before the survivor hands anyone a token, and everyone is seated again
 * in a room the survivor created.
 *
 * NOT covered here (needs a real LiveKit): that deleting a room disconnects everyone in it
 * (the stub only forgets them), nor which webhooks LiveKit sends when.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ParticipantInfo, ParticipantInfo_State, Room, WebhookEvent } from '@livekit/protocol';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { deploymentTag, roomMetadata } from '#server/media/livekit-deployment.ts';
import { NO_PERMISSION, RECONCILE_INTERVAL_MS } from '#server/media/livekit.ts';
import type { MediaUpdate } from '#lib/protocol/media.ts';
import type { MediatorView, PartyView } from '#lib/protocol/session-view.ts';
import { createPostgresDatabase, type TestDatabase } from '../helpers/database.ts';
import { demoMediator, freePort, openDemoLink } from '../helpers/demo-mend.ts';
import { testEnv } from '../helpers/env.ts';
import { LiveKitStub, type StubMethod } from '../helpers/livekit-stub.ts';
import { postgresFor } from '../helpers/postgres.ts';
import { spawnMend, type SpawnedMend } from '../helpers/process.ts';
import { forgetRedisKeys, redisFor, testRedisPrefix } from '../helpers/redis.ts';
import { TEST_AUTH_SECRET } from '../helpers/server.ts';
import { SessionClient } from '../helpers/session-client.ts';

/** CI runs the processes in its PostgreSQL pass only; a developer's run always. */
const postgresPass = !testEnv.inCi || Boolean(testEnv.databaseUrl);
const clustered = postgresPass && (await postgresFor('server')) && (await redisFor());

const RUNNING = /Mend is running at (\S+)/;
/** How long a process may take to start serving on a busy machine. */
const STARTING = 120_000;
/** How long a view or a token may take on a busy machine. */
const PATIENT = 20_000;

/** One process of the deployment, serving. */
interface Member {
	mend: SpawnedMend;
	url: string;
	/** Its id in the cluster (cluster_processes), which the rooms it creates carry. */
	processId: number;
	/** The stub's address it was given: the calls it makes come there. */
	livekit: string;
}

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
	for (const cleanup of cleanups.reverse())
		await Promise.resolve()
			.then(cleanup)
			.catch((error: unknown) => console.warn('livekit-cluster.test.ts clean-up:', error));
});

const roomOf = (update: MediaUpdate | undefined) =>
	update?.transport?.kind === 'livekit' ? update.transport.roomName : null;

/** LiveKit telling Mend that `identity` joined `room` (as LiveKit holds it, or name only). */
function joined(room: Room, identity: string): WebhookEvent {
	return new WebhookEvent({
		event: 'participant_joined',
		id: `EV_${identity}_${Date.now()}`,
		createdAt: BigInt(Math.floor(Date.now() / 1000)),
		room,
		participant: new ParticipantInfo({
			sid: `PA_${identity}`,
			identity,
			state: ParticipantInfo_State.ACTIVE
		})
	});
}

describe.skipIf(!clustered)('LiveKit rooms of a cluster of Mend processes', () => {
	let stub: LiveKitStub;
	let database: TestDatabase;
	let db: pg.Client;
	let env: Record<string, string>;
	let holder: Member;
	let other: Member;
	let meetingId: string;
	let cookies: { mediator: string; victim: string; offender: string };
	let ids: { victim: string; offender: string };
	/** The joint room the holder created, the victim and the offender in it. */
	let joint: string;
	/** The offender's first connection, to the holder itself. */
	let offenderOnHolder: SessionClient<PartyView>;

	const query = async <R>(sql: string, params: unknown[] = []) =>
		(await db.query(sql, params)).rows as R[];

	/** A process of the deployment, once it serves, reaching LiveKit at `livekit`. */
	async function serve(livekit: string, seed: boolean): Promise<Member> {
		const port = await freePort();
		const mend = spawnMend({
			...env,
			PORT: String(port),
			SEED_DEMO: String(seed),
			LIVEKIT_URL: livekit
		});
		cleanups.push(() => mend.stop('SIGKILL'));
		const url = (await mend.waitFor(RUNNING, STARTING))[1]!;
		const [row] = await query<{ id: number }>(
			'select id from cluster_processes where address like $1',
			[`%:${port}`]
		);
		expect(row, `process on port ${port} in cluster_processes`).toBeDefined();
		return { mend, url, processId: row!.id, livekit };
	}

	/** A browser's live-session connection, closed at the end. */
	function connect<V extends MediatorView | PartyView>(
		url: string,
		cookie: string,
		as: 'party' | 'staff'
	) {
		const client = new SessionClient<V>(url, { cookie, meetingId, as });
		cleanups.push(() => client.close());
		return client;
	}

	/** The process holding the meeting's case now, as the database says. */
	const holderOfCase = async () =>
		(
			await query<{ process_id: number }>(
				`select o.process_id from meetings m join case_owners o on o.case_id = m.case_id
				 where m.id = $1`,
				[meetingId]
			)
		).map((row) => row.process_id);

	/** The RoomService calls of `method` that `member` made. */
	const callsVia = <M extends StubMethod>(member: Member, method: M) =>
		stub.callsOf(method).filter((call) => call.via === member.livekit);
	const metadataOf = (room: string) =>
		JSON.parse(stub.rooms.get(room)?.metadata ?? 'null') as Record<string, unknown> | null;

	beforeAll(async () => {
		stub = await new LiveKitStub().start();
		cleanups.push(() => stub.stop());
		database = await createPostgresDatabase(testEnv.postgresUrl);
		cleanups.push(() => database.drop());
		const prefix = testRedisPrefix();
		cleanups.push(() => forgetRedisKeys(prefix));
		const databaseUrl = (database.config as { url: string }).url;
		db = new pg.Client({ connectionString: databaseUrl });
		db.on('error', () => {});
		await db.connect();
		cleanups.push(() => db.end());
		env = {
			DATABASE_URL: databaseUrl,
			REDIS_URL: testEnv.redisServerUrl,
			REDIS_KEY_PREFIX: prefix,
			AUTH_SECRET: TEST_AUTH_SECRET,
			LIVEKIT_API_KEY: stub.apiKey,
			LIVEKIT_API_SECRET: stub.apiSecret,
			LOG_LEVEL: 'warn'
		};

		// Alone at first: it seeds the demo, and the meeting's case is its own.
		holder = await serve(stub.url, true);
		const links = Object.fromEntries(
			[...holder.mend.output().matchAll(/^\s+(victim|offender)\s.*?(http:\/\/\S+)$/gm)].map((m) => [
				m[1],
				new URL(m[2]!).pathname
			])
		) as Record<'victim' | 'offender', string>;
		const staff = await demoMediator(holder.url);
		const victim = await openDemoLink(holder.url, links.victim);
		const offender = await openDemoLink(holder.url, links.offender);
		meetingId = victim.meetingId;
		cookies = {
			mediator: staff.cookieHeader,
			victim: victim.http.cookieHeader,
			offender: offender.http.cookieHeader
		};
		const mediator = await connect<MediatorView>(holder.url, cookies.mediator, 'staff').connected();
		const parties = {
			victim: await connect<PartyView>(holder.url, cookies.victim, 'party').connected(),
			offender: await connect<PartyView>(holder.url, cookies.offender, 'party').connected()
		};
		await mediator.until((v) => v.participants.filter((p) => p.present).length === 3, PATIENT);
		const idOf = (role: string) => mediator.view.participants.find((p) => p.role === role)!.id;
		ids = { victim: idOf('victim'), offender: idOf('offender') };
		await mediator.do({ type: 'startSession' });
		for (const role of ['victim', 'offender'] as const) {
			await mediator.do({ type: 'admit', participantId: ids[role] });
			await parties[role].until((v) => v.place.kind === 'joint', PATIENT);
		}
		offenderOnHolder = parties.offender;
		joint = roomOf(await parties.victim.mediaUntil((u) => roomOf(u) !== null, PATIENT))!;
		expect(roomOf(await parties.offender.mediaUntil((u) => roomOf(u) === joint, PATIENT))).toBe(
			joint
		);
		// Connected to LiveKit, they hear each other.
		stub.present.set(joint, [ids.victim, ids.offender]);
		expect(await holderOfCase()).toEqual([holder.processId]);
	}, 240_000);

	it('the other process leaves the holder’s room alone: its start-up sweep, a connection it forwards, a webhook about the room change nothing', async () => {
		// The room names its creator beside the deployment.
		expect(metadataOf(joint)).toEqual(
			JSON.parse(
				roomMetadata(
					deploymentTag({ publicUrl: undefined, database: database.config }),
					holder.processId
				)
			)
		);
		expect(callsVia(holder, 'CreateRoom').map((c) => c.body.name)).toContain(joint);

		// Started once the room exists: its first sweep lists it.
		other = await serve(await stub.anotherAddress(), false);
		await vi.waitFor(
			() => expect(callsVia(other, 'ListRooms').some((c) => c.body.names.length === 0)).toBe(true),
			{ timeout: PATIENT }
		);

		// The offender's browser, reloaded, reaches the other process: forwarded to the holder,
		// which seats them in its room again; the other process creates none.
		offenderOnHolder.close();
		const offender = await connect<PartyView>(other.url, cookies.offender, 'party').connected();
		await offender.until((v) => v.place.kind === 'joint', PATIENT);
		expect(roomOf(await offender.mediaUntil((u) => roomOf(u) !== null, PATIENT))).toBe(joint);
		expect(callsVia(other, 'CreateRoom')).toEqual([]);
		// In LiveKit again with that token.
		stub.present.set(joint, [ids.victim, ids.offender]);

		// LiveKit tells the other process that the victim (re)joined: it is not its room.
		expect(
			await stub.sendWebhook(other.url, joined(stub.rooms.get(joint)!.clone(), ids.victim))
		).toBe(200);
		// Time for a deletion the sweep or the webhook would have made.
		await sleep(1000);

		expect(stub.callsOf('DeleteRoom')).toEqual([]);
		expect(stub.rooms.has(joint)).toBe(true);
		expect(stub.present.get(joint)).toEqual([ids.victim, ids.offender]);
		expect(stub.callsOf('RemoveParticipant').filter((c) => c.body.identity === ids.victim)).toEqual(
			[]
		);
		expect(await holderOfCase()).toEqual([holder.processId]);
	}, 180_000);

	it('a stranger who joins their room is removed by the holder, though LiveKit told the other process', async () => {
		const stranger = 'someone-with-a-leaked-token';
		stub.present.set(joint, [...stub.present.get(joint)!, stranger]);
		// A webhook's copy of the room without its metadata: the other process looks it up.
		const event = joined(new Room({ sid: `RM_${joint}`, name: joint }), stranger);
		expect(await stub.sendWebhook(other.url, event)).toBe(200);

		// By the time LiveKit has its answer: stripped of every permission, then removed.
		const theirs = (c: { body: { room: string; identity: string } }) =>
			c.body.room === joint && c.body.identity === stranger;
		const revoked = stub.callsOf('UpdateParticipant').find(theirs);
		const removed = stub.callsOf('RemoveParticipant').find(theirs);
		expect(revoked?.body.permission).toMatchObject({ ...NO_PERMISSION, canPublishSources: [] });
		expect(removed).toBeDefined();
		expect(stub.calls.indexOf(removed!)).toBeGreaterThan(stub.calls.indexOf(revoked!));
		// By the holder; the other process only looked the room up.
		expect(revoked!.via).toBe(holder.livekit);
		expect(removed!.via).toBe(holder.livekit);
		expect(callsVia(other, 'ListRooms').map((c) => c.body.names)).toContainEqual([joint]);
		expect(stub.calls.filter((c) => c.via === other.livekit && c.method !== 'ListRooms')).toEqual(
			[]
		);
		expect(stub.present.get(joint)).toEqual([ids.victim, ids.offender]);
		expect(stub.rooms.has(joint)).toBe(true);

		// LiveKit delivers at least once: the same event again changes nothing.
		const calls = stub.calls.length;
		expect(await stub.sendWebhook(other.url, event)).toBe(200);
		expect(stub.calls.slice(calls).filter((c) => c.method !== 'ListRooms')).toEqual([]);
	}, 60_000);

	/**
	 * Every token the survivor hands out once the holder is killed, and which of the dead
	 * process's rooms still existed then.
	 */
	const tokens: { who: string; room: string; oldRoomsLeft: string[]; at: number }[] = [];
	/** When the dead process's rooms were seen gone. */
	let oldRoomsGoneAt = 0;

	it(
		'the holder killed, the survivor seats everyone in a room of its own, and deletes the dead one’s room and the two in it',
		async () => {
			const oldRooms = callsVia(holder, 'CreateRoom')
				.map((c) => c.body.name)
				.filter((name) => stub.rooms.has(name));
			expect(oldRooms).toContain(joint);
			expect(stub.present.get(joint)).toEqual([ids.victim, ids.offender]);
			// LiveKit is slow to list its rooms: a token not waiting for a sweep would come first.
			stub.delays.set('ListRooms', 300);

			expect(await holder.mend.stop('SIGKILL')).toBeNull();
			// Their browsers come back, to the survivor.
			const back = <V extends MediatorView | PartyView>(
				who: keyof typeof cookies,
				as: 'party' | 'staff'
			) => {
				const client = connect<V>(other.url, cookies[who], as);
				const seen = (update: MediaUpdate | undefined) => {
					const room = roomOf(update);
					if (room)
						tokens.push({
							who,
							room,
							oldRoomsLeft: oldRooms.filter((r) => stub.rooms.has(r)),
							at: Date.now()
						});
				};
				client.socket.on('media', seen);
				client.socket.on('view', (_view: unknown, media?: MediaUpdate) => seen(media));
				return client.connected();
			};
			const mediator = await back<MediatorView>('mediator', 'staff');
			const parties = {
				victim: await back<PartyView>('victim', 'party'),
				offender: await back<PartyView>('offender', 'party')
			};
			await mediator.until(
				(v) => v.participants.filter((p) => p.present).length === 3 && v.separatedSince === null,
				PATIENT
			);
			expect(await holderOfCase()).toEqual([other.processId]);
			const seated = await Promise.all(
				Object.values(parties).map(async (party) => {
					await party.until((v) => v.place.kind === 'joint', PATIENT);
					const update = await party.mediaUntil(
						(u) => roomOf(u) !== null && !oldRooms.includes(roomOf(u)!),
						PATIENT
					);
					return roomOf(update)!;
				})
			);
			expect(new Set(seated).size).toBe(1);
			const [room] = seated as [string];
			// The new room is the survivor's, and says so.
			expect(metadataOf(room)?.mendProcess).toBe(other.processId);
			expect(callsVia(other, 'CreateRoom').map((c) => c.body.name)).toContain(room);
			// The dead process's rooms are deleted by the survivor — by its next sweep at the latest.
			await vi.waitFor(() => expect(oldRooms.filter((old) => stub.rooms.has(old))).toEqual([]), {
				timeout: RECONCILE_INTERVAL_MS + PATIENT,
				interval: 100
			});
			oldRoomsGoneAt = Date.now();
			expect(stub.present.has(joint)).toBe(false);
			expect(stub.callsOf('DeleteRoom').find((c) => c.body.room === joint)?.via).toBe(
				other.livekit
			);
			expect(stub.rooms.has(room)).toBe(true);
		},
		RECONCILE_INTERVAL_MS + 180_000
	);

	it('… and does so before it hands any of them a token: the victim and the offender are never in two rooms at once', () => {
		expect(tokens.length).toBeGreaterThanOrEqual(2);
		for (const token of tokens)
			expect(
				token.oldRoomsLeft,
				`${token.who}'s token, ${oldRoomsGoneAt - token.at} ms before the old rooms were gone`
			).toEqual([]);
	});
});
