import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignalPayload } from '#lib/protocol/media.ts';
import {
	joinAsMediator,
	joinAsParty,
	jointMeeting,
	type MeetingFixture
} from '../helpers/meeting.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import type { MediatorClient, PartyClient } from '../helpers/session-client.ts';

/**
 * The signalling of browser-to-browser media through real socket.io clients, with a TURN server
 * configured: between the victim's side and the offender's, no address but the relay's passes,
 * whatever a browser sends; to and from the mediator, everything does.
 */

const HOST = 'candidate:1 1 udp 2122260223 192.168.1.23 54321 typ host generation 0';
const SRFLX =
	'candidate:3 1 udp 1686052607 203.0.113.7 61000 typ srflx raddr 0.0.0.0 rport 0 generation 0';
const RELAY =
	'candidate:5 1 udp 41885439 198.51.100.9 50000 typ relay raddr 203.0.113.7 rport 61000 generation 0';
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
		ICE_SERVERS: '[{"urls":"turn:turn.example.org:3478","username":"u","credential":"p"}]'
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

describe('signalling between the sides, with a TURN server', () => {
	it('passes the victim only relay candidates, without the address they relay for', async () => {
		for (const text of [HOST, SRFLX, RELAY])
			expect(await send(victim, meeting.parties.offender.id, candidate(text))).toMatchObject({
				ok: true
			});
		// The host and server-reflexive candidates never arrive: the first to arrive is the relay's.
		const first = await nextFor('offender', 1);
		expect(first.payload).toEqual(
			candidate(RELAY.replace('raddr 203.0.113.7 rport 61000', 'raddr 0.0.0.0 rport 0'))
		);
		const sdp = `v=0\r\nm=audio 61000 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 203.0.113.7\r\na=${HOST}\r\n`;
		await send(offender, meeting.parties.victim.id, { description: { type: 'offer', sdp } });
		const offer = await nextFor('victim', 1);
		expect(JSON.stringify(offer.payload)).not.toMatch(/203\.0\.113\.7|192\.168\.1\.23/);
		expect(received.get('offender')).toHaveLength(1);
	});

	it('passes everything between a party and the mediator', async () => {
		await send(victim, `staff:${meeting.mediator.userId}`, candidate(HOST));
		expect((await nextFor('mediator', 1)).payload).toEqual(candidate(HOST));
	});
});
