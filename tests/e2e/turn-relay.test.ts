import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, pageWithCookies } from '../helpers/browser.ts';
import { jointMeeting, type MeetingFixture } from '../helpers/meeting.ts';
import { createNetLab, labAvailable, type NetLab, type TurnServer } from '../helpers/netlab.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import {
	eventually,
	growth,
	iceCandidates,
	recordPeerConnections,
	selectedPair
} from '../helpers/webrtc.ts';

/**
 * Browser-to-browser media with a real TURN server (coturn) between the victim's browser and the
 * offender's, each in a network namespace of its own that can reach the other's only as two
 * hosts on the internet would (through a router), and whose namespace counts and drops every
 * packet that arrives straight from the other. Media must flow through coturn; and when the
 * offender's browser is modified to send the victim candidates and an offer naming its own
 * address (as relays, as hosts, in the description), the victim's browser must send it nothing
 * from its own address, and neither browser may see the other's address.
 */

const TURN_SECRET = 'the-lab-turn-servers-shared-secret';

let lab: NetLab;
let turn: TurnServer;
let server: TestServer;
let meeting: MeetingFixture;
const browsers: Browser[] = [];
let mediator: Page;
let victim: Page;
let offender: Page;
let ids: { mediator: string; victim: string; offender: string };

/** Keeps every WebSocket a page opens, as a modified client would get hold of its own. */
async function recordSockets(context: BrowserContext): Promise<void> {
	await context.addInitScript(() => {
		const Original = window.WebSocket;
		const made: WebSocket[] = [];
		(window as unknown as { __sockets: WebSocket[] }).__sockets = made;
		window.WebSocket = class extends Original {
			constructor(url: string | URL, protocols?: string | string[]) {
				super(url, protocols);
				made.push(this);
			}
		} as typeof WebSocket;
	});
}

/** A browser running in lab host `name`'s namespace, with a page holding `cookies`. */
async function browserIn(name: string, cookies: Map<string, string>, modified = false) {
	const browser = await chromium.launch({
		executablePath: lab.host(name).chromium,
		// Mend is reached over the lab at a plain-http address: a secure context for the camera.
		args: [...CHROMIUM_ARGS, `--unsafely-treat-insecure-origin-as-secure=${server.url}`]
	});
	browsers.push(browser);
	return pageWithCookies(browser, server.url, cookies, {
		viewport: { width: 1280, height: 900 },
		prepare: async (context) => {
			await recordPeerConnections(context);
			if (modified) await recordSockets(context);
		}
	});
}

beforeAll(async () => {
	if (!labAvailable) return;
	lab = await createNetLab(['turn', 'victim', 'offender', 'mediator']);
	turn = await lab.startTurn('turn', TURN_SECRET);
	// The two sides can reach each other only through coturn: whatever arrives straight from the
	// other is counted, and dropped.
	await lab.cutOff('victim', 'offender');
	await lab.cutOff('offender', 'victim');
	server = await startTestServer({
		HOST: lab.rootAddress,
		TURN_URLS: turn.url,
		TURN_SECRET
	});
	meeting = await jointMeeting(server);
	ids = {
		mediator: `staff:${meeting.mediator.userId}`,
		victim: meeting.parties.victim.id,
		offender: meeting.parties.offender.id
	};
	[mediator, victim, offender] = await Promise.all([
		browserIn('mediator', meeting.mediatorHttp.cookies),
		browserIn('victim', meeting.parties.victim.http.cookies),
		browserIn('offender', meeting.parties.offender.http.cookies, true)
	]);
});

afterAll(async () => {
	await Promise.all(browsers.map((browser) => browser.close().catch(() => {})));
	await server?.close();
	await lab?.close();
});

describe.skipIf(!labAvailable)(
	'the two sides never see each other’s address, whatever a modified client sends',
	() => {
		it('carries the victim’s and the offender’s media through the TURN server only', async () => {
			for (const [page, path] of [
				[victim, meeting.parties.victim.path],
				[offender, meeting.parties.offender.path]
			] as const) {
				await page.goto(path);
				await page.getByRole('button', { name: 'Join with these settings' }).click();
			}
			await mediator.goto(
				`/staff/${meeting.slug}/cases/${meeting.caseId}/meetings/${meeting.meetingId}`
			);
			await mediator.getByRole('button', { name: 'Join with these settings' }).click();
			await mediator.getByRole('button', { name: 'Start the session' }).click();
			const waiting = mediator.getByTestId('waiting-room');
			for (const name of ['Vera Victim', 'Otto Offender'])
				await waiting
					.getByRole('listitem')
					.filter({ hasText: name })
					.getByRole('button', { name: 'Let in', exact: true })
					.click();

			for (const [page, from] of [
				[victim, ids.offender],
				[offender, ids.victim]
			] as const) {
				const g = await eventually(
					() => growth(page, from, 1000),
					(g) => g.audioIn > 0 && g.videoIn > 0,
					30_000
				);
				expect(g.audioIn).toBeGreaterThan(0);
				// Each end sends from its relay at the TURN server (and the other's can only be one too).
				expect(await selectedPair(page, from)).toMatchObject({
					local: { type: 'relay', address: turn.address }
				});
			}
			// With the mediator nothing is hidden: the victim's browser connects to theirs directly.
			await eventually(
				() => growth(victim, ids.mediator, 1000),
				(g) => g.audioIn > 0,
				// As patient as the relayed pairs above: three browsers on a busy machine (CI).
				30_000
			);
			expect(await selectedPair(victim, ids.mediator)).toMatchObject({
				local: { type: 'host', address: lab.host('victim').address },
				remote: { address: lab.host('mediator').address }
			});
			expect(await lab.packetsFrom('victim', 'offender')).toBe(0);
			expect(await lab.packetsFrom('offender', 'victim')).toBe(0);
		});

		it('lets no packet of the victim’s reach the offender when a modified client offers its own address', async () => {
			const offenderAddress = lab.host('offender').address;
			const victimAddress = lab.host('victim').address;
			// The offender's page, modified: a connection of its own (every kind of candidate, with the
			// TURN credential Mend gave it), offered to the victim with its own address dressed as a
			// relay, as a host, in the description's connection line, in upper case.
			const attackerUfrag = await offender.evaluate(
				async ({ victimId, address }) => {
					const w = window as unknown as {
						__sockets: WebSocket[];
						__pcs: RTCPeerConnection[];
						__attack: RTCPeerConnection;
					};
					const socket = w.__sockets.find(
						(s) => s.url.includes('/rt/') && s.readyState === WebSocket.OPEN
					);
					if (!socket) throw new Error('the page has no open realtime socket');
					const iceServers = w.__pcs
						.find((pc) => pc.connectionState !== 'closed')!
						.getConfiguration().iceServers;
					const pc = new RTCPeerConnection({ iceServers, iceTransportPolicy: 'all' });
					w.__attack = pc;
					pc.addTransceiver('audio');
					pc.addTransceiver('video');
					// Its own host candidate (its address and a port it listens on) and a relay at coturn.
					const own: string[] = [];
					const relays: string[] = [];
					const gathered = new Promise<void>((resolve) => {
						pc.onicecandidate = ({ candidate }) => {
							if (candidate?.type === 'host' && candidate.protocol === 'udp')
								own.push(candidate.candidate);
							if (candidate?.type === 'relay') relays.push(candidate.candidate);
							if (own.length && relays.length) resolve();
						};
					});
					await pc.setLocalDescription();
					await gathered;
					const lines = pc.localDescription!.sdp.split('\r\n');
					const dressed = own.flatMap((c) => [
						c.replace(' typ host', ' typ relay raddr 0.0.0.0 rport 0'),
						c.replace(' typ host', ' TYP relay raddr 0.0.0.0 rport 0'),
						c.replace(' typ host', ' typ  relay')
					]);
					const sdp = lines
						.filter((l) => !l.startsWith('a=candidate:') && !l.startsWith('a=end-of-candidates'))
						.map((l) => (l.startsWith('c=') ? `c=IN IP4 ${address}` : l))
						.flatMap((l) =>
							l.startsWith('a=mid:0')
								? [l, ...[...dressed, ...own, ...relays].map((c) => `a=${c}`)]
								: [l]
						)
						.join('\r\n');
					const send = (payload: unknown) =>
						socket.send(`42${JSON.stringify(['signal', { to: victimId, payload }])}`);
					// What the victim's browser answers goes to this connection.
					socket.addEventListener('message', (event) => {
						if (typeof event.data !== 'string' || !event.data.startsWith('42')) return;
						const [name, signal] = JSON.parse(event.data.slice(2));
						if (name !== 'signal' || signal.from !== victimId) return;
						if (signal.payload.description?.type === 'answer')
							void pc.setRemoteDescription(signal.payload.description).catch(() => {});
						if (signal.payload.candidate)
							void pc.addIceCandidate(signal.payload.candidate).catch(() => {});
					});
					send({ description: { type: 'offer', sdp } });
					for (const candidate of [...dressed, ...own, ...relays])
						send({ candidate: { candidate, sdpMid: '0', sdpMLineIndex: 0 } });
					return /a=ice-ufrag:(\S+)/.exec(sdp)![1];
				},
				{ victimId: ids.victim, address: offenderAddress }
			);

			// The victim's browser took the offer and reached the modified connection — through coturn,
			// at its relay — and has tried every pair of candidates it has.
			const attackerState = () =>
				offender.evaluate(
					() => (window as unknown as { __attack: RTCPeerConnection }).__attack.iceConnectionState
				);
			const attacked = await eventually(
				async () => ({
					pair: await selectedPair(victim, ids.offender, attackerUfrag),
					by: await attackerState()
				}),
				({ pair, by }) => Boolean(pair?.allTried) && (by === 'connected' || by === 'completed'),
				30_000
			);
			expect(attacked.pair).toMatchObject({ local: { type: 'relay', address: turn.address } });

			// Not one packet from the victim's address reached the offender's, nor the reverse.
			expect(await lab.packetsFrom('victim', 'offender')).toBe(0);
			expect(await lab.packetsFrom('offender', 'victim')).toBe(0);
			// Neither browser knows a candidate at the other's address.
			const victimSees = await iceCandidates(victim);
			const offenderSees = await iceCandidates(offender);
			expect(victimSees.filter((c) => c.address === offenderAddress)).toEqual([]);
			expect(offenderSees.filter((c) => c.address === victimAddress)).toEqual([]);
			// The victim's browser gathered relays only toward the offender.
			expect(
				victimSees.filter(
					(c) => c.peer === ids.offender && c.side === 'local' && c.type !== 'relay'
				)
			).toEqual([]);
		});
	}
);
