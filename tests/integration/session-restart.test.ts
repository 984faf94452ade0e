import { afterAll, describe, expect, it } from 'vitest';
import type { MediatorView, PartyView } from '#lib/protocol/session-view.ts';
import {
	demoMediator,
	openDemoLink,
	startDemoMend,
	type DemoBrowser,
	type DemoMend,
	type DemoParty
} from '../helpers/demo-mend.ts';
import { SessionClient } from '../helpers/session-client.ts';

/**
 * The server process is killed (SIGKILL) in the middle of a session and started again: every
 * browser reconnects by itself and finds the session as it was — phase, rooms, floor, queue.
 */

let demo: DemoMend | undefined;
const clients: { close(): void }[] = [];

afterAll(async () => {
	for (const client of clients) client.close();
	await demo?.close();
});

describe('a session across a server crash', () => {
	it('comes back as it was, with everyone reconnected', async () => {
		demo = await startDemoMend('mend-restart-');
		const { links, url } = demo;

		const staff = await demoMediator(url);
		const browsers = Object.fromEntries(
			await Promise.all(
				Object.entries(links).map(async ([role, link]) => [role, await openDemoLink(url, link)])
			)
		) as Record<DemoParty, DemoBrowser>;
		const meetingId = browsers.victim.meetingId;

		const connect = <V extends MediatorView | PartyView>(cookie: string, as: 'party' | 'staff') => {
			const client = new SessionClient<V>(url, { cookie, meetingId, as, reconnection: true });
			clients.push(client);
			return client.connected();
		};
		const mediator = await connect<MediatorView>(staff.cookieHeader, 'staff');
		const parties = {
			victim: await connect<PartyView>(browsers.victim.http.cookieHeader, 'party'),
			offender: await connect<PartyView>(browsers.offender.http.cookieHeader, 'party'),
			guardian: await connect<PartyView>(browsers.guardian.http.cookieHeader, 'party')
		};
		await mediator.until((v) => v.participants.filter((p) => p.present).length === 4);
		const idOf = (role: string) => mediator.view.participants.find((p) => p.role === role)!.id;

		await mediator.do({ type: 'startSession' });
		for (const role of ['victim', 'offender', 'guardian'] as const) {
			await mediator.do({ type: 'admit', participantId: idOf(role) });
			await parties[role].until((v) => v.place.kind === 'joint');
			await parties[role].do({ type: 'confirmVoluntary' });
		}
		await mediator.do({ type: 'goToStep', step: 'victim_account' });
		await mediator.do({ type: 'setSpeakingMode', mode: 'moderated' });
		await mediator.do({ type: 'grantFloor', participantId: idOf('victim') });
		await parties.offender.do({ type: 'raiseHand' });
		await parties.guardian.do({ type: 'stepOut' });
		const before = await mediator.until((v) => v.notices.length === 1);

		// Every command above was acknowledged, so it is in the log. Now the process dies.
		expect(await demo.process.stop('SIGKILL')).toBeNull();
		await parties.victim.until(() => !parties.victim.socket.connected, 5000).catch(() => {});
		await demo.restart();

		const after = await mediator.until(
			(v) =>
				v.seq > before.seq &&
				v.participants.filter((p) => p.present).length === 4 &&
				v.separatedSince === null,
			30_000
		);
		expect(after.step).toBe('victim_account');
		expect(after.speaking).toEqual(before.speaking);
		expect(after.rooms.map((r) => r.purpose).sort()).toEqual(
			before.rooms.map((r) => r.purpose).sort()
		);
		for (const p of before.participants)
			expect(after.participants.find((q) => q.id === p.id)?.location, p.name).toEqual(p.location);
		expect(after.notices).toEqual(before.notices);

		// Each party's own view once the mediator is back (before it, everyone was kept apart).
		const back = (v: PartyView) => v.seq > before.seq && v.mediatorPresent;
		const victimView = await parties.victim.until((v) => back(v) && v.place.kind === 'joint');
		expect(victimView.you.canSpeak).toBe(true);
		const offenderView = await parties.offender.until((v) => back(v) && v.place.kind === 'joint');
		expect(offenderView.you.queuePosition).toBe(1);
		const guardianView = await parties.guardian.until(back);
		expect(guardianView.place).toMatchObject({ kind: 'private', purpose: 'break' });
	});
});
