import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import { DatabaseAvailability } from './availability.ts';
import { createLogWriter, LogConflictError, type Query } from './log-writer.ts';

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
		await writer.append('session_events', COLUMNS, [entry(meeting, 1), entry(meeting, 2)]);
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
		await writer.append('session_events', COLUMNS, [entry(meeting, 1)]);
		expect(down).toBe(-1);
		expect(await stored(meeting)).toEqual([{ seq: 1, hash: 'h1' }]);
	});

	it('fails the write when another entry is stored at its seq: memory and log disagree', async () => {
		const meeting = randomUUID();
		await createLogWriter(query, answering(), silent, 1).append('session_events', COLUMNS, [
			entry(meeting, 1, 'someone else’s')
		]);
		const writer = createLogWriter(losingOnce('before'), answering(), silent, 1);
		await expect(
			writer.append('session_events', COLUMNS, [entry(meeting, 1), entry(meeting, 2)])
		).rejects.toThrow(LogConflictError);
		expect(await stored(meeting)).toEqual([{ seq: 1, hash: 'someone else’s' }]);
	});

	it('writes agreement updates again whatever happened: a copy merges into nothing new', async () => {
		const doc = `notes-${randomUUID()}`;
		const update = Buffer.from([1, 2, 3]);
		const writer = createLogWriter(losingOnce('after'), answering(), silent, 1);
		await writer.append('collab_updates', ['doc', 'update'], [[doc, update]]);
		const { rows } = await query('select update from collab_updates where doc = $1', [doc]);
		expect(rows.map((row) => [...(row.update as Uint8Array)])).toEqual([
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
		await expect(
			writer.append('session_events', COLUMNS, [entry(meeting, 1), entry(meeting, 1, 'again')])
		).rejects.toThrow(/duplicate key/);
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
		const writing = writer.append('session_events', COLUMNS, [entry(randomUUID(), 1)]);
		await gone.reconnects();
		writer.stopRetrying();
		await expect(writing).rejects.toThrow('terminating connection');
		gone.close();
	});
});
