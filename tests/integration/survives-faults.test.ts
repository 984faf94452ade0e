import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Logger } from '#lib/server/log.ts';
import { PROTOCOL_VERSION, REALTIME_PATH } from '#lib/protocol/version.ts';
import { openDemoLink, startDemoMend, type DemoMend } from '../helpers/demo-mend.ts';
import { joinAsMediator, joinAsParty, jointMeeting } from '../helpers/meeting.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * No single request, message or fault in handling one takes Mend down: every meeting on the
 * server would end with it. Mend runs in its own process where a crash must be seen as one.
 */

/** Sends raw bytes on a new TCP connection; resolves with the status line answered, if any. */
function rawRequest(url: string, request: string): Promise<string> {
	const { hostname, port } = new URL(url);
	return new Promise((resolve) => {
		const socket = net.connect(Number(port), hostname, () => socket.write(request));
		let answer = '';
		const done = () => {
			socket.destroy();
			resolve(answer.split('\r\n')[0] ?? '');
		};
		socket.on('data', (chunk) => (answer += chunk));
		socket.on('close', done);
		socket.on('error', done);
		socket.setTimeout(5_000, done);
	});
}

describe('one request from anyone', () => {
	let demo: DemoMend | undefined;
	beforeAll(async () => {
		demo = await startDemoMend('mend-survives-');
	}, 120_000);
	afterAll(async () => {
		await demo?.close();
	});

	const stillUp = async () => {
		expect(demo!.process.child.exitCode, demo!.process.output()).toBeNull();
		expect((await fetch(`${demo!.url}/api/health`)).status).toBe(200);
	};

	it('a WebSocket upgrade to a request target that is no URL is refused with 400, and Mend runs on', async () => {
		// `new URL` threw from the HTTP server's upgrade event: one unauthenticated line of text
		// ended the process.
		for (const target of ['http://[', 'http://[/collab/x', '//[', 'http://x:99999/collab/x'])
			expect(
				await rawRequest(
					demo!.url,
					`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
						`Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`
				),
				target
			).toBe('HTTP/1.1 400 Bad Request');
		await stillUp();
	});

	it('a browser sending its handshake 200 times at once is let in once', async () => {
		const { http, meetingId } = await openDemoLink(demo!.url, demo!.links.victim);
		const ws = new WebSocket(
			`${demo!.url.replace('http', 'ws')}${REALTIME_PATH}/?EIO=4&transport=websocket`,
			{ headers: { cookie: http.cookieHeader } }
		);
		const answers: string[] = [];
		ws.on('message', (data) => answers.push(String(data)));
		await new Promise((resolve, reject) => {
			ws.once('open', resolve);
			ws.once('error', reject);
		});
		const handshake = JSON.stringify({ protocol: PROTOCOL_VERSION, meetingId, as: 'party' });
		for (let i = 0; i < 200; i++) ws.send(`40${handshake}`);
		// Each handshake is answered: let in (40{"sid"…}) or refused (44…); or the connection
		// closes (a handshake after one was let in ends it, as socket.io decides).
		await new Promise<void>((resolve) => {
			const check = () => {
				if (answers.filter((a) => /^4[04]/.test(a)).length >= 200) resolve();
			};
			ws.on('message', check);
			ws.once('close', () => resolve());
		});
		ws.close();
		expect(answers.filter((a) => a.startsWith('40{"sid"'))).toHaveLength(1);
		await stillUp();
	});

	it('a socket.io packet announcing binary attachments closes its connection, holding none of them', async () => {
		// The decoder kept each attachment until the last came: 10 × 64 KB parked per connection
		// (185 MB for 300); Mend's events carry none, so such a packet is refused.
		const { http, meetingId } = await openDemoLink(demo!.url, demo!.links.victim);
		const ws = new WebSocket(
			`${demo!.url.replace('http', 'ws')}${REALTIME_PATH}/?EIO=4&transport=websocket`,
			{ headers: { cookie: http.cookieHeader } }
		);
		const closed = new Promise((resolve) => ws.once('close', resolve));
		const letIn = new Promise((resolve) =>
			ws.on('message', (data) => String(data).startsWith('40{"sid"') && resolve(true))
		);
		await new Promise((resolve, reject) => {
			ws.once('open', resolve);
			ws.once('error', reject);
		});
		ws.send(`40${JSON.stringify({ protocol: PROTOCOL_VERSION, meetingId, as: 'party' })}`);
		await letIn;
		const placeholders = Array.from({ length: 10 }, (_, num) => ({ _placeholder: true, num }));
		ws.send(`4510-${JSON.stringify(['command', ...placeholders])}`);
		for (let n = 0; n < 9; n++) ws.send(Buffer.alloc(60_000, n));
		// Once let in, nothing but Mend's refusal closes it (before the fix it stayed open).
		expect(await closed).toBeDefined();
		await stillUp();
	});
});

describe('a fault while handling a connection', () => {
	let server: TestServer;
	const errors: string[] = [];
	const log: Logger = {
		debug: () => {},
		info: () => {},
		warn: () => {},
		error: (message) => void errors.push(message)
	};
	beforeAll(async () => {
		server = await startTestServer({}, { log });
	});
	afterAll(async () => {
		await server?.close();
	});

	it('in the disconnect path is logged, and the session goes on', async () => {
		const meeting = await jointMeeting(server);
		const mediator = await joinAsMediator(server, meeting);
		const victim = await joinAsParty(server, meeting, 'victim');
		await mediator.do({ type: 'startSession' });
		await mediator.do({ type: 'admit', participantId: meeting.parties.victim.id });
		await victim.until((v) => v.place.kind === 'joint');

		// The media backend fails (as a media server can) while the victim leaves: the
		// mediator's media assignment changes in the disconnect's own turn, and it throws there.
		const media = server.deps.media;
		const transportFor = media.transportFor;
		media.transportFor = () => {
			throw new Error('media backend failed');
		};
		try {
			victim.close();
			await expect
				.poll(() => errors, { timeout: 10_000 })
				.toContain('control: a disconnect failed');
		} finally {
			media.transportFor = transportFor;
		}

		expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
		const back = await joinAsParty(server, meeting, 'victim');
		await mediator.until(
			(v) => v.participants.find((p) => p.id === meeting.parties.victim.id)?.present === true
		);
		back.close();
		mediator.close();
	});
});
