import type { MediatorView, PartyView } from '#lib/protocol/session-view.ts';
import { agreementOfMeeting, staffActor, type Actor } from './agreement.ts';
import { demoMediator, openDemoLink, type DemoMend, type DemoParty } from './demo-mend.ts';
import type { HttpClient } from './http.ts';
import { SessionClient } from './session-client.ts';

/** The demo's meeting at its drafting step, as its people's browsers hold it. */
export interface DemoDraft {
	staff: HttpClient;
	browsers: Record<DemoParty, Actor>;
	meetingId: string;
	agreementId: string;
	/** Closes the control connections it opened. */
	close(): void;
}

/**
 * Runs the demo's live session to its drafting step as the mediator would (start, admit,
 * everyone confirms taking part voluntarily, go to drafting), so that the agreement exists.
 * The control connections stay open, as a browser's would, until `close`.
 */
export async function draftDemo(demo: DemoMend): Promise<DemoDraft> {
	const staff = await demoMediator(demo.url);
	const browsers = {} as Record<DemoParty, Actor>;
	for (const role of ['victim', 'offender', 'guardian'] as const)
		browsers[role] = await openDemoLink(demo.url, demo.links[role]);
	const meetingId = browsers.victim.meetingId!;
	const open: { close(): void }[] = [];
	const connect = <V extends MediatorView | PartyView>(cookie: string, as: 'party' | 'staff') => {
		const client = new SessionClient<V>(demo.url, { cookie, meetingId, as, reconnection: true });
		open.push(client);
		return client.connected();
	};
	const close = () => {
		for (const client of open) client.close();
	};
	try {
		const control = await connect<MediatorView>(staff.cookieHeader, 'staff');
		const parties = {} as Record<DemoParty, SessionClient<PartyView>>;
		for (const role of ['victim', 'offender', 'guardian'] as const)
			parties[role] = await connect<PartyView>(browsers[role].http.cookieHeader, 'party');
		await control.until((v) => v.participants.filter((p) => p.present).length === 4);
		const idOf = (role: string) => control.view.participants.find((p) => p.role === role)!.id;
		await control.do({ type: 'startSession' });
		for (const role of ['victim', 'offender', 'guardian'] as const) {
			await control.do({ type: 'admit', participantId: idOf(role) });
			await parties[role].until((v) => v.place.kind === 'joint');
			await parties[role].do({ type: 'confirmVoluntary' });
		}
		await control.do({ type: 'goToStep', step: 'drafting' });
		const agreementId = (await agreementOfMeeting(staffActor(staff), meetingId))!;
		return { staff, browsers, meetingId, agreementId, close };
	} catch (error) {
		close();
		throw error;
	}
}
