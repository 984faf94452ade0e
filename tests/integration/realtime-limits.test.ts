import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '#lib/protocol/errors.ts';
import { PROTOCOL_VERSION, REALTIME_PATH } from '#lib/protocol/version.ts';
import type { SignalPayload } from '#lib/protocol/media.ts';
import type { MediatorView, PartyView } from '#lib/protocol/session-view.ts';
import { programs } from '#lib/server/db/schema.ts';
import type { Logger } from '#lib/server/log.ts';
import { CONTROL_LIMITS } from '#server/control/limits.ts';
import { addStaff, signIn } from '../helpers/fixtures.ts';
import type { HttpClient } from '../helpers/http.ts';
import { joinAsMediator, joinAsParty, jointMeeting } from '../helpers/meeting.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { SessionClient } from '../helpers/session-client.ts';

/**
 * What one person's connections to the live sessions (socket.io on /rt) can make the server
 * hold is bounded (CONTROL_LIMITS): connections per person and per meeting, and what waits for
 * a connection that does not read. Real socket.io clients against a real server.
 */

let server: TestServer;
const open: { close(): void }[] = [];
/** What the server warned of: it says when it lets go of a connection that does not read. */
const warnings: { message: string; detail?: Record<string, unknown> }[] = [];
const log: Logger = {
	debug: () => {},
	info: () => {},
	warn: (message, detail) => void warnings.push({ message, detail }),
	error: () => {}
};

beforeAll(async () => {
	server = await startTestServer({}, { log });
});
afterEach(() => {
	for (const client of open.splice(0)) client.close();
});
afterAll(() => server?.close());

/** A browser of `http` in the meeting, kept open until the test ends. */
function connect<V extends MediatorView | PartyView>(
	meetingId: string,
	http: HttpClient,
	as: 'party' | 'staff',
	reconnection = false
): SessionClient<V> {
	const client = new SessionClient<V>(server.url, {
		cookie: http.cookieHeader,
		meetingId,
		as,
		reconnection
	});
	open.push(client);
	return client;
}

/** 'connected', or the code the server refused the connection with. */
async function outcome(client: SessionClient): Promise<string> {
	try {
		await client.connected();
		return 'connected';
	} catch (error) {
		return (error as Error).message;
	}
}

const PADDING = 'a=x-padding:'.padEnd(60_000, 'x');
const bigOffer = (): SignalPayload => ({
	description: { type: 'offer', sdp: `v=0\r\n${PADDING}\r\n` }
});

describe('a browser that stops reading', () => {
	/**
	 * The victim's browser on socket.io's long-polling transport, which then never polls again:
	 * whatever the server sends it waits in engine.io's write buffer. (Over a WebSocket, the
	 * kernel's socket buffers on loopback take megabytes first: the same ceiling, slower to reach.)
	 */
	async function silentPollingVictim(meetingId: string, http: HttpClient): Promise<void> {
		const path = `${server.url}${REALTIME_PATH}/?EIO=4&transport=polling`;
		const headers = { cookie: http.cookieHeader };
		const opened = await (await fetch(path, { headers })).text();
		const sid = opened.match(/"sid":"([^"]+)"/)![1]!;
		const handshake = { protocol: PROTOCOL_VERSION, meetingId, as: 'party' };
		const connect = await fetch(`${path}&sid=${encodeURIComponent(sid)}`, {
			method: 'POST',
			headers: { ...headers, 'content-type': 'text/plain;charset=UTF-8' },
			body: `40${JSON.stringify(handshake)}`
		});
		expect(await connect.text()).toBe('ok');
	}

	it('is let go while the session goes on, and comes back where it was', async () => {
		const meeting = await jointMeeting(server);
		const mediator = await joinAsMediator(server, meeting);
		const offender = await joinAsParty(server, meeting, 'offender');
		const guardian = await joinAsParty(server, meeting, 'guardian');
		open.push(mediator, offender, guardian);
		const victimId = meeting.parties.victim.id;
		const victimIn = (view: MediatorView) => view.participants.find((p) => p.id === victimId);
		await silentPollingVictim(meeting.meetingId, meeting.parties.victim.http);
		await mediator.until((view) => victimIn(view)?.present === true);
		await mediator.do({ type: 'startSession' });
		for (const who of ['victim', 'offender', 'guardian'] as const)
			await mediator.do({ type: 'admit', participantId: meeting.parties[who].id });
		await mediator.until((view) => victimIn(view)?.location.kind === 'room');

		// The three others in the room send the victim call set-up, each as much as their own
		// signalling budget lets through (SIGNAL_LIMITS: together they pass the ceiling in the
		// budget's second 10 s).
		let sent = 0;
		const letGo = mediator.until((view) => victimIn(view)?.present === false, 60_000);
		let gone = false;
		const stop = () => (gone = true);
		letGo.then(stop, stop);
		const sendUntilLetGo = async (sender: Pick<SessionClient, 'socket'>) => {
			while (!gone) {
				const result = await sender.socket
					.timeout(10_000)
					.emitWithAck('signal', { to: victimId, payload: bigOffer() });
				// Relayed while the victim is connected; refused beyond the budget, or once it was
				// let go (no longer in the room).
				if (result.ok) sent++;
				else await new Promise((resolve) => setTimeout(resolve, 250));
			}
		};
		await Promise.all([offender, guardian, mediator].map(sendUntilLetGo));
		// Let go for what waited for it (not by its heartbeat, which would end it too, later),
		// with no one else dropped.
		const without = await letGo;
		expect(sent).toBeGreaterThan(0);
		const letGoFor = warnings.find((w) => w.message.includes('does not read'));
		expect(letGoFor?.detail?.waitingBytes).toBeGreaterThan(CONTROL_LIMITS.maxBufferedBytes);
		expect(offender.socket.connected).toBe(true);
		expect(mediator.socket.connected).toBe(true);

		// The browser comes back, as from any dropped link, to where it was.
		const victim = connect<PartyView>(meeting.meetingId, meeting.parties.victim.http, 'party');
		await victim.until((v) => v.place.kind === 'joint' && v.seq > without.seq, 30_000);
		const back = await mediator.until((view) => victimIn(view)?.present === true);
		expect(victimIn(back)?.location).toEqual({ kind: 'room', roomId: 'joint' });
	}, 120_000);
});

describe('connections per person and per meeting', () => {
	it('refuses one more tab of a person in a meeting, and takes one again once a tab closed', async () => {
		const meeting = await jointMeeting(server);
		const tabs: SessionClient[] = [];
		for (let i = 0; i < CONTROL_LIMITS.connectionsPerPersonInMeeting; i++) {
			const tab = connect(meeting.meetingId, meeting.parties.victim.http, 'party');
			expect(await outcome(tab)).toBe('connected');
			tabs.push(tab);
		}
		const oneMore = connect(meeting.meetingId, meeting.parties.victim.http, 'party');
		expect(await outcome(oneMore)).toBe(ERROR_CODES.tooManyConnections);
		// Someone else in the meeting is not counted with them.
		expect(await outcome(connect(meeting.meetingId, meeting.parties.offender.http, 'party'))).toBe(
			'connected'
		);
		tabs[0]!.close();
		await waitForRoom(meeting.meetingId, meeting.parties.victim.http, 'party');
	});

	it('refuses a connection to a meeting beyond its ceiling, whoever opens it', async () => {
		const meeting = await jointMeeting(server, { support: true });
		const [program] = await server.deps.db
			.select({ id: programs.id })
			.from(programs)
			.where(eq(programs.slug, meeting.slug));
		const people: { http: HttpClient; as: 'party' | 'staff' }[] = [
			...(['victim', 'offender', 'guardian'] as const).map((who) => ({
				http: meeting.parties[who].http,
				as: 'party' as const
			})),
			{ http: meeting.support!.http, as: 'party' },
			{ http: meeting.mediatorHttp, as: 'staff' },
			{ http: meeting.coordinatorHttp, as: 'staff' }
		];
		const perPerson = CONTROL_LIMITS.connectionsPerPersonInMeeting;
		while (people.length <= CONTROL_LIMITS.connectionsPerMeeting / perPerson) {
			const login = await addStaff(server.deps, program!.id, 'coordinator');
			people.push({ http: await signIn(server.url, login), as: 'staff' });
		}
		const connected: SessionClient[] = [];
		for (const person of people.slice(0, -1))
			for (let i = 0; i < perPerson; i++) {
				const client = connect(meeting.meetingId, person.http, person.as);
				expect(await outcome(client)).toBe('connected');
				connected.push(client);
			}
		expect(connected).toHaveLength(CONTROL_LIMITS.connectionsPerMeeting);
		// The last person has no connection yet, and still cannot open one…
		const last = people.at(-1)!;
		expect(await outcome(connect(meeting.meetingId, last.http, last.as))).toBe(
			ERROR_CODES.tooManyConnections
		);
		// …until someone closes theirs.
		connected[0]!.close();
		await waitForRoom(meeting.meetingId, last.http, last.as);
	});
});

/**
 * Connects once the server has let go of a closed connection (it learns of the close a moment
 * after the client closed): tries again while refused as too many, never more than 50 times.
 */
async function waitForRoom(meetingId: string, http: HttpClient, as: 'party' | 'staff') {
	for (let attempt = 0; attempt < 50; attempt++) {
		const result = await outcome(connect(meetingId, http, as));
		if (result !== ERROR_CODES.tooManyConnections) return expect(result).toBe('connected');
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	throw new Error('no room after a connection closed');
}
