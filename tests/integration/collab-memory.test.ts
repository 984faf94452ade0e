import { readFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { agreementDocName } from '#lib/protocol/collab.ts';
import { COLLAB_LIMITS } from '#server/collab/limits.ts';
import { agreementAction, credentialsOf, staffActor } from '../helpers/agreement.ts';
import { CollabClient, collabUrl, fillDraft, openCollab } from '../helpers/collab.ts';
import { draftDemo, type DemoDraft } from '../helpers/demo-draft.ts';
import { startDemoMend, type DemoMend } from '../helpers/demo-mend.ts';

/**
 * The server's memory and its answers to everyone else, while one person abuses their
 * connection to a draft: the attack of the security review (issue 17, item 4), against Mend in
 * a process of its own, whose resident memory is read from /proc.
 */

let demo: DemoMend | undefined;
let draft: DemoDraft | undefined;
const closers: (() => void)[] = [];

afterAll(async () => {
	for (const close of closers.splice(0)) close();
	draft?.close();
	await demo?.close();
});

/** Resident memory of a process, in MB. */
async function residentMb(pid: number): Promise<number> {
	const status = await readFile(`/proc/${pid}/status`, 'utf8');
	return Number(status.match(/VmRSS:\s+(\d+)/)![1]) / 1024;
}

/** A WebSocket to the draft with a person's cookie, which reads nothing once open. */
async function stalledSocket(url: string, cookie: string, origin: string): Promise<WebSocket> {
	const ws = new WebSocket(url, { headers: { cookie, origin } });
	ws.on('error', () => {});
	await new Promise((resolve, reject) => {
		ws.once('open', resolve);
		ws.once('unexpected-response', (_request, response) =>
			reject(new Error(`upgrade refused: ${response.statusCode}`))
		);
	});
	// Its TCP socket stops reading: whatever the server sends it waits on the server's side.
	ws.pause();
	closers.push(() => ws.terminate());
	return ws;
}

/** A y-protocols sync request (step 1) with an empty state vector: "send me everything". */
const ASK_FOR_EVERYTHING = Uint8Array.from([0, 0, 1, 0]);

describe('a read-only participant who stops reading and keeps asking for the draft', () => {
	it('keeps the server within bounded memory and its health check answering within a second', async () => {
		demo = await startDemoMend('mend-collab-memory-');
		draft = await draftDemo(demo);
		const { staff, browsers, agreementId, meetingId } = draft;
		const doc = agreementDocName(agreementId);

		// The largest draft Mend allows, written by the mediator.
		const mediator = await openCollab(demo.url, doc, credentialsOf(staffActor(staff)));
		closers.push(() => mediator.destroy());
		const stored = await fillDraft(mediator, COLLAB_LIMITS.maxDocumentBytes - 16 * 1024);
		expect(stored).toBeGreaterThan(COLLAB_LIMITS.maxDocumentBytes * 0.9);
		// The mediator makes it read-only: the victim can read it, and only read it.
		const readOnly = await agreementAction(staffActor(staff), agreementId, 'read-only', {
			readOnly: true
		});
		expect(readOnly.status).toBe(200);
		// Someone else reads the whole draft once, as any page opening it does.
		const reader = new CollabClient(demo.url, doc, credentialsOf(browsers.offender));
		closers.push(() => reader.destroy());
		await reader.synced(30_000);
		expect(reader.text('harm').length).toBe(mediator.text('harm').length);

		const pid = demo.process.child.pid!;
		const before = await residentMb(pid);
		let peak = before;
		const health: number[] = [];
		let attacking = true;
		// A health check as a monitor makes it, one after the other (one that takes more than
		// 5 s is given up, and counted as such), and the server's memory after each.
		const watching = (async () => {
			while (attacking) {
				const started = performance.now();
				try {
					const answer = await fetch(`${demo!.url}/api/health`, {
						signal: AbortSignal.timeout(5_000)
					});
					await answer.arrayBuffer();
				} catch {
					// Given up: counted with the time it took.
				}
				health.push(performance.now() - started);
				peak = Math.max(peak, await residentMb(pid));
			}
		})();

		// The attack: two sockets of the victim's, neither reading, 150 requests on each.
		const url = `${collabUrl(demo.url)}/${doc}?meeting=${meetingId}`;
		const cookie = browsers.victim.http.cookieHeader;
		const sockets = [
			await stalledSocket(url, cookie, demo.url),
			await stalledSocket(url, cookie, demo.url)
		];
		await Promise.all(
			sockets.flatMap((ws) =>
				Array.from(
					{ length: 150 },
					() => new Promise<void>((resolve) => ws.send(ASK_FOR_EVERYTHING, () => resolve()))
				)
			)
		);
		// Every request is with the server: whatever it does with them, it has done once it has
		// dealt with ten more health checks after them.
		const sentAt = health.length;
		while (health.length < sentAt + 10) await new Promise((resolve) => setTimeout(resolve, 50));
		attacking = false;
		await watching;
		peak = Math.max(peak, await residentMb(pid));

		expect(Math.max(...health), `health checks (ms): ${health.map(Math.round)}`).toBeLessThan(1000);
		expect(peak - before, `resident memory (MB): ${before} → ${peak}`).toBeLessThan(32);

		// And the draft is still there for everyone, whole.
		const later = new CollabClient(demo.url, doc, credentialsOf(browsers.guardian));
		closers.push(() => later.destroy());
		await later.synced(30_000);
		expect(later.text('harm')).toBe(mediator.text('harm'));
	}, 180_000);
});
