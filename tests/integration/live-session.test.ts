import { eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { auditEvents, invitations, meetings, victimChoices } from '#lib/server/db/schema.ts';
import { JOINT_ROOM_ID, type Live } from '#lib/session/index.ts';
import { HttpClient } from '../helpers/http.ts';
import { joinAsMediator, joinAsParty, type MeetingFixture } from '../helpers/meeting.ts';
import { everyoneInJointRoom as seatAll, seatedSessions } from '../helpers/seated-session.ts';
import type { TestServer } from '../helpers/server.ts';
import type { MediatorClient, PartyClient } from '../helpers/session-client.ts';

/**
 * The live session through real socket.io connections: a mediator, a victim, an offender and
 * the offender's guardian, each with the credentials their own browser would hold. Its log
 * (durable before shown, hash-chained): live-session-log.test.ts.
 */

const seated = seatedSessions();
let server: TestServer;
let meeting: MeetingFixture;
let mediator: MediatorClient;
let victim: PartyClient;
let offender: PartyClient;
let guardian: PartyClient;
const open = seated.open;
beforeEach(() => {
	({ server, meeting, mediator, victim, offender, guardian } = seated);
});

const locationOf = (client: MediatorClient, partyId: string) =>
	client.view.participants.find((p) => p.id === partyId)?.location;

const everyoneInJointRoom = () => seatAll(seated);

describe('a live session', () => {
	it('keeps everyone waiting until the mediator starts and admits them', async () => {
		expect(victim.view).toMatchObject({ status: 'not_started', place: { kind: 'waiting' } });
		expect(mediator.view.participants.map((p) => p.name).sort()).toEqual(
			['Dana Mediator', 'Gail Guardian', 'Otto Offender', 'Vera Victim'].sort()
		);
		await mediator.do({ type: 'startSession' });
		await victim.until((v) => v.status === 'live');
		expect(victim.view.place).toEqual({ kind: 'waiting' });
		await mediator.do({ type: 'admit', participantId: meeting.parties.victim.id });
		const inside = await victim.until((v) => v.place.kind === 'joint');
		expect(inside.place.kind === 'joint' && inside.place.people.map((p) => p.name).sort()).toEqual([
			'Dana Mediator',
			'Vera Victim'
		]);
		// The offender, still waiting, learns nothing of who is inside.
		await offender.until((v) => v.status === 'live');
		expect(JSON.stringify(offender.view)).not.toContain('Vera Victim');
		const [row] = await server.deps.db
			.select()
			.from(meetings)
			.where(eq(meetings.id, meeting.meetingId));
		expect(row.status).toBe('live');
	});

	it('runs the full agenda, the victim first, with moderated speaking and raised hands', async () => {
		await everyoneInJointRoom();
		for (const step of ['victim_account', 'offender_account', 'dialogue'] as const) {
			await mediator.do({ type: 'goToStep', step });
			await victim.until((v) => v.step === step);
			await offender.until((v) => v.step === step);
		}
		expect(victim.view.agenda.slice(1, 3)).toEqual(['victim_account', 'offender_account']);

		await mediator.do({ type: 'setSpeakingMode', mode: 'moderated' });
		await mediator.do({ type: 'grantFloor', participantId: meeting.parties.victim.id });
		await victim.until((v) => v.you.canSpeak);
		const heard = await offender.until(
			(v) => v.speaking?.mode === 'moderated' && v.speaking.floor?.name === 'Vera Victim'
		);
		expect(heard.you.canSpeak).toBe(false);

		await offender.do({ type: 'raiseHand' });
		await guardian.do({ type: 'raiseHand' });
		expect((await guardian.until((v) => v.you.queuePosition === 2)).you.queuePosition).toBe(2);
		await mediator.do({ type: 'grantFloor', participantId: meeting.parties.offender.id });
		await offender.until((v) => v.you.canSpeak);
		await victim.until((v) => !v.you.canSpeak);
		expect((await guardian.until((v) => v.you.queuePosition === 1)).you.queuePosition).toBe(1);

		for (const step of ['drafting', 'signing', 'closing'] as const)
			await mediator.do({ type: 'goToStep', step });
		await mediator.do({ type: 'endSession' });
		expect((await victim.until((v) => v.status === 'ended')).status).toBe('ended');
		const [row] = await server.deps.db
			.select()
			.from(meetings)
			.where(eq(meetings.id, meeting.meetingId));
		expect(row.status).toBe('ended');
		// The link now says the meeting ended.
		expect((await new HttpClient(server.url).page(meeting.parties.victim.path)).html).toContain(
			'data-reason="meeting_ended"'
		);
	});

	it('speaks in turns, with a timer everyone sees', async () => {
		await everyoneInJointRoom();
		await mediator.do({ type: 'setSpeakingMode', mode: 'turns', turnSeconds: 90 });
		const turns = await offender.until((v) => v.speaking?.mode === 'turns');
		expect(turns.speaking).toMatchObject({
			mode: 'turns',
			turnSeconds: 90,
			currentId: meeting.parties.victim.id
		});
		expect(turns.serverTime).toBeGreaterThan(0);
		await victim.do({ type: 'finishSpeaking' });
		const offenderTurn = await offender.until((v) => v.you.canSpeak);
		const { offender: o, victim: vi, guardian: g } = meeting.parties;

		// The mediator changes the agreed order mid-turn: the offender keeps the turn and its time.
		const reordered = await mediator.do({ type: 'setTurnOrder', order: [o.id, g.id, vi.id] });
		const seen = await victim.until((v) => v.seq >= reordered);
		expect(seen.speaking).toMatchObject({
			mode: 'turns',
			currentId: o.id,
			turnStartedAt: (offenderTurn.speaking as { turnStartedAt: number }).turnStartedAt
		});
		expect(seen.speaking?.mode === 'turns' && seen.speaking.order.map((p) => p.id)).toEqual([
			o.id,
			g.id,
			vi.id
		]);
		expect(await offender.send({ type: 'setTurnOrder', order: [o.id] })).toMatchObject({
			ok: false,
			error: { code: 'forbidden' }
		});

		// The offender needs longer: a minute more on everyone's timer, this turn only.
		const extended = await mediator.do({ type: 'extendTurn', seconds: 60 });
		const longer = await victim.until((v) => v.seq >= extended);
		expect(longer.speaking).toMatchObject({
			currentId: o.id,
			turnSeconds: 90,
			turnExtraSeconds: 60,
			turnStartedAt: (offenderTurn.speaking as { turnStartedAt: number }).turnStartedAt
		});
		expect(await offender.send({ type: 'extendTurn', seconds: 600 })).toMatchObject({
			ok: false,
			error: { code: 'forbidden' }
		});
		const next = await mediator.do({ type: 'nextTurn' });
		expect((await guardian.until((v) => v.seq >= next)).speaking).toMatchObject({
			currentId: g.id,
			turnSeconds: 90,
			turnExtraSeconds: 0
		});
		// Three minutes a turn from now on, the guardian's included; an untimed turn takes no more.
		const lengthened = await mediator.do({ type: 'setTurnLength', turnSeconds: 180 });
		expect((await victim.until((v) => v.seq >= lengthened)).speaking).toMatchObject({
			currentId: g.id,
			turnSeconds: 180
		});
		await mediator.do({ type: 'setTurnLength', turnSeconds: null });
		expect(await mediator.send({ type: 'extendTurn', seconds: 60 })).toMatchObject({
			ok: false,
			error: { code: 'conflict', message: 'These turns have no timer: set a length of turn first.' }
		});
	});

	it('opens a private room for the victim: the offender learns nothing of what is inside', async () => {
		await everyoneInJointRoom();
		await mediator.do({ type: 'openPrivateRoom', participantId: meeting.parties.victim.id });
		const room = (await victim.until((v) => v.place.kind === 'private')).place;
		await mediator.do({
			type: 'joinRoom',
			roomId: (locationOf(mediator, meeting.parties.victim.id) as { roomId: string }).roomId
		});
		const withMediator = await victim.until(
			(v) => v.place.kind === 'private' && v.place.people.some((p) => p.role === 'mediator')
		);
		expect(withMediator.place).toMatchObject({ kind: 'private', purpose: 'caucus' });
		expect(room.kind).toBe('private');

		const outside = await offender.until(
			(v) => v.place.kind === 'joint' && !v.place.people.some((p) => p.role === 'mediator')
		);
		expect(
			outside.place.kind === 'joint' && outside.place.people.map((p) => p.name).sort()
		).toEqual(['Gail Guardian', 'Otto Offender']);
		expect(JSON.stringify(offender.view)).not.toMatch(/Vera|caucus/);

		// Back to the joint room; the mediator closes the private room.
		await mediator.do({ type: 'joinRoom', roomId: JOINT_ROOM_ID });
		const caucus = mediator.view.rooms.find((r) => r.purpose === 'caucus')!;
		await mediator.do({ type: 'closeRoom', roomId: caucus.id });
		await victim.until((v) => v.place.kind === 'joint');
	});

	it('runs shuttle mediation: the sides never share a room, the mediator visits each', async () => {
		await everyoneInJointRoom();
		await mediator.do({ type: 'setArrangement', arrangement: 'shuttle' });
		await victim.until((v) => v.place.kind === 'private');
		await offender.until((v) => v.place.kind === 'private');
		const victimRoom = (locationOf(mediator, meeting.parties.victim.id) as { roomId: string })
			.roomId;
		const offenderRoom = (locationOf(mediator, meeting.parties.offender.id) as { roomId: string })
			.roomId;
		expect(victimRoom).not.toBe(offenderRoom);
		expect(locationOf(mediator, meeting.parties.guardian.id)).toEqual({
			kind: 'room',
			roomId: offenderRoom
		});
		expect(mediator.view.mode).toBe('shuttle');
		await mediator.do({ type: 'joinRoom', roomId: victimRoom });
		await victim.until((v) => v.place.kind === 'private' && v.place.people.length === 2);
		const refused = await mediator.send({
			type: 'moveParticipant',
			participantId: meeting.parties.offender.id,
			roomId: victimRoom
		});
		expect(refused).toMatchObject({ ok: false, error: { code: 'conflict' } });
	});

	it('takes a party out at once on "I need a break", tells the mediator, and no limit can stop it', async () => {
		await everyoneInJointRoom();
		// Exhaust the offender's command allowance first, from three tabs, 15 commands each: the
		// allowance (20 per 2 s) is the person's, not each tab's.
		const tabs = [offender];
		for (let i = 0; i < 2; i++) tabs.push(await joinAsParty(server, meeting, 'offender'));
		open.push(...tabs.slice(1));
		const flood = await Promise.all(
			tabs.flatMap((tab) => Array.from({ length: 15 }, () => tab.send({ type: 'lowerHand' })))
		);
		expect(flood.some((r) => !r.ok && r.error.code === 'rate_limited')).toBe(true);
		expect(await offender.send({ type: 'stepOut' })).toMatchObject({ ok: true });
		const alone = await offender.until((v) => v.place.kind === 'private');
		expect(alone.place).toMatchObject({ purpose: 'break', people: [{ name: 'Otto Offender' }] });
		const told = await mediator.until((v) => v.notices.some((n) => n.kind === 'break'));
		expect(told.notices).toMatchObject([
			{ kind: 'break', participantId: meeting.parties.offender.id }
		]);
		// Only the mediator brings them back (this connection is still over its allowance,
		// which a break does not count against); the party can say they are ready.
		expect(
			await offender.send({
				type: 'moveParticipant',
				participantId: meeting.parties.offender.id,
				roomId: JOINT_ROOM_ID
			})
		).toMatchObject({ ok: false });
		await new Promise((resolve) => setTimeout(resolve, 2100));
		await offender.do({ type: 'readyToReturn' });
		await mediator.until((v) => v.notices.some((n) => n.kind === 'ready_to_return'));
	});

	it('keeps a party on the break they took, even from a move that crossed it, until they say they are ready', async () => {
		await everyoneInJointRoom();
		const { id } = meeting.parties.offender;
		await mediator.do({ type: 'openPrivateRoom', participantId: id });
		await offender.until((v) => v.place.kind === 'private');
		// The mediator brings them back just as they tap "I need a break": the break holds.
		const back = { type: 'moveParticipant', participantId: id, roomId: JOINT_ROOM_ID } as const;
		const [stepped] = await Promise.all([offender.send({ type: 'stepOut' }), mediator.send(back)]);
		expect(stepped).toMatchObject({ ok: true });
		const resting = await offender.until(
			(v) => v.place.kind === 'private' && v.place.purpose === 'break'
		);
		expect(resting.you.onBreak).toBe('resting');
		expect(await mediator.send(back)).toMatchObject({
			ok: false,
			error: {
				code: 'conflict',
				message:
					'Otto Offender is taking a break, and comes back to the joint room once they say they are ready.'
			}
		});
		expect(mediator.view.participants.find((p) => p.id === id)?.onBreak).toBe('resting');
		await offender.do({ type: 'readyToReturn' });
		await mediator.until((v) => v.participants.find((p) => p.id === id)?.onBreak === 'ready');
		await mediator.do(back);
		expect((await offender.until((v) => v.place.kind === 'joint')).you.onBreak).toBeNull();
	});

	it('separates the parties in the same turn as the mediator’s disconnect, and restores them', async () => {
		await everyoneInJointRoom();
		await mediator.do({ type: 'setSpeakingMode', mode: 'moderated' });
		await offender.do({ type: 'raiseHand' });
		await mediator.do({ type: 'goToStep', step: 'dialogue' });
		const before = server.mend.realtime.sessions.current(meeting.meetingId) as Live;

		let seenAtDisconnect: Live | undefined;
		server.mend.realtime.io.once('connection', () => {});
		for (const socket of await server.mend.realtime.io.fetchSockets())
			if (socket.data.identity.kind === 'staff')
				// Runs right after Mend's own disconnect handler, in the same emit.
				server.mend.realtime.io.sockets.sockets.get(socket.id)?.on('disconnect', () => {
					seenAtDisconnect = structuredClone(
						server.mend.realtime.sessions.current(meeting.meetingId)
					) as Live;
				});
		mediator.close();
		const separated = await victim.until((v) => !v.mediatorPresent && v.place.kind === 'private');
		expect(separated.separated).toBe(true);
		expect(seenAtDisconnect).toBeDefined();
		const where = (id: string) => seenAtDisconnect!.participants[id].location;
		expect(where(meeting.parties.victim.id)).not.toEqual({ kind: 'room', roomId: JOINT_ROOM_ID });
		expect(where(meeting.parties.offender.id)).toEqual(where(meeting.parties.guardian.id));
		expect(where(meeting.parties.victim.id)).not.toEqual(where(meeting.parties.offender.id));
		await offender.until((v) => !v.mediatorPresent && v.place.kind === 'private');

		// The mediator comes back: everyone is where they were, nothing else changed.
		const back = await joinAsMediator(server, meeting);
		open.push(back);
		await victim.until((v) => v.mediatorPresent && v.place.kind === 'joint');
		await offender.until((v) => v.place.kind === 'joint' && v.you.queuePosition === 1);
		const after = server.mend.realtime.sessions.current(meeting.meetingId) as Live;
		expect(after.step).toBe(before.step);
		expect(after.speaking).toEqual(before.speaking);
		expect(after.separation).toBeNull();
	});

	it('lets a party withdraw: recorded, their link stops working, the mediator is told', async () => {
		await everyoneInJointRoom();
		const closed = new Promise((resolve) => victim.socket.once('disconnect', resolve));
		await victim.do({ type: 'withdraw' });
		expect((await victim.until((v) => v.status === 'withdrawn')).place).toEqual({
			kind: 'waiting'
		});
		await closed;
		await mediator.until((v) => v.notices.some((n) => n.kind === 'withdrew'));
		await expect
			.poll(async () => {
				const rows = await server.deps.db
					.select()
					.from(invitations)
					.where(eq(invitations.partyId, meeting.parties.victim.id));
				return rows.map((r) => r.revokedReason);
			})
			.toEqual(['withdrawn']);
		expect((await meeting.parties.victim.http.page(meeting.parties.victim.path)).html).toContain(
			'data-reason="withdrawn"'
		);
		const again = await joinAsParty(server, meeting, 'victim').catch(
			(error: Error) => error.message
		);
		expect(again).toBe('unauthenticated');
		const audit = await server.deps.db
			.select()
			.from(auditEvents)
			.where(eq(auditEvents.caseId, meeting.caseId));
		expect(audit.map((a) => a.action)).toContain('party.withdrew');
	});

	it('brings a reconnecting party back to the same room and place in the queue', async () => {
		await everyoneInJointRoom();
		await mediator.do({ type: 'setSpeakingMode', mode: 'moderated' });
		await offender.do({ type: 'raiseHand' });
		await guardian.do({ type: 'raiseHand' });
		guardian.close();
		await mediator.until((v) => v.participants.some((p) => p.role === 'guardian' && !p.present));
		const back = await joinAsParty(server, meeting, 'guardian');
		open.push(back);
		const view = await back.until((v) => v.place.kind === 'joint');
		expect(view.you.queuePosition).toBe(2);
	});

	it('lets the mediator mute every party at once and lower a hand left raised', async () => {
		await everyoneInJointRoom();
		await mediator.do({ type: 'setSpeakingMode', mode: 'moderated' });
		await offender.do({ type: 'raiseHand' });
		await guardian.do({ type: 'raiseHand' });
		const lowered = await mediator.do({
			type: 'lowerHandOf',
			participantId: meeting.parties.offender.id
		});
		// The offender's hand is down on their own screen; the guardian moved up the queue.
		expect(
			(await offender.until((v) => v.seq >= lowered && v.you.queuePosition === null)).you
		).toMatchObject({ queuePosition: null });
		await guardian.until((v) => v.seq >= lowered && v.you.queuePosition === 1);

		await mediator.do({ type: 'setSpeakingMode', mode: 'open' });
		const muted = await mediator.do({ type: 'setPartiesMuted', muted: true });
		for (const party of [victim, offender, guardian]) {
			const view = await party.until((v) => v.seq >= muted && v.you.mutedByMediator);
			expect(view.you.canSpeak).toBe(false);
		}
		// Nobody's microphone is carried but the mediator's.
		const media = await victim.mediaUntil((a) => a.seq >= muted);
		expect(media.peers.filter((p) => p.canSpeak).map((p) => p.role)).toEqual(['mediator']);
		const unmuted = await mediator.do({ type: 'setPartiesMuted', muted: false });
		for (const party of [victim, offender, guardian])
			await party.until((v) => v.seq >= unmuted && !v.you.mutedByMediator && v.you.canSpeak);
	});

	it('sends a person a new view only when what they see changed', async () => {
		await everyoneInJointRoom();
		const offenderId = meeting.parties.offender.id;
		// Everything of the admissions has arrived once the mediator sees everyone confirmed.
		await mediator.until((v) =>
			v.participants.every((p) => p.role === 'mediator' || p.confirmedVoluntary)
		);
		await victim.until((v) => v.you.confirmedVoluntary);
		const victimViews = victim.views.length;

		const seq = await mediator.do({ type: 'setMuted', participantId: offenderId, muted: true });
		// The offender's own view changed: it comes, with the command's seq and the server's clock.
		const muted = await offender.until((v) => v.you.mutedByMediator);
		expect(muted.seq).toBe(seq);
		expect(muted.serverTime).toBeGreaterThan(0);
		// The victim's view did not (a party sees no one else's microphone): only their media,
		// where the offender can no longer be heard, is sent.
		await victim.mediaUntil(
			(m) => m.seq === seq && m.peers.some((p) => p.id === offenderId && !p.canSpeak)
		);
		expect(victim.views.length).toBe(victimViews);
	});

	it('answers malformed and forbidden commands with an error, and changes nothing', async () => {
		await everyoneInJointRoom();
		const seq = mediator.view.seq;
		for (const junk of [
			null,
			42,
			'admit',
			{},
			{ type: 'explode' },
			{ type: 'admit' },
			{ type: 'grantFloor', participantId: 'x'.repeat(500) }
		])
			expect(await offender.send(junk)).toMatchObject({
				ok: false,
				error: { code: 'invalid_input' }
			});
		for (const command of [
			{ type: 'grantFloor', participantId: meeting.parties.offender.id },
			{ type: 'admit', participantId: meeting.parties.guardian.id },
			{ type: 'openPrivateRoom', participantId: meeting.parties.victim.id },
			{ type: 'endSession' },
			{ type: 'setMuted', participantId: meeting.parties.victim.id, muted: true },
			{ type: 'setPartiesMuted', muted: true },
			{ type: 'lowerHandOf', participantId: meeting.parties.victim.id }
		] as const) {
			const result = await offender.send(command);
			expect(result, command.type).toMatchObject({
				ok: false,
				error: { code: 'forbidden', message: 'Only the mediator can do this.' }
			});
		}
		// A name every object has is no id, even from the mediator: a room "__proto__" would be a
		// room no rule knows of (found by trying: the sides ended up in it together).
		for (const command of [
			{ type: 'admit', participantId: meeting.parties.victim.id, roomId: '__proto__' },
			{
				type: 'moveParticipant',
				participantId: meeting.parties.offender.id,
				roomId: 'constructor'
			},
			{ type: 'setMuted', participantId: '__proto__', muted: true }
		])
			expect(await mediator.send(command), command.type).toMatchObject({
				ok: false,
				error: { code: 'invalid_input' }
			});
		expect(await mediator.send({ type: 'raiseHand' })).toMatchObject({
			ok: false,
			error: { code: 'forbidden' }
		});
		const state = server.mend.realtime.sessions.current(meeting.meetingId)!;
		expect(state.seq).toBe(seq);
	});

	it('sends nobody the video of a victim who chose, while the session was live, not to be seen', async () => {
		await everyoneInJointRoom();
		const seen = (client: MediatorClient | PartyClient) =>
			client.mediaUntil((update) =>
				update.peers.some((peer) => peer.id === meeting.parties.victim.id && peer.sendsVideo)
			);
		await seen(offender);
		// She leaves, says so on her choices, and comes back: her seat is read as she connects.
		victim.close();
		await server.deps.db
			.insert(victimChoices)
			.values({
				partyId: meeting.parties.victim.id,
				caseId: meeting.caseId,
				onCamera: false,
				updatedVia: 'party'
			})
			.onConflictDoUpdate({ target: victimChoices.partyId, set: { onCamera: false } });
		victim = await joinAsParty(server, meeting, 'victim');
		open.push(victim);
		const back = await victim.mediaUntil((update) => update.room !== null);
		expect(back.sendsVideo).toBe(false);
		for (const other of [mediator, offender])
			await other.mediaUntil((update) =>
				update.peers.some((peer) => peer.id === meeting.parties.victim.id && !peer.sendsVideo)
			);
		// Turning her camera on does not override her choice.
		await victim.do({ type: 'setMediaPreferences', cameraOff: false });
		expect(
			server.mend.realtime.sessions.current(meeting.meetingId)?.participants[
				meeting.parties.victim.id
			]?.media.cameraOff
		).toBe(true);
	});
});
