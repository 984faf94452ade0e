/**
 * The control benchmarks' client: one real socket.io client of a live session, the same code
 * for Mend and the bare baselines (tests/bench/control.ts, tests/bench/cluster.ts).
 */
import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import { RECONNECTION } from '#lib/client/realtime.ts';
import { PROTOCOL_VERSION, REALTIME_PATH } from '#lib/protocol/version.ts';

export interface Member {
	as: 'staff' | 'party';
	cookie?: string;
}

/** What the bench reads of a view: Mend's (src/lib/protocol) and the bare servers' alike. */
export interface View {
	seq: number;
	place?: { kind: string };
}

export type Ack = { ok: true; value: { seq: number } } | { ok: false; error: { code: string } };

/** A connection made again after it dropped: when, and the first view it then received. */
export interface Reconnection {
	/** performance.now() when it connected again. */
	at: number;
	/** The first view received on it, whole (Mend's view type is the reader's to name). */
	firstView?: { at: number; view: unknown };
}

/**
 * One real socket.io client; remembers when each view arrived. Of the views themselves it keeps
 * only what the bench reads (seq, place): 4000 clients in one process holding each last view
 * (~1 KB for Mend) kept 4 MB alive through every young collection of the load generator — its
 * own 7–9 ms pauses every half second and a full collection every ~12 s, counted as latency.
 * After a reconnection it keeps the first view whole, once: what a failover is judged by.
 *
 * It connects with `?meeting=<id>`, as the app's client does: in a cluster, a process that does
 * not hold the meeting's case forwards the connection to the one that does.
 */
export class BenchClient {
	readonly socket: Socket;
	/** seq and arrival time (performance.now()) of every view received, in order. */
	readonly seqs: number[] = [];
	readonly times: number[] = [];
	readonly reconnections: Reconnection[] = [];
	/** Attempts to connect again, refused ones included. */
	reconnectAttempts = 0;
	/** Why attempts to connect again failed: the server's answer, or the socket's error code. */
	readonly reconnectErrors: string[] = [];
	/** Where it connects: first the address it was given, from the first reconnection `reconnectTo`. */
	url: string;
	#lastSeq = -1;
	#lastPlace: string | undefined;
	dropped = false;
	#waiters: { test: (view: View) => boolean; resolve: () => void }[] = [];

	/**
	 * `reconnection`: the client comes back by itself after its connection drops, as the app's
	 * browsers do and with their timing (RECONNECTION: the first try 150–450 ms after the drop)
	 * — to `reconnectTo` if given: the deployment's address (a balancer in front of a cluster's
	 * processes), where it first connected otherwise.
	 */
	constructor(
		url: string,
		meetingId: string,
		member: Member,
		options: { reconnection?: boolean; reconnectTo?: string } = {}
	) {
		this.url = url;
		this.socket = io(url, {
			path: REALTIME_PATH,
			transports: ['websocket'],
			forceNew: true,
			reconnection: options.reconnection ?? false,
			...RECONNECTION,
			timeout: 60_000,
			extraHeaders: member.cookie ? { cookie: member.cookie } : {},
			query: { meeting: meetingId },
			auth: { protocol: PROTOCOL_VERSION, meetingId, as: member.as }
		});
		let connectedBefore = false;
		this.socket.on('connect', () => {
			if (connectedBefore) this.reconnections.push({ at: performance.now() });
			connectedBefore = true;
		});
		this.socket.io.on('reconnect_error', (error) => {
			const cause = (error as { description?: { message?: string; error?: { code?: string } } })
				.description;
			this.reconnectErrors.push(
				cause?.error?.code ??
					cause?.message?.replace(/^Unexpected server response: /, '') ??
					error.message
			);
		});
		const { reconnectTo } = options;
		this.socket.io.on('reconnect_attempt', () => {
			this.reconnectAttempts++;
			if (!reconnectTo || this.url === reconnectTo) return;
			// socket.io-client has no setting for it: its manager reads its address at every attempt.
			(this.socket.io as unknown as { uri: string }).uri = reconnectTo;
			this.url = reconnectTo;
		});
		this.socket.on('view', (view: View) => {
			const at = performance.now();
			this.seqs.push(view.seq);
			this.times.push(at);
			this.#lastSeq = view.seq;
			this.#lastPlace = view.place?.kind;
			const reconnection = this.reconnections.at(-1);
			if (reconnection && !reconnection.firstView) reconnection.firstView = { at, view };
			if (this.#waiters.length > 0)
				this.#waiters = this.#waiters.filter((w) => {
					if (!w.test(view)) return true;
					w.resolve();
					return false;
				});
		});
		this.socket.on('disconnect', () => (this.dropped = true));
	}

	/** Connected, and seated: its first view has arrived. */
	opened(timeoutMs = 60_000): Promise<void> {
		return new Promise((resolve, reject) => {
			const fail = (message: string) => {
				clearTimeout(timer);
				this.socket.off('connect_error', refused).off('disconnect', dropped);
				reject(new Error(message));
			};
			const refused = (error: Error) => fail(`connection refused: ${error.message}`);
			const dropped = (reason: string) => fail(`disconnected while seating: ${reason}`);
			const timer = setTimeout(() => fail('no first view'), timeoutMs);
			this.socket.once('connect_error', refused).once('disconnect', dropped);
			void this.until(() => true, timeoutMs).then(() => {
				clearTimeout(timer);
				this.socket.off('connect_error', refused).off('disconnect', dropped);
				resolve();
			}, reject);
		});
	}

	/** The last view received, as far as the bench reads it. */
	get last(): View | null {
		if (this.#lastSeq < 0) return null;
		const place = this.#lastPlace === undefined ? undefined : { kind: this.#lastPlace };
		return { seq: this.#lastSeq, place };
	}

	until(test: (view: View) => boolean, timeoutMs = 30_000): Promise<void> {
		if (this.last && test(this.last)) return Promise.resolve();
		return new Promise((resolve, reject) => {
			const timer = setTimeout(
				() => reject(new Error(`no matching view; last: ${JSON.stringify(this.last)}`)),
				timeoutMs
			);
			this.#waiters.push({
				test,
				resolve: () => {
					clearTimeout(timer);
					resolve();
				}
			});
		});
	}

	/** Sends a command that must be accepted. */
	async do(command: Record<string, unknown>): Promise<void> {
		const ack: Ack = await this.socket.timeout(30_000).emitWithAck('command', command);
		if (!ack.ok) throw new Error(`${JSON.stringify(command)} refused: ${JSON.stringify(ack)}`);
	}

	/** When a view with at least this seq first arrived; undefined if none did. */
	arrivalOf(seq: number): number | undefined {
		let lo = 0;
		let hi = this.seqs.length;
		while (lo < hi) {
			const mid = (lo + hi) >> 1;
			if (this.seqs[mid]! < seq) lo = mid + 1;
			else hi = mid;
		}
		return lo < this.seqs.length ? this.times[lo] : undefined;
	}

	close(): void {
		this.socket.close();
	}
}
