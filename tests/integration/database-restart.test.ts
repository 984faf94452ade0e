import { afterAll, describe, expect, it, vi } from 'vitest';
import type { PartyView } from '#lib/protocol/session-view.ts';
import {
	expectNothingLost,
	expectReconnected,
	startBusySession,
	type BusySession
} from '../helpers/busy-session.ts';
import { createPostgresDatabase } from '../helpers/database.ts';
import { startDemoMend, type DemoMend } from '../helpers/demo-mend.ts';
import { postgresFor, startPostgresCluster, type PostgresCluster } from '../helpers/postgres.ts';
import { SessionClient } from '../helpers/session-client.ts';

/**
 * PostgreSQL restarted, frozen, then stopped for a while, in the middle of a live session: Mend
 * stays up and says so in its log; while the database is gone, commands are refused with a
 * clear error (never acknowledged without being durable), pages and the health check answer
 * 503 at once, and a party can still step out — shown at once even while the database hangs
 * without answering; once it is back, everything resumes by itself —
 * nobody's connection dropped, and everything acknowledged is in the database. The test runs
 * a PostgreSQL cluster of its own (initdb, pg_ctl), whichever database this run uses.
 */

const withCluster = await postgresFor('cluster');

let cluster: PostgresCluster | undefined;
let demo: DemoMend | undefined;
let session: BusySession | undefined;
const closers: { close(): void }[] = [];

afterAll(async () => {
	for (const closer of closers) closer.close();
	session?.close();
	// A test that failed while the cluster was frozen leaves it frozen: its database could not
	// be dropped, nor the cluster stopped.
	await cluster?.thaw();
	await demo?.close().catch(() => {});
	await cluster?.remove();
});

describe.skipIf(!withCluster)('a live session while PostgreSQL restarts and stops', () => {
	it('goes on through a restart, refuses cleanly while it is down, and loses nothing', async () => {
		cluster = await startPostgresCluster();
		demo = await startDemoMend('mend-db-restart-', { COLLAB_COMPACT_AFTER_ROWS: '30' }, () =>
			createPostgresDatabase(cluster!.url)
		);
		const { url } = demo;
		const databaseUrl = demo.database.config.kind === 'postgres' ? demo.database.config.url : '';
		session = await startBusySession(demo);
		const { mediator, parties } = session;
		session.busy();
		await vi.waitFor(() => expect(session!.acknowledged.length).toBeGreaterThan(20), {
			timeout: 30_000
		});

		// A fast restart: every connection terminated, new ones refused until it is up again.
		let acknowledged = session.acknowledged.length;
		await cluster.restart();
		await expectReconnected(demo);
		await vi.waitFor(() => expect(session!.acknowledged.length).toBeGreaterThan(acknowledged + 8), {
			timeout: 30_000
		});
		expect(demo.process.child.exitCode).toBeNull();

		// Frozen: connections open, nothing answers. Stepping out does not wait for it, and the
		// health check answers (503) instead of hanging with it.
		await cluster.freeze();
		const guardianSteppedOut = parties.guardian.socket
			.timeout(120_000)
			.emitWithAck('command', { type: 'stepOut' });
		await parties.guardian.until((v) => v.you.onBreak === 'resting');
		const frozenHealth = await fetch(`${url}/api/health`);
		expect(frozenHealth.status).toBe(503);
		await cluster.thaw();
		expect(await guardianSteppedOut).toMatchObject({ ok: true });
		acknowledged = session.acknowledged.length;
		await vi.waitFor(() => expect(session!.acknowledged.length).toBeGreaterThan(acknowledged + 8), {
			timeout: 60_000
		});

		// Stopped: Mend notices, and refuses what it cannot make durable.
		await cluster.stop();
		await vi.waitFor(
			async () => {
				const result = await mediator.send({ type: 'setPartiesMuted', muted: true });
				expect(result).toMatchObject({ ok: false, error: { code: 'unavailable' } });
				expect(result.ok || result.error.message).toMatch(/cannot save anything right now/);
			},
			{ timeout: 30_000, interval: 500 }
		);
		const health = await fetch(`${url}/api/health`);
		expect([health.status, await health.json()]).toEqual([
			503,
			{ ok: false, database: 'unavailable' }
		]);
		const page = await session.staff.fetch('/staff/riverside');
		expect(page.status).toBe(503);
		expect(await page.text()).toContain('cannot reach its database');
		// A browser that connects now is told to come back, not refused for good.
		const late = new SessionClient(url, {
			cookie: session.browsers.offender.http.cookieHeader,
			meetingId: session.meetingId,
			as: 'party'
		});
		closers.push(late);
		await expect(late.connected()).rejects.toThrow('unavailable');
		// Stepping out is never refused, and separating someone does not wait for the database.
		// (Its answer comes once its entry is durable: after the restart, however long that takes.)
		const steppedOut = parties.victim.socket
			.timeout(120_000)
			.emitWithAck('command', { type: 'stepOut' });
		await parties.victim.until((v: PartyView) => v.you.onBreak === 'resting');
		await mediator.until((v) => v.participants.some((p) => p.onBreak === 'resting'));
		expect(demo.process.child.exitCode).toBeNull();

		// Back: everything resumes by itself.
		acknowledged = session.acknowledged.length;
		await cluster.start();
		await expectReconnected(demo, 2);
		expect(await steppedOut).toMatchObject({ ok: true });
		await vi.waitFor(() => expect(session!.acknowledged.length).toBeGreaterThan(acknowledged + 8), {
			timeout: 30_000
		});
		await vi.waitFor(async () => expect((await fetch(`${url}/api/health`)).status).toBe(200), {
			timeout: 15_000
		});
		await session.calm();

		expect(demo.process.child.exitCode).toBeNull();
		expect(session.drops).toBe(0);
		for (const typist of Object.values(session.typists)) expect(typist.closes).toEqual([]);
		expect(session.pages.filter((status) => status !== 200 && status !== 503)).toEqual([]);
		expect(session.refused.filter((code) => code !== 'unavailable')).toEqual([]);
		const log = demo.process.output();
		expect(log).toMatch(/database connection lost \(57P01/);
		expect(log).toMatch(/database unavailable/);
		expect(log).toMatch(/database reconnected after/);

		// The victim comes back from her break; the session goes on.
		await parties.victim.do({ type: 'readyToReturn' });
		const victimId = parties.victim.view.you.id;
		await mediator.until((v) => v.participants.some((p) => p.onBreak === 'ready'));
		await mediator.do({ type: 'moveParticipant', participantId: victimId, roomId: 'joint' });
		await parties.victim.until((v) => v.place.kind === 'joint' && v.you.onBreak === null);
		await expectNothingLost(session, databaseUrl);
	}, 300_000);
});
