import net from 'node:net';
import WebSocket from 'ws';
import { COLLAB_PATH } from '#lib/protocol/collab.ts';
import { REALTIME_PATH } from '#lib/protocol/version.ts';
import {
	collabFrames,
	socketHandshake,
	socketIoFrames,
	type Frame,
	type FuzzTarget
} from './fuzz-frames.ts';
import { hostilePost, rawHttp, type PostTargets } from './fuzz-posts.ts';
import type { Rand } from './fuzz-random.ts';

/** Who the fuzzers act as, and where they reach: all from a running Mend with its demo. */
export interface FuzzContext {
	url: string;
	/** Cookie headers: the mediator and two parties of the demo's joint session, or none. */
	cookies: Record<'none' | 'mediator' | 'victim' | 'offender', string | undefined>;
	/** Collaborative documents the cookie may open (path under /collab, query included). */
	documents: { path: string; cookie: string | undefined }[];
	frames: FuzzTarget;
	posts: PostTargets;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The fuzzers: each runs until the deadline, sending what its seeded generator makes, and
 * keeps counts and a journal of what it sent (to say what came before a problem). Every
 * socket it opens is closed by `close()`, whatever happened.
 */
export class FuzzRun {
	readonly counts: Record<string, number> = {};
	readonly #journal: { at: number; what: string }[] = [];
	readonly #sockets = new Set<WebSocket>();
	readonly #context: FuzzContext;
	readonly #deadline: number;

	constructor(context: FuzzContext, deadline: number) {
		this.#context = context;
		this.#deadline = deadline;
	}

	#count(what: string, n = 1): void {
		this.counts[what] = (this.counts[what] ?? 0) + n;
	}

	#note(what: string, frames: Frame[] = []): void {
		const bytes = frames.reduce(
			(sum, f) => sum + (typeof f === 'string' ? f.length : f.byteLength),
			0
		);
		const first = frames[0];
		const start =
			typeof first === 'string'
				? JSON.stringify(first.slice(0, 40))
				: first
					? `bytes ${first.slice(0, 8).join(',')}`
					: '';
		this.#journal.push({
			at: Date.now(),
			what: frames.length ? `${what}: ${frames.length} frames, ${bytes} B, ${start}` : what
		});
		if (this.#journal.length > 5_000) this.#journal.splice(0, 1_000);
	}

	/** What was sent in the `ms` before `at` (epoch ms), one line each. */
	sentBefore(at: number, ms = 3_000): string[] {
		return this.#journal.filter((e) => e.at > at - ms && e.at <= at).map((e) => e.what);
	}

	/** Raw engine.io / socket.io frames over WebSockets, one connection after another. */
	async socketIo(r: Rand): Promise<void> {
		const { url, cookies, frames: target } = this.#context;
		while (Date.now() < this.#deadline) {
			const who = r.pick(['none', 'mediator', 'victim', 'offender'] as const);
			const ws = await this.#open(
				`${url.replace(/^http/, 'ws')}${REALTIME_PATH}/?EIO=4&transport=websocket`,
				cookies[who]
			);
			this.#count('socket.io connections');
			if (!ws) continue;
			ws.on('message', (data, isBinary) => {
				if (isBinary) return;
				const text = String(data);
				if (text === '2') ws.send('3');
				// Ids the server names (people, rooms, notices): later commands name them back.
				for (const [, id] of text.matchAll(/"(?:id|roomId|noticeId)":"([^"]{1,80})"/g))
					if (target.seenIds.size < 200) target.seenIds.add(id!);
			});
			if (who !== 'none' && r.chance(0.8))
				send(ws, [socketHandshake(target, who === 'mediator' ? 'staff' : 'party')]);
			for (let moves = r.int(1, 12); moves > 0; moves--) {
				const frames = socketIoFrames(r, target);
				this.#count('socket.io frames', frames.length);
				this.#note(`socket.io (${who})`, frames);
				if (!send(ws, frames)) break;
				await pause(r.int(0, 30));
			}
			await finish(ws, r);
		}
	}

	/** y-websocket frames on the collaborative documents (and on ones it may not open). */
	async collab(r: Rand): Promise<void> {
		const { url, documents } = this.#context;
		while (Date.now() < this.#deadline) {
			const doc = r.chance(0.9)
				? r.pick(documents)
				: {
						path: r.pick([
							'x',
							'notes-x-y',
							'%%',
							'',
							'agreement-00000000-0000-4000-8000-000000000000'
						]),
						cookie: undefined
					};
			const ws = await this.#open(
				`${url.replace(/^http/, 'ws')}${COLLAB_PATH}/${doc.path}`,
				doc.cookie
			);
			this.#count('collab connections');
			if (!ws) continue;
			for (let moves = r.int(1, 8); moves > 0; moves--) {
				const frames = collabFrames(r);
				this.#count('collab frames', frames.length);
				this.#note(`collab ${doc.path.slice(0, 12)}`, frames);
				if (!send(ws, frames)) break;
				await pause(r.int(0, 30));
			}
			await finish(ws, r);
		}
	}

	/** Form posts, JSON bodies, raw HTTP and socket.io's long-polling transport. */
	async http(r: Rand): Promise<void> {
		const { url, posts } = this.#context;
		while (Date.now() < this.#deadline) {
			if (r.chance(0.1)) {
				const raw = rawHttp(r);
				this.#note(`raw ${JSON.stringify(raw.slice(0, 60))}`);
				this.#count('raw requests');
				await rawRequest(url, raw);
				continue;
			}
			if (r.chance(0.1)) {
				await this.#polling(r);
				continue;
			}
			const post = hostilePost(r, posts);
			const body = post.init.body;
			const size =
				typeof body === 'string'
					? body.length
					: body instanceof Uint8Array
						? body.byteLength
						: 'a form';
			this.#note(`post ${post.path} ${JSON.stringify(post.init.headers)} ${size}`);
			const response = await fetch(`${url}${post.path}`, {
				...post.init,
				redirect: 'manual',
				signal: AbortSignal.timeout(20_000)
			}).catch((error: Error) => error);
			if (response instanceof Response) {
				await response.arrayBuffer().catch(() => {});
				this.#count(`posts answered ${response.status}`);
			} else this.#count(`posts failed: ${response.message}`);
		}
	}

	/** socket.io's other transport: HTTP long-polling, packets joined by \x1e in one body. */
	async #polling(r: Rand): Promise<void> {
		const { url, cookies, frames: target } = this.#context;
		const who = r.pick(['none', 'mediator', 'victim'] as const);
		const cookie = cookies[who];
		const headers: Record<string, string> = cookie ? { cookie } : {};
		const path = `${url}${REALTIME_PATH}/?EIO=4&transport=polling`;
		const opened = await fetch(path, { headers, signal: AbortSignal.timeout(10_000) })
			.then((response) => response.text())
			.catch(() => '');
		const sid = opened.match(/"sid":"([^"]+)"/)?.[1] ?? r.text(20);
		const packets = [
			...(who === 'none' ? [] : [socketHandshake(target, who === 'mediator' ? 'staff' : 'party')]),
			...socketIoFrames(r, target)
		].map((frame) =>
			typeof frame === 'string' ? frame : `b${Buffer.from(frame).toString('base64')}`
		);
		this.#note(`polling (${who})`, packets);
		this.#count('polling posts');
		await fetch(`${path}&sid=${encodeURIComponent(sid.toWellFormed())}`, {
			method: 'POST',
			headers: { ...headers, 'content-type': 'text/plain;charset=UTF-8' },
			body: packets.join('\x1e'),
			signal: AbortSignal.timeout(10_000)
		})
			.then((response) => response.arrayBuffer())
			.catch(() => {});
	}

	/** Opens a WebSocket; null when the server refused the upgrade. */
	#open(url: string, cookie: string | undefined): Promise<WebSocket | null> {
		const ws = new WebSocket(url, { headers: cookie ? { cookie } : {}, handshakeTimeout: 10_000 });
		this.#sockets.add(ws);
		ws.on('close', () => this.#sockets.delete(ws));
		return new Promise((resolve) => {
			ws.once('open', () => resolve(ws));
			ws.once('unexpected-response', (_request, response) => {
				response.resume();
				ws.terminate();
				resolve(null);
			});
			ws.on('error', () => resolve(null));
		});
	}

	/** Drops every socket still open. */
	close(): void {
		for (const ws of this.#sockets) ws.terminate();
	}
}

/** Sends what the socket still takes; false once it is closing. */
function send(ws: WebSocket, frames: Frame[]): boolean {
	for (const frame of frames) {
		if (ws.readyState !== WebSocket.OPEN) return false;
		ws.send(frame);
	}
	return true;
}

/** Closes (or drops) a socket and waits for it to be gone. */
async function finish(ws: WebSocket, r: Rand): Promise<void> {
	if (ws.readyState === WebSocket.CLOSED) return;
	const closed = new Promise((resolve) => ws.once('close', resolve));
	if (r.chance(0.3)) ws.terminate();
	else ws.close();
	const timer = setTimeout(() => ws.terminate(), 3_000);
	await closed;
	clearTimeout(timer);
}

/** A TCP connection that sends raw bytes and reads whatever comes back, for a few seconds. */
function rawRequest(url: string, request: string): Promise<void> {
	const { hostname, port } = new URL(url);
	return new Promise((resolve) => {
		const socket = net.connect(Number(port), hostname, () => socket.write(request));
		const done = () => {
			socket.destroy();
			resolve();
		};
		socket.on('data', () => {});
		socket.on('close', done);
		socket.on('error', done);
		socket.setTimeout(3_000, done);
	});
}
