/**
 * `npm run bench:session-load` — how long a live session takes to load from its log, against
 * the log's length: from its newest snapshot (what Mend does), and by replaying the whole log
 * (what it did before snapshots — the baseline), side by side.
 *
 * For each length (100, 1 000, 10 000, 50 000 entries) a new meeting's log is built from a
 * realistic session — the floor passed back and forth, hands raised, a private room opened and
 * closed, a break taken and ended, the mediator's connection dropping and coming back, a phone
 * reconnecting, the step moving between dialogue and drafting — applied by the real rules
 * (`transition`) and written straight into `session_events` with their hash chain, with the
 * snapshots the host would hold (one every SNAPSHOT_EVERY_ENTRIES entries, the newest kept),
 * placed for the worst case: the newest is SNAPSHOT_EVERY_ENTRIES − 1 entries behind the end
 * (none in a log shorter than that). Then the session is loaded as the host loads it
 * (`recoverSession`: read, verify the chain, replay), alternately from the snapshot and from
 * the start, each a number of times; the median is reported. Both loads must reach the same
 * state.
 *
 * On the embedded PGlite database (in memory), or, with BENCH_DATABASE_URL set, on a fresh
 * database of that PostgreSQL server, dropped at the end. Settings, all optional:
 *
 *   BENCH_DATABASE_URL=postgres://…   PostgreSQL instead of PGlite
 *   BENCH_LENGTHS=100,1000,10000,50000
 *   BENCH_REPEATS=5                   loads of each kind per length
 *
 * The last line printed is
 * `RESULT session-load entries=… replay_ms=… snapshot_ms=… ratio=… database=…` for the longest log.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import { openDatabase, type Database } from '#lib/server/db/client.ts';
import { cases, meetings, programs, sessionEvents } from '#lib/server/db/schema.ts';
import type { Logger } from '#lib/server/log.ts';
import type { SessionCommand } from '#lib/protocol/session-commands.ts';
import type { Live, SessionState } from '#lib/session/model.ts';
import { RULES_VERSION } from '#lib/session/replay.ts';
import {
	initialState,
	SYSTEM,
	transition,
	type Envelope,
	type ParticipantSeed,
	type SystemCommand
} from '#lib/session/transition.ts';
import { entryHash, SessionLog } from '#server/control/session-log.ts';
import { recoverSession } from '#server/control/session-recovery.ts';
import { SessionSnapshots, SNAPSHOT_EVERY_ENTRIES } from '#server/control/session-snapshots.ts';
import { createBenchDatabase, MIGRATIONS_FOLDER, type BenchDatabase } from './bench-database.ts';

const env = process.env;
const LENGTHS = (env.BENCH_LENGTHS ?? '100,1000,10000,50000').split(',').map(Number);
const REPEATS = Number(env.BENCH_REPEATS ?? 5);
/** Rows per INSERT while building a log. */
const CHUNK = 1000;

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

const ids = {
	mediator: `staff:${randomUUID()}`,
	victim: randomUUID(),
	support: randomUUID(),
	offender: randomUUID(),
	guardian: randomUUID()
};
const cast: ParticipantSeed[] = [
	{ id: ids.mediator, role: 'mediator', name: 'Dana Mediator', side: null },
	{ id: ids.victim, role: 'victim', name: 'Vera Victim', side: ids.victim },
	{ id: ids.support, role: 'support', name: 'Sam Support', side: ids.victim },
	{ id: ids.offender, role: 'offender', name: 'Otto Offender', side: ids.offender },
	{ id: ids.guardian, role: 'guardian', name: 'Gail Guardian', side: ids.offender }
];
const seedOf = (id: string) => cast.find((p) => p.id === id)!;

type Step = [actor: string, command: SessionCommand | SystemCommand];

/** The opening: everyone connects, is admitted and confirms; the accounts under moderation. */
const opening: Step[] = [
	[SYSTEM, { type: 'seedParticipants', participants: cast }],
	...cast.map((p): Step => [SYSTEM, { type: 'connected', participant: p }]),
	[ids.mediator, { type: 'startSession' }],
	...cast
		.filter((p) => p.role !== 'mediator')
		.flatMap((p): Step[] => [
			[ids.mediator, { type: 'admit', participantId: p.id }],
			[p.id, { type: 'confirmVoluntary' }]
		]),
	[ids.mediator, { type: 'goToStep', step: 'victim_account' }],
	[ids.mediator, { type: 'setSpeakingMode', mode: 'moderated' }]
];

/** One round of a long dialogue, made against the state it is applied to (rooms, notices). */
function round(state: () => Live, n: number): (() => Step)[] {
	const notice = () => ({ type: 'acknowledgeNotice' as const, noticeId: state().notices[0]!.id });
	const caucus = () =>
		Object.values(state().rooms).find((r) => r.purpose === 'caucus')?.id ?? 'none';
	return [
		() => [ids.mediator, { type: 'grantFloor', participantId: ids.victim }],
		() => [ids.offender, { type: 'raiseHand' }],
		() => [ids.victim, { type: 'finishSpeaking' }],
		() => [ids.mediator, { type: 'grantFloor', participantId: ids.offender }],
		() => [ids.victim, { type: 'raiseHand' }],
		() => [ids.mediator, { type: 'revokeFloor' }],
		() => [ids.mediator, { type: 'lowerHandOf', participantId: ids.victim }],
		() => [ids.mediator, { type: 'openPrivateRoom', participantId: ids.offender }],
		() => [ids.mediator, { type: 'joinRoom', roomId: caucus() }],
		() => [ids.mediator, { type: 'closeRoom', roomId: caucus() }],
		() => [ids.victim, { type: 'stepOut' }],
		() => [ids.mediator, notice()],
		() => [ids.victim, { type: 'readyToReturn' }],
		() => [ids.mediator, notice()],
		() => [ids.mediator, { type: 'moveParticipant', participantId: ids.victim, roomId: 'joint' }],
		() => [SYSTEM, { type: 'disconnected', participantId: ids.mediator }],
		() => [SYSTEM, { type: 'connected', participant: seedOf(ids.mediator) }],
		() => [SYSTEM, { type: 'disconnected', participantId: ids.guardian }],
		() => [SYSTEM, { type: 'connected', participant: seedOf(ids.guardian) }],
		() => [ids.mediator, { type: 'setMuted', participantId: ids.offender, muted: n % 2 === 0 }],
		() => [ids.mediator, { type: 'goToStep', step: n % 2 === 0 ? 'drafting' : 'dialogue' }]
	];
}

interface BuiltLog {
	meetingId: string;
	entries: number;
	refused: number;
	buildMs: number;
}

/** A meeting whose log holds `length` entries, and its snapshots. */
async function buildLog(db: Database, programId: string, length: number): Promise<BuiltLog> {
	const started = performance.now();
	const [record] = await db
		.insert(cases)
		.values({
			programId,
			reference: `LOAD-${randomUUID()}`,
			referralSource: 'probation',
			referralStage: 'diversion',
			offenseCategory: 'property',
			description: 'Benchmark case: window broken, phone taken from the car.',
			offenderIsJuvenile: true,
			status: 'in_progress'
		})
		.returning();
	const [meeting] = await db
		.insert(meetings)
		.values({
			caseId: record!.id,
			kind: 'joint',
			scheduledAt: new Date(),
			durationMinutes: 90,
			status: 'live'
		})
		.returning();
	const meetingId = meeting!.id;
	const snapshots = new SessionSnapshots(db);

	let state: SessionState = initialState(meetingId, 'victim');
	let prevHash: string | null = null;
	let at = Date.parse('2026-12-01T15:00:00Z');
	let refused = 0;
	let rows: (typeof sessionEvents.$inferInsert)[] = [];
	const flush = async () => {
		if (rows.length > 0) await db.insert(sessionEvents).values(rows);
		rows = [];
	};
	// The newest snapshot as far behind the log's end as the host lets it be: the worst load.
	const newest = length - (SNAPSHOT_EVERY_ENTRIES - 1);
	const steps = opening.map((s) => () => s);
	for (let n = 0; state.seq < length; n++) {
		if (steps.length === 0) steps.push(...round(() => state as Live, n));
		const [actor, command] = steps.shift()!();
		const envelope: Envelope = { actor, command, at: (at += 1000) };
		const result = transition(state, envelope);
		if (!result.ok) refused++;
		if (!result.ok || result.state === state) continue;
		state = result.state;
		const hash = entryHash(meetingId, prevHash, state.seq, envelope, RULES_VERSION);
		rows.push({
			meetingId,
			seq: state.seq,
			at: new Date(at),
			actor,
			command: command as unknown as Record<string, unknown>,
			prevHash,
			hash,
			rulesVersion: RULES_VERSION
		});
		prevHash = hash;
		if (rows.length >= CHUNK) await flush();
		if ((newest - state.seq) % SNAPSHOT_EVERY_ENTRIES === 0 && state.seq <= newest) {
			// The host stores a snapshot once its entry is durable.
			await flush();
			const snapshot = { seq: state.seq, rulesVersion: RULES_VERSION, state, hash };
			await snapshots.store(meetingId, snapshot, new Date(at));
		}
	}
	await flush();
	return { meetingId, entries: state.seq, refused, buildMs: performance.now() - started };
}

const median = (values: number[]) => {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)]!;
};

async function main() {
	const adminUrl = env.BENCH_DATABASE_URL;
	let bench: BenchDatabase | undefined;
	if (adminUrl) bench = await createBenchDatabase(adminUrl, 'session_load');
	const kind = bench ? 'postgres' : 'pglite';
	const handle = await openDatabase(
		bench ? { kind: 'postgres', url: bench.url } : { kind: 'pglite-memory' },
		silent
	);
	try {
		await handle.migrate(MIGRATIONS_FOLDER);
		const { db } = handle;
		const [program] = await db
			.insert(programs)
			.values({ slug: 'bench', name: 'Bench', timeZone: 'America/Chicago', currency: 'USD' })
			.returning();
		const log = new SessionLog(db, handle.log, silent);
		const snapshots = new SessionSnapshots(db);

		console.log(`Session load on ${kind}, median of ${REPEATS} loads of each kind\n`);
		console.log(
			'| entries | replayed from snapshot | full replay | from snapshot | ratio | log built in |'
		);
		console.log('|---:|---:|---:|---:|---:|---:|');
		let last = { entries: 0, replay: 0, snapshot: 0 };
		for (const length of LENGTHS) {
			const built = await buildLog(db, program!.id, length);
			const initial = initialState(built.meetingId, 'victim');
			const load = async (fromSnapshot: boolean) => {
				const started = performance.now();
				const recovered = await recoverSession(
					built.meetingId,
					initial,
					log,
					fromSnapshot ? snapshots : null,
					silent
				);
				return { ms: performance.now() - started, recovered };
			};
			// Once each before measuring (the code warms up), and both must agree.
			const [full, quick] = [await load(false), await load(true)];
			if (!isDeepStrictEqual(full.recovered.state, quick.recovered.state))
				throw new Error(`${length}: the snapshot and the full replay disagree`);
			const times = { replay: [] as number[], snapshot: [] as number[] };
			for (let i = 0; i < REPEATS; i++)
				for (const fromSnapshot of i % 2 === 0 ? [false, true] : [true, false]) {
					const { ms } = await load(fromSnapshot);
					times[fromSnapshot ? 'snapshot' : 'replay'].push(ms);
				}
			const replay = median(times.replay);
			const snapshot = median(times.snapshot);
			console.log(
				`| ${built.entries} | ${quick.recovered.replayed} | ${replay.toFixed(1)} ms | ` +
					`${snapshot.toFixed(1)} ms | ${(replay / snapshot).toFixed(1)} | ` +
					`${(built.buildMs / 1000).toFixed(1)} s |`
			);
			if (built.refused > 0) console.error(`(${built.refused} steps refused while building)`);
			last = { entries: built.entries, replay, snapshot };
		}
		console.log(
			`\nRESULT session-load entries=${last.entries} replay_ms=${last.replay.toFixed(1)} ` +
				`snapshot_ms=${last.snapshot.toFixed(1)} ratio=${(last.replay / last.snapshot).toFixed(1)} ` +
				`database=${kind}`
		);
	} finally {
		await handle.close();
		await bench?.drop();
	}
}

await main();
