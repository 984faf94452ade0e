/**
 * The control benchmarks' load (tests/bench/control.ts, tests/bench/cluster.ts): N sessions of
 * 4 clients each, every session's mediator granting the floor every interval, to two parties in
 * turn, the sessions' phases spread evenly over the interval; and its figure, the fan-out — from
 * sending a grant until the last of the session's 4 clients holds a view whose seq is at least
 * the one the grant's acknowledgement names.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { BenchClient, type Ack, type Member } from './control-clients.ts';
import type { WindowFigures } from './cpu-window.ts';
import { percentile } from './proc-stats.ts';

/** What a round needs to know of one session: who connects, and whom the floor goes to. */
export interface SessionSpec {
	meetingId: string;
	/** The mediator first, then the three parties. */
	members: Member[];
	floorTo: [string, string];
	/** Everything a session needs before its first grant (Mend: start, admit, moderate). */
	prepare?: (clients: BenchClient[]) => Promise<void>;
}

export interface Grant {
	session: number;
	/** The participant the floor was granted to. */
	to: string;
	/** performance.now() when sent and, once answered, when the answer came. */
	sentAt: number;
	answeredAt?: number;
	/** The seq its acknowledgement named; 0 until acknowledged. */
	seq: number;
	refused: boolean;
}

/**
 * `n` sessions as the bare socket.io servers (control-bare-server.ts) know them: rooms of 4,
 * nobody signed in.
 */
export function bareSessions(n: number): SessionSpec[] {
	const member: Member = { as: 'party' };
	return Array.from({ length: n }, () => ({
		meetingId: randomUUID(),
		members: [member, member, member, member],
		floorTo: ['victim', 'offender']
	}));
}

/** Where a session's member first connects (`member`: 0 the mediator, then the parties). */
export type Placement = (session: number, member: number) => string;

/** Every client any load opened and did not close: closed at once when a bench is stopped. */
const openClients = new Set<BenchClient>();

export function closeAllClients(): void {
	for (const client of openClients) client.close();
	openClients.clear();
}

async function inBatches<T>(items: T[], size: number, each: (item: T) => Promise<void>) {
	for (let i = 0; i < items.length; i += size)
		await Promise.all(items.slice(i, i + size).map(each));
}

/** Sessions whose setup commands run at once (each sends at most 5 commands per socket). */
const PREPARE_BATCH = 50;

export class ControlLoad {
	readonly sessions: SessionSpec[];
	/** Each session's clients, the mediator first. */
	readonly clients: BenchClient[][];
	readonly grants: Grant[] = [];
	/** Seconds it took to connect every client and prepare every session. */
	readonly connectS: number;
	#timers: NodeJS.Timeout[] = [];
	#granting = false;

	private constructor(sessions: SessionSpec[], clients: BenchClient[][], connectS: number) {
		this.sessions = sessions;
		this.clients = clients;
		this.connectS = connectS;
	}

	/**
	 * Connects every member of every session to `place` (one address, or each member's own),
	 * `connectBatch` at once, and prepares them; they reconnect to `reconnectTo` if given. Every mediator is seated before any party: in
	 * a cluster a case is held by the process its first connection reaches — the mediator's.
	 */
	static async seat(
		place: string | Placement,
		sessions: SessionSpec[],
		options: { connectBatch: number; reconnection?: boolean; reconnectTo?: string }
	): Promise<ControlLoad> {
		const started = performance.now();
		const where: Placement = typeof place === 'string' ? () => place : place;
		const clients: BenchClient[][] = sessions.map(() => []);
		const seats = sessions.flatMap((spec, i) =>
			spec.members.map((member, m) => ({ i, m, member }))
		);
		const seatOne = async ({ i, m, member }: (typeof seats)[number]) => {
			const client = new BenchClient(where(i, m), sessions[i]!.meetingId, member, options);
			openClients.add(client);
			clients[i]![m] = client;
			await client.opened();
		};
		await inBatches(
			seats.filter((seat) => seat.m === 0),
			options.connectBatch,
			seatOne
		);
		await inBatches(
			seats.filter((seat) => seat.m > 0),
			options.connectBatch,
			seatOne
		);
		await inBatches([...sessions.keys()], PREPARE_BATCH, async (i) => {
			await sessions[i]!.prepare?.(clients[i]!);
		});
		return new ControlLoad(sessions, clients, (performance.now() - started) / 1000);
	}

	/** Every session grants the floor every `intervalMs`, phases spread over the interval. */
	startGranting(intervalMs: number): void {
		this.#granting = true;
		const n = this.sessions.length;
		const t0 = performance.now() + 20;
		for (const [i, spec] of this.sessions.entries()) {
			const phase = (i * intervalMs) / n;
			const mediator = this.clients[i]![0]!;
			let slot = 0;
			let count = 0;
			const schedule = () => {
				// A slot already half an interval late is skipped, not sent in a burst.
				while (t0 + phase + slot * intervalMs < performance.now() - intervalMs / 2) slot++;
				this.#timers[i] = setTimeout(
					fire,
					Math.max(0, t0 + phase + slot * intervalMs - performance.now())
				);
			};
			const fire = () => {
				if (!this.#granting) return;
				const to = spec.floorTo[count++ % 2]!;
				const grant: Grant = { session: i, to, sentAt: performance.now(), seq: 0, refused: false };
				this.grants.push(grant);
				mediator.socket.emit('command', { type: 'grantFloor', participantId: to }, (ack: Ack) => {
					grant.answeredAt = performance.now();
					if (ack.ok) grant.seq = ack.value.seq;
					else grant.refused = true;
				});
				slot++;
				schedule();
			};
			schedule();
		}
	}

	stopGranting(): void {
		this.#granting = false;
		for (const timer of this.#timers) clearTimeout(timer);
	}

	/**
	 * The fan-out of every grant sent in [from, to): sorted latencies (ms), the grants refused,
	 * unanswered or not delivered to every member, and the latencies per second from `from`.
	 */
	fanOut(from: number, to: number): { latencies: number[]; failed: number; perSecond: number[][] } {
		const latencies: number[] = [];
		const perSecond: number[][] = Array.from({ length: Math.ceil((to - from) / 1000) }, () => []);
		let failed = 0;
		for (const grant of this.grants) {
			if (grant.sentAt < from || grant.sentAt >= to) continue;
			if (grant.refused || grant.seq === 0) {
				failed++;
				continue;
			}
			let last = 0;
			for (const client of this.clients[grant.session]!) {
				const at = client.arrivalOf(grant.seq);
				if (at === undefined) {
					last = NaN;
					break;
				}
				last = Math.max(last, at);
			}
			if (Number.isNaN(last)) failed++;
			else {
				latencies.push(last - grant.sentAt);
				perSecond[Math.floor((grant.sentAt - from) / 1000)]?.push(last - grant.sentAt);
			}
		}
		latencies.sort((a, b) => a - b);
		return { latencies, failed, perSecond };
	}

	/** Clients whose connection dropped. */
	get dropped(): number {
		return this.clients.flat().filter((client) => client.dropped).length;
	}

	close(): void {
		this.stopGranting();
		for (const client of this.clients.flat()) {
			client.close();
			openClients.delete(client);
		}
	}
}

/** A round's figures: the fan-out of the grants sent in the window, and the window's CPU. */
export interface RoundFigures extends Omit<WindowFigures, 'startAt' | 'endAt'> {
	n: number;
	p50: number;
	p99: number;
	max: number;
	/** Grants delivered to every member. */
	commands: number;
	/** Refused, unanswered, or not delivered to every member by the end of the grace time. */
	failed: number;
	/** The servers' CPU time per grant delivered, ms. */
	cpuMsPerCommand: number;
	connectS: number;
	dropped: number;
}

export function roundFigures(load: ControlLoad, window: WindowFigures): RoundFigures {
	const { latencies, failed } = load.fanOut(window.startAt, window.endAt);
	const { startAt: _start, endAt: _end, ...cpu } = window;
	return {
		...cpu,
		n: load.sessions.length,
		p50: percentile(latencies, 0.5),
		p99: percentile(latencies, 0.99),
		max: latencies.at(-1) ?? NaN,
		commands: latencies.length,
		failed,
		cpuMsPerCommand: window.cpuMs / latencies.length,
		connectS: load.connectS,
		dropped: load.dropped
	};
}

/** One line of a round's figures, for the log. */
export function describeFigures(f: RoundFigures): string {
	return (
		`p50 ${f.p50.toFixed(1)} ms, p99 ${f.p99.toFixed(1)} ms, max ${f.max.toFixed(1)} ms, ` +
		`${f.commands} grants (${f.failed} failed, ${f.dropped} connections dropped), ` +
		`server CPU ${f.cpu.toFixed(0)} % (${f.cpuMsPerCommand.toFixed(3)} ms a grant), RSS ${f.rss} MB (peak ${f.peakRss} MB), ` +
		`client CPU ${f.clientCpu.toFixed(0)} % (event-loop delay p99 ${f.loopP99.toFixed(1)} ms, max ${f.loopMax.toFixed(0)} ms)` +
		(f.dbCpu === null ? '' : `, PostgreSQL CPU ${f.dbCpu.toFixed(0)} %`) +
		`, other load ${f.otherCpu.toFixed(0)} %`
	);
}
