import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignalPayload } from '#lib/protocol/media.ts';
import { SIGNAL_LIMITS } from '#server/media/signal-relay.ts';
import {
	joinAsMediator,
	joinAsParty,
	jointMeeting,
	type MeetingFixture
} from '../helpers/meeting.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import type { MediatorClient, PartyClient } from '../helpers/session-client.ts';

/**
 * The signalling of browser-to-browser media through real socket.io clients, with TURN servers
 * configured (one with a static credential, one minting them per participant): between the
 * victim's side and the offender's, no address but a TURN server's passes, whatever a browser
 * sends; to and from the mediator, everything does.
 */

const TURN_SECRET = 'the-secret-coturn-is-given';
const HOST = 'candidate:1 1 udp 2122260223 192.168.1.23 54321 typ host generation 0';
const SRFLX =
	'candidate:3 1 udp 1686052607 203.0.113.7 61000 typ srflx raddr 0.0.0.0 rport 0 generation 0';
const RELAY =
	'candidate:5 1 udp 41885439 198.51.100.9 50000 typ relay raddr 203.0.113.7 rport 61000 generation 0';
/** A modified client's: it says relay, but names the sender's own address and port. */
const FAKE_RELAY =
	'candidate:6 1 udp 41885439 203.0.113.7 61000 typ relay raddr 0.0.0.0 rport 0 generation 0';
/** At the TURN server whose credentials Mend mints. */
const MINTED_RELAY =
	'candidate:7 1 udp 41885439 198.51.100.10 50002 typ relay raddr 203.0.113.7 rport 61000 generation 0';
const candidate = (text: string): SignalPayload => ({
	candidate: { candidate: text, sdpMid: '0', sdpMLineIndex: 0 }
});

let server: TestServer;
let meeting: MeetingFixture;
let mediator: MediatorClient;
let victim: PartyClient;
let offender: PartyClient;
/** What each browser received, in order. */
const received = new Map<string, { from: string; payload: SignalPayload }[]>();

beforeAll(async () => {
	server = await startTestServer({
		ICE_SERVERS: '[{"urls":"turn:198.51.100.9:3478","username":"u","credential":"p"}]',
		TURN_URLS: 'turn:198.51.100.10:3478?transport=udp',
		TURN_SECRET
	});
	meeting = await jointMeeting(server);
	mediator = await joinAsMediator(server, meeting);
	victim = await joinAsParty(server, meeting, 'victim');
	offender = await joinAsParty(server, meeting, 'offender');
	for (const [name, client] of [
		['mediator', mediator],
		['victim', victim],
		['offender', offender]
	] as const) {
		received.set(name, []);
		client.socket.on('signal', (signal) => received.get(name)!.push(signal));
	}
	await mediator.do({ type: 'startSession' });
	for (const who of ['victim', 'offender'] as const)
		await mediator.do({ type: 'admit', participantId: meeting.parties[who].id });
	await offender.until((v) => v.place.kind === 'joint');
});

afterAll(async () => {
	for (const client of [mediator, victim, offender]) client?.close();
	await server?.close();
});

const send = (from: PartyClient | MediatorClient, to: string, payload: SignalPayload) =>
	from.socket.timeout(5000).emitWithAck('signal', { to, payload });

async function nextFor(name: string, count: number) {
	const list = received.get(name)!;
	const deadline = Date.now() + 5000;
	while (list.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
	return list.slice(count - 1, count)[0];
}

describe('signalling between the sides, with TURN servers', () => {
	it('passes only candidates at a TURN server’s address, without the address they relay for', async () => {
		for (const text of [HOST, SRFLX, FAKE_RELAY, RELAY, MINTED_RELAY])
			expect(await send(victim, meeting.parties.offender.id, candidate(text))).toMatchObject({
				ok: true
			});
		// The host, server-reflexive and would-be relay candidates never arrive: only the two at
		// the TURN servers do, in the order sent.
		const blanked = (text: string) =>
			candidate(text.replace('raddr 203.0.113.7 rport 61000', 'raddr 0.0.0.0 rport 0'));
		expect((await nextFor('offender', 1)).payload).toEqual(blanked(RELAY));
		expect((await nextFor('offender', 2)).payload).toEqual(blanked(MINTED_RELAY));
		const sdp = `v=0\r\nm=audio 61000 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 203.0.113.7\r\na=${HOST}\r\na=${FAKE_RELAY}\r\n`;
		await send(offender, meeting.parties.victim.id, { description: { type: 'offer', sdp } });
		const offer = await nextFor('victim', 1);
		expect(JSON.stringify(offer.payload)).not.toMatch(/203\.0\.113\.7|192\.168\.1\.23/);
		expect(received.get('offender')).toHaveLength(2);
	});

	it('tells each browser to reach the other side through relays only, with its own TURN credential', async () => {
		const update = await victim.mediaUntil((u) => u.transport?.kind === 'p2p');
		if (update.transport?.kind !== 'p2p') throw new Error('no browser-to-browser transport');
		const { relayOnly, iceServers } = update.transport;
		// The offender: relays only. The mediator: any way.
		expect(update.peers.map((p) => p.id)).toContain(`staff:${meeting.mediator.userId}`);
		expect(relayOnly).toEqual([meeting.parties.offender.id]);
		const minted = iceServers.find((s) => [s.urls].flat()[0].startsWith('turn:198.51.100.10'));
		const [expiry, who] = minted!.username!.split(':');
		expect(who).toBe(meeting.parties.victim.id);
		expect(Number(expiry)).toBeGreaterThan(Date.now() / 1000);
		expect(minted!.credential).toBe(
			createHmac('sha1', TURN_SECRET).update(minted!.username!).digest('base64')
		);
		// The static one is handed on as configured.
		expect(iceServers).toContainEqual({
			urls: 'turn:198.51.100.9:3478',
			username: 'u',
			credential: 'p'
		});
	});

	it('passes everything between a party and the mediator', async () => {
		await send(victim, `staff:${meeting.mediator.userId}`, candidate(HOST));
		expect((await nextFor('mediator', 1)).payload).toEqual(candidate(HOST));
	});
});

describe('signalling from one person', () => {
	it('is limited in bytes as well as messages, all their tabs together, so nobody floods another’s browser', async () => {
		// A modified client on two tabs sends the largest description a signal may carry.
		const tabs = [victim, await joinAsParty(server, meeting, 'victim')];
		const huge: SignalPayload = {
			description: { type: 'offer', sdp: `v=0\r\na=x:${'x'.repeat(63_000)}\r\n` }
		};
		const mediatorId = `staff:${meeting.mediator.userId}`;
		const before = received.get('mediator')!.length;
		const answers = [];
		for (let i = 0; i < 10; i++) answers.push(await send(tabs[i % 2]!, mediatorId, huge));
		const accepted = answers.filter((a) => a.ok).length;
		// Four such descriptions fit in the 10 s budget of 256 KB; the rest are refused, whichever
		// tab sends them, and never reach the mediator.
		expect(accepted).toBe(Math.floor(SIGNAL_LIMITS.bytesPer10s / JSON.stringify(huge).length));
		expect(answers.filter((a) => !a.ok).map((a) => a.error?.code)).toEqual(
			Array(10 - accepted).fill('rate_limited')
		);
		await new Promise((resolve) => setTimeout(resolve, 200));
		expect(received.get('mediator')!.length - before).toBe(accepted);
		// Another person's budget is their own: the offender still reaches the mediator.
		expect(await send(offender, mediatorId, candidate(HOST))).toMatchObject({ ok: true });
		tabs[1]!.close();
	});
});
