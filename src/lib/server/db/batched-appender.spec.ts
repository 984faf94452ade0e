import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import { BatchedAppender } from './batched-appender.ts';
import { openDatabase, type DatabaseHandle, type LogWriter } from './client.ts';

/** A real in-memory PGlite with a two-column log that refuses any row whose seq is negative. */
let handle: DatabaseHandle;
beforeAll(async () => {
	handle = await openDatabase({ kind: 'pglite-memory' });
	await handle.db.execute(sql`create table session_events (meeting_id text, seq int)`);
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

describe('appending to a log in batches', () => {
	it('writes each key’s rows in order; a failed write fails the key’s rows appended meanwhile', async () => {
		const outcome = (p: Promise<void>) =>
			p.then(
				() => 'stored',
				() => 'failed'
			);
		const meanwhile: Promise<string>[] = [];
		// The real writer; rows are appended while its first write is under way.
		let whileWriting: (() => void) | null = () =>
			meanwhile.push(
				outcome(appender.append('a', ['a', 2])),
				outcome(appender.append('c', ['c', 1]))
			);
		const writer: LogWriter = {
			parallelism: handle.log.parallelism,
			append(table, columns, rows) {
				const written = handle.log.append(table, columns, rows);
				whileWriting?.();
				whileWriting = null;
				return written;
			},
			stopRetrying() {}
		};
		const appender = new BatchedAppender(
			writer,
			'session_events',
			['meeting_id', 'seq'],
			createLogger('silent')
		);
		// One tick: a's first row goes out with b's; a's second waits for it, c's for the writer.
		const first = [
			outcome(appender.append('a', ['a', -1])),
			outcome(appender.append('b', ['b', 1]))
		];
		expect(await Promise.all(first)).toEqual(['failed', 'failed']);
		// a's second row would follow one that is not there: refused with it, never written.
		expect(await Promise.all(meanwhile)).toEqual(['failed', 'stored']);
		expect([await stored('a'), await stored('b'), await stored('c')]).toEqual([[], [], [1]]);

		// Appended once the failure is known, the key starts again from what the table holds.
		await appender.append('a', ['a', 1]);
		expect(await stored('a')).toEqual([1]);
	});
});
