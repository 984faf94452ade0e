import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import { DatabaseAvailability } from './availability.ts';
import { createLogWriter, LogConflictError, type Query } from './log-writer.ts';
import type { Fence } from './ownership.ts';

/**
 * The append-only logs' writes when their connection is lost: the answer to a COMMIT can be
 * lost with it, so a write is made again without knowing whether it happened. A real database
 * (in-memory PGlite) with the logs' keys; the connection is lost, by the query function, just
 * before a statement runs or just after it committed.
 */

let client: PGlite;
let query: Query;
beforeAll(async () => {
	client = await PGlite.create();
	query = async (text, params) => {
		const { rows } = await client.query<Record<string, unknown>>(text, params);
		return { rows };
	};
	await query(
		`create table session_events (meeting_id uuid, seq int, at timestamptz, actor text,
			command jsonb, prev_hash text, hash text, primary key (meeting_id, seq))`,
		[]
	);
	await query(`create table collab_updates (id bigserial primary key, doc text, update bytea)`, []);
	await query(`create table live_owners (resource text primary key, epoch int not null)`, []);
	// PGlite's first start (initdb) takes seconds, many on a busy machine.
}, 60_000);
afterAll(() => client?.close());

const silent = createLogger('silent');
const lost = () => Object.assign(new Error('terminating connection'), { code: '57P01' });
const COLUMNS = ['meeting_id', 'seq', 'at', 'actor', 'command', 'prev_hash', 'hash'];
const entry = (meeting: string, seq: number, hash = `h${seq}`) => [
	meeting,
	seq,
	new Date(),
	'system',
	JSON.stringify({ type: 'connected' }),
	seq === 1 ? null : `h${seq - 1}`,
	hash
];

/** A query function whose first statement loses its connection, `before` or after it ran. */
function losingOnce(when: 'before' | 'after'): Query & { calls: number } {
	const losing = Object.assign(
		async (text: string, params: unknown[]) => {
			losing.calls++;
			if (losing.calls > 1) return query(text, params);
			if (when === 'after') await query(text, params);
			throw lost();
		},
		{ calls: 0 }
	);
	return losing;
}

/** Row by row, the fence of a resource this test owns (ownership.ts), at epoch 1. */
const owned = async (rows: unknown[][], prefix = 'session:'): Promise<Fence[]> => {
	const fences = rows.map((row): Fence => [`${prefix}${String(row[0])}`, 1]);
	for (const [resource] of fences)
		await query('insert into live_owners values ($1, 1) on conflict do nothing', [resource]);
	return fences;
};

const answering = () =>
	new DatabaseAvailability({ log: silent, reconnect: async () => {}, ping: async () => {} });

const stored = async (meeting: string) =>
	(
		await query('select seq, hash from session_events where meeting_id = $1 order by seq', [
			meeting
		])
	).rows;

describe('writing a log again after its connection was lost', () => {
	it('stores a session’s entries once when the lost answer was to a commit that happened', async () => {
		const meeting = randomUUID();
		const writer = createLogWriter(losingOnce('after'), answering(), silent, 1);
		const rows = [entry(meeting, 1), entry(meeting, 2)];
		await writer.append('session_events', COLUMNS, rows, await owned(rows));
		expect(await stored(meeting)).toEqual([
			{ seq: 1, hash: 'h1' },
			{ seq: 2, hash: 'h2' }
		]);
	});

	it('stores them when the connection was lost before they were written, once the database answers', async () => {
		const meeting = randomUUID();
		let down = 2;
		const availability = new DatabaseAvailability({
			log: silent,
			// Two attempts to reconnect fail first: the write waits for the third.
			reconnect: async () => {
				if (down-- > 0) throw Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
			},
			ping: async () => {}
		});
		const writer = createLogWriter(losingOnce('before'), availability, silent, 1);
		const rows = [entry(meeting, 1)];
		await writer.append('session_events', COLUMNS, rows, await owned(rows));
		expect(down).toBe(-1);
		expect(await stored(meeting)).toEqual([{ seq: 1, hash: 'h1' }]);
	});

	it('fails the write when another entry is stored at its seq: memory and log disagree', async () => {
		const meeting = randomUUID();
		const theirs = [entry(meeting, 1, 'someone else’s')];
		await createLogWriter(query, answering(), silent, 1).append(
			'session_events',
			COLUMNS,
			theirs,
			await owned(theirs)
		);
		const writer = createLogWriter(losingOnce('before'), answering(), silent, 1);
		const rows = [entry(meeting, 1), entry(meeting, 2)];
		await expect(writer.append('session_events', COLUMNS, rows, await owned(rows))).rejects.toThrow(
			LogConflictError
		);
		expect(await stored(meeting)).toEqual([{ seq: 1, hash: 'someone else’s' }]);
	});

	it('writes agreement updates again whatever happened: a copy merges into nothing new', async () => {
		const doc = `notes-${randomUUID()}`;
		const update = Buffer.from([1, 2, 3]);
		const writer = createLogWriter(losingOnce('after'), answering(), silent, 1);
		const rows = [[doc, update]];
		await writer.append('collab_updates', ['doc', 'update'], rows, await owned(rows, 'doc:'));
		const { rows: found } = await query('select update from collab_updates where doc = $1', [doc]);
		expect(found.map((row) => [...(row.update as Uint8Array)])).toEqual([
			[1, 2, 3],
			[1, 2, 3]
		]);
	});

	it('does not write again what the database refused', async () => {
		const meeting = randomUUID();
		const counting = Object.assign(
			async (text: string, params: unknown[]) => {
				counting.calls++;
				return query(text, params);
			},
			{ calls: 0 }
		);
		const writer = createLogWriter(counting, answering(), silent, 1);
		const rows = [entry(meeting, 1), entry(meeting, 1, 'again')];
		await expect(writer.append('session_events', COLUMNS, rows, await owned(rows))).rejects.toThrow(
			/duplicate key/
		);
		expect(counting.calls).toBe(1);
	});

	it('gives up a write waiting for a database that is gone once the process stops', async () => {
		const gone = new DatabaseAvailability({
			log: silent,
			reconnect: async () => {
				throw Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
			},
			ping: async () => {}
		});
		const writer = createLogWriter(async () => Promise.reject(lost()), gone, silent, 1);
		const rows = [entry(randomUUID(), 1)];
		const writing = writer.append('session_events', COLUMNS, rows, await owned(rows));
		await gone.reconnects();
		writer.stopRetrying();
		await expect(writing).rejects.toThrow('terminating connection');
		gone.close();
	});
});

describe('fencing: rows are stored only under their resource’s newest epoch', () => {
	it('refuses the rows of a session another process took since, and stores the batch’s others', async () => {
		const [kept, taken] = [randomUUID(), randomUUID()];
		const rows = [entry(kept, 1), entry(taken, 1), entry(taken, 2)];
		const fences = await owned(rows);
		// Another process loaded `taken` since this one did: its epoch rose to 2.
		await query(`update live_owners set epoch = 2 where resource = $1`, [`session:${taken}`]);

		const writer = createLogWriter(query, answering(), silent, 1);
		const refused = await writer.append('session_events', COLUMNS, rows, fences);
		expect([...refused]).toEqual([`session:${taken}`]);
		expect(await stored(kept)).toEqual([{ seq: 1, hash: 'h1' }]);
		expect(await stored(taken)).toEqual([]);
	});

	it('refuses a write made again after a lost connection once the resource was taken meanwhile', async () => {
		const doc = `notes-${randomUUID()}`;
		const rows = [[doc, Buffer.from([7])]];
		const fences = await owned(rows, 'doc:');
		const losing = Object.assign(
			async (text: string, params: unknown[]) => {
				losing.calls++;
				if (losing.calls > 1) return query(text, params);
				// The connection is lost, and while it is, another process takes the document.
				await query(`update live_owners set epoch = 2 where resource = $1`, [`doc:${doc}`]);
				throw lost();
			},
			{ calls: 0 }
		);
		const writer = createLogWriter(losing, answering(), silent, 1);
		expect([...(await writer.append('collab_updates', ['doc', 'update'], rows, fences))]).toEqual([
			`doc:${doc}`
		]);
		const { rows: found } = await query('select 1 from collab_updates where doc = $1', [doc]);
		expect(found).toEqual([]);
	});
});
