import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import { BatchedAppender } from './batched-appender.ts';
import { openDatabase, type DatabaseHandle, type LogWriter } from './client.ts';
import { OwnershipLostError } from './ownership.ts';

/**
 * A real in-memory PGlite with a two-column log that refuses any row whose seq is negative,
 * and the owners' table that fences it (ownership.ts).
 */
let handle: DatabaseHandle;
beforeAll(async () => {
	handle = await openDatabase({ kind: 'pglite-memory' });
	await handle.db.execute(sql`create table session_events (meeting_id uuid, seq int)`);
	await handle.db.execute(
		sql`create table live_owners (resource text primary key, epoch int not null)`
	);
	await handle.db.execute(
		sql.raw(`create function refuse_negative() returns trigger language plpgsql as $$
			begin
				if new.seq < 0 then raise exception 'negative seq'; end if;
				return new;
			end $$`)
	);
	await handle.db.execute(
		sql`create trigger refuse_negative before insert on session_events
			for each row execute function refuse_negative()`
	);
	// PGlite's first start (initdb) takes seconds, many on a busy machine.
}, 60_000);
afterAll(() => handle?.close());

const stored = async (key: string) => {
	const result = (await handle.db.execute(
		sql`select seq from session_events where meeting_id = ${key} order by seq`
	)) as unknown as { rows: { seq: number }[] };
	return result.rows.map((r) => r.seq);
};

/** Meetings this process owns at epoch 1. */
const owned = async (count: number) => {
	const keys = Array.from({ length: count }, () => randomUUID());
	for (const key of keys)
		await handle.db.execute(sql`insert into live_owners values (${`session:${key}`}, 1)`);
	return keys;
};

const outcome = (p: Promise<void>) =>
	p.then(
		() => 'stored',
		(error: unknown) => (error instanceof OwnershipLostError ? 'taken' : 'failed')
	);

const appenderOver = (writer: LogWriter) =>
	new BatchedAppender(writer, 'session_events', ['meeting_id', 'seq'], createLogger('silent'), {
		resource: (key) => `session:${key}`
	});

describe('appending to a log in batches', () => {
	it('writes each key’s rows in order; a failed write fails the key’s rows appended meanwhile', async () => {
		const [a, b, c] = (await owned(3)) as [string, string, string];
		const meanwhile: Promise<string>[] = [];
		// The real writer; rows are appended while its first write is under way.
		let whileWriting: (() => void) | null = () =>
			meanwhile.push(
				outcome(appender.append(a, [a, 2], 1)),
				outcome(appender.append(c, [c, 1], 1))
			);
		const writer: LogWriter = {
			parallelism: handle.log.parallelism,
			append(table, columns, rows, fences) {
				const written = handle.log.append(table, columns, rows, fences);
				whileWriting?.();
				whileWriting = null;
				return written;
			},
			stopRetrying() {}
		};
		const appender = appenderOver(writer);
		// One tick: a's first row goes out with b's; a's second waits for it, c's for the writer.
		const first = [outcome(appender.append(a, [a, -1], 1)), outcome(appender.append(b, [b, 1], 1))];
		expect(await Promise.all(first)).toEqual(['failed', 'failed']);
		// a's second row would follow one that is not there: refused with it, never written.
		expect(await Promise.all(meanwhile)).toEqual(['failed', 'stored']);
		expect([await stored(a), await stored(b), await stored(c)]).toEqual([[], [], [1]]);

		// Appended once the failure is known, the key starts again from what the table holds.
		await appender.append(a, [a, 1], 1);
		expect(await stored(a)).toEqual([1]);
	});

	it('fails a key another process took, with the rows that would follow, and stores the others', async () => {
		const [kept, taken] = (await owned(2)) as [string, string];
		await handle.db.execute(
			sql`update live_owners set epoch = 2 where resource = ${`session:${taken}`}`
		);
		const appender = appenderOver(handle.log);
		const outcomes = [
			outcome(appender.append(kept, [kept, 1], 1)),
			outcome(appender.append(taken, [taken, 1], 1))
		];
		// Appended in the next tick, behind the first write: it would follow a missing row.
		await new Promise((resolve) => setImmediate(resolve));
		outcomes.push(outcome(appender.append(taken, [taken, 2], 1)));
		expect(await Promise.all(outcomes)).toEqual(['stored', 'taken', 'taken']);
		expect([await stored(kept), await stored(taken)]).toEqual([[1], []]);
	});
});
