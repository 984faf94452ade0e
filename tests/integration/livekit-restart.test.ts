import { afterAll, describe, expect, it } from 'vitest';
import type { MediaUpdate } from '#lib/protocol/media.ts';
import type { MediatorView, PartyView } from '#lib/protocol/session-view.ts';
import { demoMediator, openDemoLink, startDemoMend, type DemoMend } from '../helpers/demo-mend.ts';
import { LiveKitStub } from '../helpers/livekit-stub.ts';
import { SessionClient } from '../helpers/session-client.ts';

/**
 * Mend in LiveKit mode (LiveKit's RoomService as a stub: no LiveKit server can run here) is
 * killed (SIGKILL) with a victim and an offender in the joint room, and started again on the
 * same database. LiveKit kept the dead process's rooms, and the two in one of them; the new
 * process deletes those rooms before anybody holds a token from it.
 */

let stub: LiveKitStub | undefined;
let demo: DemoMend | undefined;
const clients: { close(): void }[] = [];

afterAll(async () => {
	for (const client of clients) client.close();
	await demo?.close();
	await stub?.stop();
});

const roomOf = (update: MediaUpdate | undefined) =>
	update?.transport?.kind === 'livekit' ? update.transport.roomName : null;

describe('Mend restarted after a crash, in LiveKit mode', () => {
	it('deletes the dead process’s rooms, with the people in them, before it hands out a token', async () => {
		stub = await new LiveKitStub().start();
		demo = await startDemoMend('mend-livekit-restart-', {
			LIVEKIT_URL: stub.url,
			LIVEKIT_API_KEY: stub.apiKey,
			LIVEKIT_API_SECRET: stub.apiSecret
		});
		const { links, url } = demo;
		const staff = await demoMediator(url);
		const victimBrowser = await openDemoLink(url, links.victim);
		const offenderBrowser = await openDemoLink(url, links.offender);
		const { meetingId } = victimBrowser;
		const connect = <V extends MediatorView | PartyView>(cookie: string, as: 'party' | 'staff') => {
			const client = new SessionClient<V>(url, { cookie, meetingId, as, reconnection: true });
			clients.push(client);
			return client.connected();
		};
		const mediator = await connect<MediatorView>(staff.cookieHeader, 'staff');
		const parties = {
			victim: await connect<PartyView>(victimBrowser.http.cookieHeader, 'party'),
			offender: await connect<PartyView>(offenderBrowser.http.cookieHeader, 'party')
		};
		await mediator.until((v) => v.participants.filter((p) => p.present).length === 3);
		const idOf = (role: string) => mediator.view.participants.find((p) => p.role === role)!.id;
		await mediator.do({ type: 'startSession' });
		for (const role of ['victim', 'offender'] as const) {
			await mediator.do({ type: 'admit', participantId: idOf(role) });
			await parties[role].until((v) => v.place.kind === 'joint');
		}
		const joint = roomOf(await parties.offender.mediaUntil((u) => roomOf(u) !== null));
		expect(roomOf(await parties.victim.mediaUntil((u) => roomOf(u) === joint))).toBe(joint);
		const before = mediator.view;
		// Connected to LiveKit, they hear each other; that outlives Mend's process.
		stub.present.set(joint!, [idOf('victim'), idOf('offender')]);
		const oldRooms = [...stub.rooms.keys()];

		// Every token the next process hands out, and which old rooms still existed then.
		let crashed = false;
		const tokens: { who: string; room: string; oldRoomsLeft: string[] }[] = [];
		for (const [who, client] of Object.entries({ mediator, ...parties })) {
			const seen = (update: MediaUpdate | undefined) => {
				const room = roomOf(update);
				if (crashed && room)
					tokens.push({ who, room, oldRoomsLeft: oldRooms.filter((r) => stub!.rooms.has(r)) });
			};
			client.socket.on('media', seen);
			client.socket.on('view', (_view: unknown, media?: MediaUpdate) => seen(media));
		}
		// LiveKit is slow to list its rooms: a token not waiting for the sweep would come first.
		let answer = () => {};
		stub.delays.set('ListRooms', new Promise<void>((resolve) => (answer = resolve)));

		crashed = true;
		expect(await demo.process.stop('SIGKILL')).toBeNull();
		await demo.restart();
		// Everyone back, the mediator too, the sides together again in the joint room.
		await mediator.until(
			(v) =>
				v.seq > before.seq &&
				v.participants.filter((p) => p.present).length === 3 &&
				v.separatedSince === null,
			30_000
		);
		for (const party of Object.values(parties))
			await party.until((v) => v.seq > before.seq && v.place.kind === 'joint', 15_000);
		// Time enough for tokens to go out, had they not waited.
		await new Promise((resolve) => setTimeout(resolve, 1000));
		expect(tokens).toEqual([]);

		answer();
		for (const party of Object.values(parties))
			await party.mediaUntil((u) => roomOf(u) !== null && !oldRooms.includes(roomOf(u)!), 15_000);
		expect(tokens.length).toBeGreaterThanOrEqual(2);
		for (const token of tokens) expect(token.oldRoomsLeft, token.who).toEqual([]);
		for (const room of oldRooms) expect(stub.rooms.has(room), room).toBe(false);
		expect(stub.present.has(joint!)).toBe(false);
	}, 180_000);
});
