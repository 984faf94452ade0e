import { and, eq } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionEvents, sessionSnapshots } from '#lib/server/db/schema.ts';
import {
	initialState,
	RULES_VERSION,
	violations,
	type Live,
	type SessionState
} from '#lib/session/index.ts';
import { randomSteps } from '#lib/session/random-steps.ts';
import type { ParticipantSeed } from '#lib/session/transition.ts';
import type { SessionHost } from '#server/control/session-host.ts';
import { entryHash, verifyChain } from '#server/control/session-log.ts';
import { recoverSession, recoverSessions } from '#server/control/session-recovery.ts';
import { SNAPSHOT_EVERY_ENTRIES } from '#server/control/session-snapshots.ts';
import storedBeforeVersions from '../fixtures/session-log-v1.json' with { type: 'json' };
import {
	createCast,
	createMeetingRecord,
	openBareHost,
	storeRows,
	type BareHost,
	type StoredRow
} from '../helpers/bare-host.ts';

/**
 * Upgrades keep live sessions. A session is rebuilt from its log whatever version of Mend's
 * rules wrote it: the log of a whole session as stored before rules versions were recorded
 * (tests/fixtures/session-log-v1.json, made once from a real run) loads with today's code to
 * the states written here by hand — the upgrade contract, to keep passing for ever. An entry
 * the rules refuse now is left out with a warning instead of stopping the meeting from
 * loading; and a long session loads from its newest snapshot to the state a full replay
 * reaches.
 */

let bare: BareHost;

beforeAll(async () => {
	bare = await openBareHost();
});
afterAll(() => bare?.close());

const { meeting, people } = storedBeforeVersions;
const fixtureRows = storedBeforeVersions.rows as StoredRow[];

/** Where each person of the fixture is: a room's purpose and side, or the waiting room. */
function whereIs(state: SessionState): Record<keyof typeof people, string> {
	const rooms = state.phase === 'live' ? state.rooms : {};
	const sides: Record<string, string> = {
		[people.victim]: 'victim side',
		[people.offender]: 'offender side'
	};
	const place = (id: string) => {
		const { location } = state.participants[id]!;
		if (location.kind === 'waiting') return 'waiting';
		const room = rooms[location.roomId];
		if (!room) return `${location.roomId}, a room that does not exist`;
		return room.side ? `${room.purpose} (${sides[room.side]})` : room.purpose;
	};
	return {
		mediator: place(people.mediator),
		victim: place(people.victim),
		support: place(people.support),
		offender: place(people.offender),
		guardian: place(people.guardian)
	};
}

/** The hosts of the tests so far, whose last writes may still be on their way. */
const hosts: SessionHost[] = [];

/** `rows` stored alone under the fixture's meeting, loaded by a new host. */
async function loadFixture(rows: StoredRow[]) {
	const { db } = bare.deps;
	for (const earlier of hosts.splice(0)) await earlier.drain();
	const existing = await db.query.meetings.findFirst({
		where: (m, { eq }) => eq(m.id, meeting.id)
	});
	if (!existing) await createMeetingRecord(bare.deps, { meetingId: meeting.id });
	await db.delete(sessionEvents).where(eq(sessionEvents.meetingId, meeting.id));
	await db.delete(sessionSnapshots).where(eq(sessionSnapshots.meetingId, meeting.id));
	await storeRows(bare.deps, rows);
	bare.logged.length = 0;
	const host = bare.newHost();
	hosts.push(host);
	const session = await host.session(meeting.id);
	await host.drain();
	return { host, state: session.state };
}

/** The fixture's rows through its `nth` entry of type `type`. */
const through = (type: string, nth = 1) => {
	const found = fixtureRows.filter((row) => row.command.type === type)[nth - 1];
	if (!found) throw new Error(`the fixture has no ${type} number ${nth}`);
	return fixtureRows.filter((row) => row.seq <= found.seq);
};

const mediatorSeat = (state: SessionState): ParticipantSeed => {
	const { id, role, name, side } = state.participants[people.mediator]!;
	return { id, role, name, side };
};

describe('a session logged before rules versions were recorded', () => {
	it('loads to the state it ended in, and its log goes on from the last entry stored', async () => {
		const { host, state } = await loadFixture(fixtureRows);
		expect(state.phase).toBe('ended');
		expect(Object.values(whereIs(state))).toEqual(Array(5).fill('waiting'));
		for (const id of Object.values(people)) {
			expect(state.participants[id]!.status).toBe('active');
			expect(state.participants[id]!.connections).toBe(0);
		}
		expect(bare.logged).toEqual([]);

		// The stored rows are of version 1; the entry the load appended (nobody is connected to a
		// new process) is of today's version and chains from the last stored one.
		const entries = await host.log.load(meeting.id);
		const last = fixtureRows.at(-1)!;
		expect(entries.slice(0, fixtureRows.length).map((e) => e.rulesVersion)).toEqual(
			fixtureRows.map(() => 1)
		);
		expect(entries.slice(fixtureRows.length)).toMatchObject([
			{
				seq: last.seq + 1,
				prevHash: last.hash,
				rulesVersion: RULES_VERSION,
				envelope: { command: { type: 'connectionsReset' } }
			}
		]);
		expect(verifyChain(meeting.id, entries)).toBeNull();
		expect(await host.logHead(meeting.id)).toBe(entries.at(-1)!.hash);
	});

	it('resumes in a private room: each side in a room of its own, nobody to separate', async () => {
		const { state } = await loadFixture(through('joinRoom'));
		expect(state).toMatchObject({ phase: 'live', step: 'dialogue', separation: null });
		expect(whereIs(state)).toEqual({
			mediator: 'caucus (offender side)',
			victim: 'joint',
			support: 'joint',
			offender: 'caucus (offender side)',
			guardian: 'caucus (offender side)'
		});
		expect(violations(state)).toEqual([]);
	});

	it('resumes during a break: the break kept, the others held apart until a mediator is back', async () => {
		const { host, state } = await loadFixture(through('stepOut'));
		const live = state as Live;
		expect(live.step).toBe('dialogue');
		expect(live.speaking).toEqual({ mode: 'moderated', floor: null, queue: [] });
		expect(live.notices).toMatchObject([{ kind: 'break', participantId: people.victim }]);
		expect(live.participants[people.victim]!.onBreak).toBe('resting');
		expect(whereIs(state)).toEqual({
			mediator: 'joint',
			victim: 'break (victim side)',
			support: 'separation (victim side)',
			offender: 'separation (offender side)',
			guardian: 'separation (offender side)'
		});
		expect(violations(state)).toEqual([]);

		await host.connect(meeting.id, mediatorSeat(state));
		expect(whereIs(host.current(meeting.id)!)).toEqual({
			mediator: 'joint',
			victim: 'break (victim side)',
			support: 'joint',
			offender: 'joint',
			guardian: 'joint'
		});
	});

	it('resumes at the drafting step, everyone back in the joint room once the mediator is', async () => {
		// Through the guardian's phone coming back, at the drafting step.
		const { host, state } = await loadFixture(through('connected', 7));
		expect(state).toMatchObject({ phase: 'live', step: 'drafting', notices: [] });
		expect(Object.values((state as Live).separation!.previous)).toEqual(
			Array(4).fill({ kind: 'room', roomId: 'joint' })
		);
		expect(violations(state)).toEqual([]);

		await host.connect(meeting.id, mediatorSeat(state));
		const back = host.current(meeting.id) as Live;
		expect(back.separation).toBeNull();
		expect(Object.keys(back.rooms)).toEqual(['joint']);
		expect(Object.values(whereIs(back))).toEqual(Array(5).fill('joint'));
		expect(violations(back)).toEqual([]);
	});
});

/** The fixture with entry `seq` replaced by `command` of `actor`, its chain hashed again. */
function withEntry(seq: number, actor: string, command: StoredRow['command']): StoredRow[] {
	let prevHash: string | null = null;
	return fixtureRows.map((row) => {
		const changed = row.seq === seq ? { ...row, actor, command } : row;
		const envelope = {
			actor: changed.actor,
			at: Date.parse(changed.at),
			command: changed.command as never
		};
		const hash = entryHash(meeting.id, prevHash, row.seq, envelope, 1);
		const rehashed = { ...changed, prev_hash: prevHash, hash };
		prevHash = hash;
		return rehashed;
	});
}

describe('an entry the current rules refuse', () => {
	it('is left out with a warning naming the meeting and the entry; the session loads and its log goes on', async () => {
		// As an earlier version might have allowed: the mediator brings the victim back into the
		// joint room while she is still resting on her break (today: refused, invariant 3).
		const stepOut = fixtureRows.find((row) => row.command.type === 'stepOut')!;
		const crafted = stepOut.seq + 1;
		const rows = withEntry(crafted, people.mediator, {
			type: 'moveParticipant',
			participantId: people.victim,
			roomId: 'joint'
		});
		// Through the acknowledgement of her saying she is ready (the mediator has not moved her).
		const lastStored = crafted + 2;
		const { host, state } = await loadFixture(rows.filter((row) => row.seq <= lastStored));

		expect(bare.logged).toEqual([
			{
				level: 'warn',
				message: expect.stringContaining('refused by the current rules'),
				detail: { meetingId: meeting.id, seq: crafted, rulesVersion: 1, reason: 'onBreak' }
			}
		]);
		// Where she was before it: on her break, which she then said she was ready to end.
		const live = state as Live;
		expect(live.participants[people.victim]!.onBreak).toBe('ready');
		expect(whereIs(state).victim).toBe('break (victim side)');
		// The entry it replaced acknowledged the break's notice: that notice is still there.
		expect(live.notices.map((n) => n.kind)).toEqual(['break']);
		expect(violations(state)).toEqual([]);

		// The log goes on from the last entry stored, the one left out included.
		await host.connect(meeting.id, mediatorSeat(state));
		await host.drain();
		const entries = await host.log.load(meeting.id);
		expect(entries.find((e) => e.seq === lastStored + 1)!.prevHash).toBe(
			rows.find((row) => row.seq === lastStored)!.hash
		);
		expect(verifyChain(meeting.id, entries)).toBeNull();
	});
});

/** The order of people, rooms and who was where before a separation: the rules iterate in it. */
const orderOf = (state: SessionState) => ({
	participants: Object.keys(state.participants),
	rooms: state.phase === 'live' ? Object.keys(state.rooms) : [],
	separated: state.phase === 'live' ? Object.keys(state.separation?.previous ?? {}) : []
});

describe('a long session', () => {
	/**
	 * A meeting whose people send `length` random steps (seeded) through a host, connecting and
	 * dropping as well; ending and withdrawing only towards the end, so that it stays live.
	 */
	async function runSession(seed: number, length: number) {
		const record = await createMeetingRecord(bare.deps);
		const { meetingId } = record;
		const cast = await createCast(bare.deps, record);
		const { stepArb, envelopeFor } = randomSteps(cast);
		const [steps] = fc.sample(fc.array(stepArb, { minLength: length, maxLength: length }), {
			numRuns: 1,
			seed
		});
		const host = bare.newHost();
		// Everyone comes in first, as the steps expect of the people they name.
		let session = await host.session(meetingId);
		for (const seed of cast) session = await host.connect(meetingId, seed);
		let at = 0;
		for (const [i, step] of steps!.entries()) {
			const envelope = envelopeFor(session.state, step, (at += 1000));
			const { command } = envelope;
			const final = command.type === 'endSession' || command.type === 'withdraw';
			if (command.type === 'connected')
				session = await host.connect(meetingId, command.participant);
			else if (command.type === 'disconnected') host.disconnect(session, command.participantId);
			// Only a load makes these; and what closes the session waits for the last steps.
			else if (command.type === 'connectionsReset' || command.type === 'seedParticipants') continue;
			else if (!final || i >= steps!.length - 50)
				await host.dispatch(session, envelope.actor, command);
		}
		await host.drain();
		return { meetingId, host, live: host.current(meetingId)! };
	}

	it(
		'loads from its newest snapshot to the state the whole log replays to',
		{ timeout: 120_000 },
		async () => {
			const sessions = [];
			for (const seed of [1, 2, 3]) {
				const { meetingId, host, live } = await runSession(seed, 1800);
				sessions.push({ meetingId, host, live });
				const initial = initialState(meetingId, 'victim');
				const full = await recoverSession(meetingId, initial, host.log, null, bare.deps.log);
				const fromSnapshot = await recoverSession(
					meetingId,
					initial,
					host.log,
					host.snapshots,
					bare.deps.log
				);
				expect(live.seq, 'enough entries for snapshots').toBeGreaterThan(
					2 * SNAPSHOT_EVERY_ENTRIES
				);
				expect(full).toMatchObject({ from: 0, replayed: live.seq, skipped: [] });
				expect(fromSnapshot.from).toBe(live.seq - (live.seq % SNAPSHOT_EVERY_ENTRIES));
				expect(fromSnapshot.replayed).toBe(live.seq % SNAPSHOT_EVERY_ENTRIES);
				// The same state, down to the order of people and rooms (the rules follow that order).
				expect(fromSnapshot.state).toEqual(full.state);
				expect(full.state).toEqual(live);
				expect(orderOf(fromSnapshot.state)).toEqual(orderOf(full.state));
				expect(orderOf(full.state)).toEqual(orderOf(live));
				expect(fromSnapshot.lastHash).toBe(full.lastHash);
			}
			// Loaded together (a process taking up a dead one's meetings): each its own state.
			const { log, snapshots } = sessions[0]!.host;
			const together = await recoverSessions(
				new Map(sessions.map(({ meetingId }) => [meetingId, initialState(meetingId, 'victim')])),
				log,
				snapshots,
				bare.deps.log
			);
			for (const { meetingId, live } of sessions) {
				expect(together.get(meetingId)?.state).toEqual(live);
				expect(orderOf(together.get(meetingId)!.state)).toEqual(orderOf(live));
			}
		}
	);

	it('sets aside a snapshot of other rules or of another log, and stores one after a long replay', async () => {
		const { meetingId, host, live } = await runSession(4, 700);
		const { db } = bare.deps;
		const ours = and(eq(sessionSnapshots.meetingId, meetingId), eq(sessionSnapshots.seq, 200));
		const initial = initialState(meetingId, 'victim');
		const recover = () =>
			recoverSession(meetingId, initial, host.log, host.snapshots, bare.deps.log);
		expect(live.seq).toBeGreaterThan(SNAPSHOT_EVERY_ENTRIES);
		expect(await recover()).toMatchObject({ from: 200, replayed: live.seq - 200 });

		// Made by other rules (a later version, before a roll-back): the log is replayed instead.
		await db
			.update(sessionSnapshots)
			.set({ rulesVersion: RULES_VERSION + 1 })
			.where(ours);
		bare.logged.length = 0;
		expect(await recover()).toMatchObject({ from: 0, replayed: live.seq, skipped: [] });
		expect(bare.logged).toEqual([]);

		// Naming an entry this log does not hold: replayed instead too, with a warning.
		await db
			.update(sessionSnapshots)
			.set({ rulesVersion: RULES_VERSION, hash: 'f'.repeat(64) })
			.where(eq(sessionSnapshots.meetingId, meetingId));
		expect(await recover()).toMatchObject({ from: 0, replayed: live.seq });
		expect(bare.logged).toMatchObject([
			{
				level: 'warn',
				detail: { meetingId, seq: 200 },
				message: expect.stringContaining('snapshot')
			}
		]);

		// A process that loads it replays the whole log, and stores what it reached for next time
		// in place of the snapshot it could not use.
		const restarted = bare.newHost();
		await restarted.session(meetingId);
		await restarted.drain();
		const stored = await db
			.select({ seq: sessionSnapshots.seq, rulesVersion: sessionSnapshots.rulesVersion })
			.from(sessionSnapshots)
			.where(eq(sessionSnapshots.meetingId, meetingId));
		expect(stored).toEqual([{ seq: live.seq, rulesVersion: RULES_VERSION }]);
		expect(await recover()).toMatchObject({ from: live.seq, replayed: 1 });
	});
});
