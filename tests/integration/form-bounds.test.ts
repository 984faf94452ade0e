import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as m from '#lib/paraglide/messages.js';
import { startDemoMend, type DemoMend } from '../helpers/demo-mend.ts';
import { HttpClient } from '../helpers/http.ts';

/**
 * A form post is read within bounds (src/lib/server/forms.ts, FORM_LIMITS) and refused before
 * any parsing work when it is beyond them, so one post cannot keep the server from everyone
 * else. Mend runs in its own process, so that a stall is seen from outside, as a person would.
 */

/**
 * How long a health check may take while hostile posts are in flight: generous on a busy
 * machine, and far below what one post held the server before its fields were bounded (a
 * sparse list: seconds to minutes; a quarter million fields: about a second each).
 */
const PATIENCE_MS = 3_000;

let demo: DemoMend | undefined;

beforeAll(async () => {
	demo = await startDemoMend('mend-form-bounds-');
}, 120_000);
afterAll(async () => {
	await demo?.close();
});

/**
 * Asks for /api/health again and again while `pending` is unsettled; fails if one is not
 * answered within PATIENCE_MS. Returns the number answered.
 */
async function answeredThroughout(pending: Promise<unknown>): Promise<number> {
	let settled = false;
	void pending.finally(() => (settled = true)).catch(() => {});
	let answered = 0;
	do {
		const response = await fetch(`${demo!.url}/api/health`, {
			signal: AbortSignal.timeout(PATIENCE_MS)
		});
		expect(response.status).toBe(200);
		answered++;
	} while (!settled);
	return answered;
}

async function coordinator(): Promise<HttpClient> {
	const staff = new HttpClient(demo!.url);
	await staff.action('/login?/signIn', {
		email: 'coordinator@riverside.example',
		password: 'mend-demo-password'
	});
	return staff;
}

/** The demo case's preparation page, its victim's id, and the times offered to her now. */
async function preparation(staff: HttpClient) {
	const { html: home } = await staff.page('/staff/riverside');
	const caseId = home.match(/\/cases\/([0-9a-f-]{36})/)![1];
	const path = `/staff/riverside/cases/${caseId}/preparation`;
	const { html } = await staff.page(path);
	const victimId = html.match(
		/action="\?\/proposeTimes"[\s\S]*?name="partyId" value="([^"]+)"/
	)![1];
	const offered = [...html.matchAll(/name="times\.\d"[^>]*?value="([^"]*)"/g)].map((x) => x[1]);
	return { path, victimId, offered };
}

describe('a form post beyond the bounds', () => {
	it('naming times.100000000 is refused with the form’s message, changes nothing, and everyone else is answered meanwhile', async () => {
		const staff = await coordinator();
		const before = await preparation(staff);
		// The review's post (seconds of a stalled server), and the largest index (minutes).
		const posts = ['times.100000000', 'times.4294967294'].map((name) =>
			staff.action(`${before.path}?/proposeTimes`, {
				partyId: before.victimId,
				'times.0': '2031-03-04T10:00',
				[name]: '2031-03-05T10:00'
			})
		);
		expect(await answeredThroughout(Promise.all(posts))).toBeGreaterThan(0);
		for (const post of await Promise.all(posts))
			expect(post).toMatchObject({
				type: 'failure',
				status: 400,
				data: { message: m.error_form_refused() }
			});
		expect((await preparation(staff)).offered).toEqual(before.offered);
	});

	it('from anyone, a sign-in of a quarter of a million empty fields, is refused as a failed sign-in and keeps nobody waiting', async () => {
		const body = 'a&'.repeat(256 * 1024 - 64);
		const posts = Array.from({ length: 20 }, () =>
			fetch(`${demo!.url}/login?/signIn`, {
				method: 'POST',
				body,
				headers: {
					'content-type': 'application/x-www-form-urlencoded',
					origin: demo!.url,
					accept: 'application/json',
					'x-sveltekit-action': 'true'
				}
			}).then(async (response) => JSON.parse(await response.text()) as { status: number })
		);
		expect(await answeredThroughout(Promise.all(posts))).toBeGreaterThan(0);
		for (const post of await Promise.all(posts)) expect(post.status).toBe(400);
	});
});
