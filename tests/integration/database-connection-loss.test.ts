import pg from 'pg';
import { afterAll, describe, expect, it, vi } from 'vitest';
import {
	expectNothingLost,
	expectReconnected,
	startBusySession,
	type BusySession
} from '../helpers/busy-session.ts';
import { createResilientPool } from '#lib/server/db/postgres-pool.ts';
import { createLogger } from '#lib/server/log.ts';
import { createPostgresDatabase } from '../helpers/database.ts';
import { startDemoMend, type DemoMend } from '../helpers/demo-mend.ts';
import { testEnv } from '../helpers/env.ts';
import { postgresFor } from '../helpers/postgres.ts';

/**
 * Mend rides through its database connections being cut (an operator's pg_terminate_backend,
 * a proxy's timeout, a failover): the process stays up, answers its health check, and the live
 * session goes on — nobody's connection drops, and every command and edit it acknowledged is
 * in the database afterwards. Mend runs as its own process on PostgreSQL (whatever database
 * this run uses: cutting connections needs a server), and the connections are cut while it
 * is idle and then again and again under load.
 */

const withPostgres = await postgresFor('server');

let demo: DemoMend | undefined;
let session: BusySession | undefined;
let admin: pg.Client | undefined;

afterAll(async () => {
	session?.close();
	await admin?.end();
	await demo?.close();
});

/** Terminates every connection Mend holds to its database; how many there were. */
async function cutConnections(database: string): Promise<number> {
	const { rows } = await admin!.query<{ cut: boolean }>(
		`select pg_terminate_backend(pid) as cut from pg_stat_activity
		 where datname = $1 and pid <> pg_backend_pid()`,
		[database]
	);
	return rows.length;
}

const health = async (url: string) => {
	const response = await fetch(`${url}/api/health`);
	return { status: response.status, body: await response.json() };
};

describe.skipIf(!withPostgres)('Mend when its database connections are cut', () => {
	it('stays up, keeps the live session going and loses nothing it acknowledged', async () => {
		demo = await startDemoMend('mend-db-cut-', { COLLAB_COMPACT_AFTER_ROWS: '30' }, () =>
			createPostgresDatabase(testEnv.postgresUrl)
		);
		const { url } = demo;
		const databaseUrl = demo.database.config.kind === 'postgres' ? demo.database.config.url : '';
		const database = new URL(databaseUrl).pathname.slice(1);
		admin = new pg.Client({ connectionString: testEnv.postgresUrl });
		await admin.connect();
		session = await startBusySession(demo);

		// Idle: every connection in the pool is cut at once (the crash of issue 17).
		expect(await cutConnections(database)).toBeGreaterThan(0);
		await expectReconnected(demo);
		expect(await health(url)).toEqual({ status: 200, body: { ok: true, database: 'up' } });

		// Under load: commands, typing and pages in flight, and the connections cut under them.
		session.busy();
		await vi.waitFor(() => expect(session!.acknowledged.length).toBeGreaterThan(20), {
			timeout: 30_000
		});
		let outages = 1;
		for (let cut = 1; cut <= 12; cut++) {
			const acknowledgedBefore = session.acknowledged.length;
			if ((await cutConnections(database)) > 0) outages++;
			await expectReconnected(demo, outages);
			// Until Mend has acknowledged more since: the cut met it working.
			await vi.waitFor(
				() => expect(session!.acknowledged.length).toBeGreaterThan(acknowledgedBefore + 4),
				{ timeout: 20_000 }
			);
		}
		await session.calm();

		expect(demo.process.child.exitCode).toBeNull();
		expect(await health(url)).toEqual({ status: 200, body: { ok: true, database: 'up' } });
		// Nobody's connection dropped, to the session or to the draft.
		expect(session.drops).toBe(0);
		for (const typist of Object.values(session.typists)) expect(typist.closes).toEqual([]);
		// A page whose read was cut is read again; one that could not be is a 503, never a 500.
		expect(session.pages.filter((status) => status !== 200 && status !== 503)).toEqual([]);
		// Commands were answered: refused only while the database did not answer, if ever.
		expect(session.refused.filter((code) => code !== 'unavailable')).toEqual([]);

		// The session goes on: a command now reaches everyone.
		const seq = await session.mediator.do({ type: 'setPartiesMuted', muted: true });
		await session.parties.victim.until((v) => v.seq >= seq && v.you.mutedByMediator);
		await expectNothingLost(session, databaseUrl);
		expect(demo.process.output()).toMatch(/database connection lost \(57P01/);
	}, 300_000);

	it('makes a read cut under it once more, and leaves a cut write to its caller', async () => {
		const database = await createPostgresDatabase(testEnv.postgresUrl);
		const url = database.config.kind === 'postgres' ? database.config.url : '';
		const { pool, availability } = createResilientPool(
			pg.Pool,
			pg.Client,
			url,
			createLogger('silent')
		);
		const watcher = new pg.Client({ connectionString: url });
		try {
			await watcher.connect();
			await pool.query('create table marks (mark int)');
			/** Terminates the statement running `marker` once it runs. */
			const cutWhenRunning = async (marker: string) => {
				for (;;) {
					const { rows } = await watcher.query(
						`select pg_terminate_backend(pid) as cut from pg_stat_activity
						 where query like $1 and pid <> pg_backend_pid()`,
						[`%${marker}%`]
					);
					if (rows.length > 0) return;
					await new Promise((resolve) => setTimeout(resolve, 20));
				}
			};
			const [read] = await Promise.all([
				pool.query(`select 42 as answer, pg_sleep(2) as read_mark`),
				cutWhenRunning('read_mark')
			]);
			expect(read.rows[0]).toMatchObject({ answer: 42 });
			const [write] = await Promise.allSettled([
				pool.query(`insert into marks select 1 from pg_sleep(2) as write_mark`),
				cutWhenRunning('write_mark')
			]);
			expect(write).toMatchObject({ status: 'rejected' });
			expect((await pool.query('select count(*)::int as marks from marks')).rows).toEqual([
				{ marks: 0 }
			]);
		} finally {
			await watcher.end();
			availability.close();
			await pool.end();
			await database.drop();
		}
	});
});
