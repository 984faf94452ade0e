import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoMediator, openDemoLink, startDemoMend, type DemoMend } from '../helpers/demo-mend.ts';
import { testEnv } from '../helpers/env.ts';
import { FuzzRun, type FuzzContext } from '../helpers/fuzz-run.ts';
import { Rand, seedFrom } from '../helpers/fuzz-random.ts';
import { residentMb, watchHealth } from '../helpers/health-watch.ts';
import { HttpClient } from '../helpers/http.ts';

/**
 * Malformed and oversized input from every side at once, against a real Mend in its own
 * process: raw engine.io / socket.io frames over WebSockets and long-polling (bad types and
 * JSON, attachment counts, nesting, namespaces, handshake junk, junk payloads of real events,
 * floods), y-websocket frames (random bytes, truncated varints, lengths beyond the message,
 * sync and awareness floods and junk, real updates), form posts (dotted names and indices,
 * counts, multipart junk, files), JSON bodies and raw HTTP. Throughout, Mend must stay up,
 * answer its health check within a second, refuse without an error of its own, and keep its
 * memory within a ceiling above where it started.
 *
 * Seeded: the seed is printed, and `FUZZ_SEED=<seed>` replays the same inputs (in the same
 * order per fuzzer; what the server makes of them concurrently may differ). `FUZZ_SECONDS`
 * runs longer than the CI budget (tests/helpers/env.ts).
 */

const SECONDS = testEnv.fuzzSeconds;
const SEED = seedFrom(testEnv.fuzzSeed);
/**
 * The issue's bound: the health check answers within a second, whatever else arrives — less
 * any time the machine gave Mend no CPU at all (other processes; health-watch.ts).
 */
const HEALTH_WITHIN_MS = 1_000;
/** Resident memory may grow this much above where it started (PGlite alone holds ~600 MB). */
const RSS_CEILING_MB = 256;

let demo: DemoMend | undefined;
let run: FuzzRun | undefined;

beforeAll(async () => {
	demo = await startDemoMend('mend-fuzz-');
}, 120_000);
afterAll(async () => {
	run?.close();
	await demo?.close();
});

/** Who the fuzzers act as: the demo's mediator and parties, and a coordinator. */
async function contextOf({ url, links }: DemoMend): Promise<FuzzContext> {
	// Signed in first: the sign-in fuzzing soon uses up this address's attempts.
	const coordinator = new HttpClient(url);
	await coordinator.action('/login?/signIn', {
		email: 'coordinator@riverside.example',
		password: 'mend-demo-password'
	});
	const mediator = await demoMediator(url);
	const victim = await openDemoLink(url, links.victim);
	const offender = await openDemoLink(url, links.offender);
	const { meetingId } = victim;
	const { html: home } = await coordinator.page('/staff/riverside');
	const caseId = home.match(/\/cases\/([0-9a-f-]{36})/)![1]!;
	const { html: preparation } = await coordinator.page(
		`/staff/riverside/cases/${caseId}/preparation`
	);
	const victimId = preparation.match(
		/action="\?\/proposeTimes"[\s\S]*?name="partyId" value="([^"]+)"/
	)![1]!;
	// Each side's private notes: opened by the party (from their link) and by the mediator.
	const documents = [];
	for (const party of [victim, offender]) {
		const response = await party.http.fetch(
			`/api/meetings/${meetingId}/agreement?meeting=${meetingId}`
		);
		const { notesPartyId } = (await response.json()) as { notesPartyId: string };
		const name = `notes-${caseId}-${notesPartyId}`;
		documents.push(
			{ path: `${name}?meeting=${meetingId}`, cookie: party.http.cookieHeader },
			{ path: name, cookie: mediator.cookieHeader }
		);
	}
	return {
		url,
		cookies: {
			none: undefined,
			mediator: mediator.cookieHeader,
			victim: victim.http.cookieHeader,
			offender: offender.http.cookieHeader
		},
		documents,
		frames: { url, meetingId, seenIds: new Set() },
		posts: {
			url,
			caseId,
			victimId,
			victimLink: links.victim,
			cookies: { coordinator: coordinator.cookieHeader, victim: victim.http.cookieHeader }
		}
	};
}

describe('Mend under malformed and oversized input', () => {
	it(
		`stays up, answers its health check within a second and keeps its memory bounded (${SECONDS} s, seed ${SEED})`,
		async () => {
			console.log(`fuzz: seed ${SEED} — replay with FUZZ_SEED=${SEED} FUZZ_SECONDS=${SECONDS}`);
			const { url, process: mend } = demo!;
			const pid = mend.child.pid!;
			const context = await contextOf(demo!);
			const startedMb = await residentMb(pid);

			run = new FuzzRun(context, Date.now() + SECONDS * 1000);
			const health = watchHealth(url, pid, { withinMs: HEALTH_WITHIN_MS, everyMs: 200 });
			const seeds = new Rand(SEED);
			await Promise.all([
				run.socketIo(seeds.fork()),
				run.socketIo(seeds.fork()),
				run.collab(seeds.fork()),
				run.http(seeds.fork())
			]);
			const report = await health.stop();

			console.log(
				`fuzz: seed ${SEED}; RSS ${startedMb.toFixed(0)} → peak ${report.peakMb.toFixed(0)} MB;`,
				`${report.checks} health checks, the slowest ${report.slowestMs.toFixed(0)} ms,`,
				`${report.starved} late only by waiting for a CPU;`,
				JSON.stringify(run.counts)
			);
			const why = `seed ${SEED}; Mend's output:\n${mend.output().slice(-4_000)}`;
			const problems = report.problems.map(({ at, what }) =>
				[what, 'sent in the 3 s before:', ...run!.sentBefore(at)].join('\n  ')
			);
			expect(problems, why).toEqual([]);
			expect(mend.child.exitCode, why).toBeNull();
			// Bad input gets a clear refusal, never an error of Mend's own.
			const errors = Object.keys(run.counts).filter((what) => / 5\d\d$/.test(what));
			expect(errors, why).toEqual([]);
			expect((await fetch(`${url}/api/health`)).status).toBe(200);
			expect(report.peakMb - startedMb, `${why}\nresident memory grew`).toBeLessThan(
				RSS_CEILING_MB
			);
		},
		(SECONDS + 120) * 1000
	);
});
