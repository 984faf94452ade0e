import { readdir } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
	agreementDocName,
	COLLAB_CLOSE,
	EDIT_REFUSALS,
	notesDocName
} from '#lib/protocol/collab.ts';
import { ERROR_CODES } from '#lib/protocol/errors.ts';
import type { MediatorView, PartyView } from '#lib/protocol/session-view.ts';
import { COMMANDS_PER_2_S } from '#server/control/attach-control.ts';
import { JOINT_ROOM_ID } from '#lib/session/index.ts';
import {
	acceptEverything,
	agreementAction,
	agreementOfMeeting,
	credentialsOf,
	downloadPdf,
	fillAgreement,
	pdfText,
	readAgreement,
	SAMPLE,
	sign,
	staffActor,
	type Actor
} from '../helpers/agreement.ts';
import { Balancer } from '../helpers/balancer.ts';
import {
	backAfter,
	caseOf,
	markers,
	NAMES,
	numberOf,
	ownerOf,
	PATIENT,
	PROGRAM,
	refuses,
	RUNNING,
	sameBrowserOn,
	spawnKept,
	STANDS_BY,
	startDeployment as startClusterDeployment,
	STARTING,
	togetherWithoutMediator,
	watch,
	type Cleanups,
	type Deployment,
	type Member
} from '../helpers/cluster.ts';
import { CollabClient, CollabPage } from '../helpers/collab.ts';
import { demoMediator, freePort, openDemoLink } from '../helpers/demo-mend.ts';
import { testEnv } from '../helpers/env.ts';
import { successData } from '../helpers/http.ts';
import { postgresFor } from '../helpers/postgres.ts';
import { redisFor } from '../helpers/redis.ts';
import { TEST_AUTH_SECRET } from '../helpers/server.ts';
import { SessionClient } from '../helpers/session-client.ts';

/**
 * Several Mend processes serving one deployment at once (DATABASE_URL and REDIS_URL set on
 * each), as an IT team runs them behind a load balancer: each case is held by one process
 * (case_owners), and whatever reaches another process about it — a live session's connection,
 * a document's, a page action — takes effect there. What people notice: a meeting whose people
 * are spread over the processes goes exactly as on one; a link revoked anywhere lets its
 * browser go at once; the process holding a meeting killed, everyone is back on another,
 * nothing lost; a process started without Redis beside them stands by.
 *
 * Real processes (`node server/index.ts`, built app), a PostgreSQL database of each test's
 * own, the run's Redis under a key prefix of each test's own (tests/helpers/cluster.ts). Where people's connections must
 * be on given processes, they reach them on their own ports; where processes stop, everyone
 * goes through a round-robin balancer without stickiness (tests/helpers/balancer.ts), as they
 * would, and reconnects by themselves.
 *
 * PUBLIC_URL is left unset: each process then says it runs at its own address, which is how a
 * test learns the port it got (PORT=0), and takes a request's origin from its Host header —
 * the balancer's own behind a TCP balancer, consistently for every request. A deployment sets
 * PUBLIC_URL to the balancer's address in every process (DEPLOYING.md); nothing here depends
 * on either.
 */

const cleanups: Cleanups = [];
// After each test, whatever happened to it (a failure, a timeout): its processes are killed
// before the next one starts, on a machine that has two cores for all of them.
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse())
		await Promise.resolve()
			.then(cleanup)
			.catch((error: unknown) => console.warn('cluster.test.ts clean-up:', error));
});

/**
 * The processes start on a PostgreSQL database of their own, whichever database the run is
 * on: CI runs them in its PostgreSQL pass only (each takes minutes of a busy machine); a
 * developer's run does them always. They also need the run's Redis.
 */
const postgresPass = !testEnv.inCi || Boolean(testEnv.databaseUrl);
const withPostgres = postgresPass && (await postgresFor('server'));
const clustered = withPostgres && (await redisFor());

/** Starts `node server/index.ts` with `env`; killed after the test whatever happens. */
const spawn = (env: Record<string, string>) => spawnKept(cleanups, env);
const startDeployment = (count: number) => startClusterDeployment(cleanups, count);

/** A live-session connection of someone's browser, closed after the test. */
function join<V extends MediatorView | PartyView>(
	url: string,
	cookie: string,
	meetingId: string,
	as: 'party' | 'staff',
	reconnection = false
): Promise<SessionClient<V>> {
	const client = new SessionClient<V>(url, { cookie, meetingId, as, reconnection });
	cleanups.push(() => client.close());
	return client.connected();
}

/** Why a browser holding `cookie` cannot connect to the meeting's live session ('connected' if it can). */
async function refusalOf(url: string, cookie: string, meetingId: string): Promise<string> {
	const client = new SessionClient<PartyView>(url, { cookie, meetingId, as: 'party' });
	try {
		await client.connected();
		return 'connected';
	} catch (error) {
		return (error as Error).message;
	} finally {
		client.close();
	}
}

/** A document open in someone's browser, closed after the test. */
function openDoc(url: string, docName: string, actor: Actor): CollabClient {
	const client = new CollabClient(url, docName, credentialsOf(actor));
	cleanups.push(() => client.destroy());
	return client;
}

describe('three processes serving one deployment', () => {
	it.runIf(clustered)(
		'run a whole meeting with its people on different processes as one process does, to the signed agreement',
		async () => {
			const deployment = await startDeployment(3);
			const [p1, p2, p3] = deployment.members as [Member, Member, Member];
			const { links } = deployment;

			// The mediator's browser on process 1, the victim's on 2, the offender's on 3.
			const staff = await demoMediator(p1.url);
			const browsers = {
				victim: await openDemoLink(p2.url, links.victim),
				offender: await openDemoLink(p3.url, links.offender),
				// Not in the meeting itself (nothing here needs them there); signs, as a juvenile
				// offender's guardian must.
				guardian: await openDemoLink(p3.url, links.guardian)
			};
			const meetingId = browsers.victim.meetingId;
			const actors = {
				mediator: staffActor(staff),
				victim: { http: browsers.victim.http, meetingId },
				offender: { http: browsers.offender.http, meetingId },
				guardian: { http: browsers.guardian.http, meetingId }
			};
			let mediator = await join<MediatorView>(p1.url, staff.cookieHeader, meetingId, 'staff');
			const parties = {
				victim: await join<PartyView>(
					p2.url,
					browsers.victim.http.cookieHeader,
					meetingId,
					'party'
				),
				offender: await join<PartyView>(
					p3.url,
					browsers.offender.http.cookieHeader,
					meetingId,
					'party'
				)
			};
			const roles = ['victim', 'offender'] as const;
			const other = { victim: 'offender', offender: 'victim' } as const;
			const present = await mediator.until(
				(v) => v.participants.filter((p) => p.present).length === 3,
				PATIENT
			);
			expect(
				present.participants
					.filter((p) => p.present)
					.map((p) => p.name)
					.sort()
			).toEqual([NAMES.mediator, NAMES.offender, NAMES.victim].sort());
			const idOf = (role: 'victim' | 'offender' | 'guardian') =>
				mediator.view.participants.find((p) => p.role === role)!.id;

			// Started; each party admitted, and confirming they take part voluntarily.
			await mediator.do({ type: 'startSession' });
			for (const role of roles) {
				await mediator.do({ type: 'admit', participantId: idOf(role) });
				await parties[role].until((v) => v.place.kind === 'joint', PATIENT);
				await parties[role].do({ type: 'confirmVoluntary' });
			}
			await mediator.until(
				(v) =>
					v.participants.filter((p) => p.confirmedVoluntary).length === 2 &&
					roles.every(
						(role) =>
							v.participants.find((p) => p.role === role)?.location.kind === 'room' &&
							(v.participants.find((p) => p.role === role)!.location as { roomId: string })
								.roomId === JOINT_ROOM_ID
					),
				PATIENT
			);
			for (const role of roles) {
				const seated = await parties[role].until(
					(v) => v.place.kind === 'joint' && v.place.people.filter((p) => p.present).length === 3,
					PATIENT
				);
				expect(seated.you.confirmedVoluntary).toBe(true);
				expect(
					seated.place.kind === 'joint' && seated.place.people.map((p) => p.name).sort()
				).toEqual([NAMES.mediator, NAMES.offender, NAMES.victim].sort());
			}

			// The floor: given to the victim, the offender's hand raised and given the floor next.
			await mediator.do({ type: 'setSpeakingMode', mode: 'moderated' });
			await mediator.do({ type: 'grantFloor', participantId: idOf('victim') });
			await parties.victim.until((v) => v.you.canSpeak, PATIENT);
			const heard = await parties.offender.until(
				(v) => v.speaking?.mode === 'moderated' && v.speaking.floor?.name === NAMES.victim,
				PATIENT
			);
			expect(heard.you.canSpeak).toBe(false);
			await parties.offender.do({ type: 'raiseHand' });
			expect(
				(await parties.offender.until((v) => v.you.queuePosition === 1, PATIENT)).you.queuePosition
			).toBe(1);
			await mediator.until(
				(v) => v.speaking?.mode === 'moderated' && v.speaking.queue.includes(idOf('offender')),
				PATIENT
			);
			await mediator.do({ type: 'grantFloor', participantId: idOf('offender') });
			await parties.offender.until((v) => v.you.canSpeak, PATIENT);
			await parties.victim.until((v) => !v.you.canSpeak, PATIENT);

			// Turns with a timer everyone sees; the one speaking finishes, the turn passes.
			await mediator.do({ type: 'setSpeakingMode', mode: 'turns', turnSeconds: 90 });
			const turns = await parties.victim.until((v) => v.speaking?.mode === 'turns', PATIENT);
			expect(turns.speaking).toMatchObject({ mode: 'turns', turnSeconds: 90 });
			const firstId = (turns.speaking as { currentId: string | null }).currentId;
			const first = roles.find((role) => idOf(role) === firstId);
			expect(first).toBeDefined();
			await parties[first!].do({ type: 'finishSpeaking' });
			await parties[other[first!]].until((v) => v.you.canSpeak, PATIENT);
			await parties[first!].until(
				(v) => !v.you.canSpeak && v.speaking?.mode === 'turns' && v.speaking.currentId !== firstId,
				PATIENT
			);
			await mediator.do({ type: 'setSpeakingMode', mode: 'open' });
			await parties.offender.until((v) => v.speaking?.mode === 'open', PATIENT);

			// A private room for the victim and the mediator: the offender learns nothing of it.
			await mediator.do({ type: 'openPrivateRoom', participantId: idOf('victim') });
			await parties.victim.until((v) => v.place.kind === 'private', PATIENT);
			const caucus = (
				await mediator.until((v) => v.rooms.some((r) => r.purpose === 'caucus'), PATIENT)
			).rooms.find((r) => r.purpose === 'caucus')!;
			await mediator.do({ type: 'joinRoom', roomId: caucus.id });
			const inside = await parties.victim.until(
				(v) => v.place.kind === 'private' && v.place.people.some((p) => p.role === 'mediator'),
				PATIENT
			);
			expect(inside.place).toMatchObject({ kind: 'private', purpose: 'caucus' });
			expect(
				inside.place.kind === 'private' && inside.place.people.map((p) => p.name).sort()
			).toEqual([NAMES.mediator, NAMES.victim].sort());
			const outside = await parties.offender.until(
				(v) => v.place.kind === 'joint' && !v.place.people.some((p) => p.role === 'mediator'),
				PATIENT
			);
			expect(outside.place.kind === 'joint' && outside.place.people.map((p) => p.name)).toEqual([
				NAMES.offender
			]);
			expect(JSON.stringify(parties.offender.view)).not.toMatch(
				new RegExp(`${NAMES.victim}|caucus`)
			);
			await mediator.do({ type: 'joinRoom', roomId: JOINT_ROOM_ID });
			await mediator.do({ type: 'closeRoom', roomId: caucus.id });
			await parties.victim.until((v) => v.place.kind === 'joint', PATIENT);

			// "I need a break": the offender rests alone, the mediator is told and brings him back
			// once he says he is ready.
			await parties.offender.do({ type: 'stepOut' });
			const resting = await parties.offender.until(
				(v) => v.place.kind === 'private' && v.place.purpose === 'break',
				PATIENT
			);
			expect(resting.place.kind === 'private' && resting.place.people.map((p) => p.name)).toEqual([
				NAMES.offender
			]);
			const told = await mediator.until((v) => v.notices.some((n) => n.kind === 'break'), PATIENT);
			expect(told.notices).toMatchObject([{ kind: 'break', participantId: idOf('offender') }]);
			await parties.victim.until(
				(v) => v.place.kind === 'joint' && !v.place.people.some((p) => p.role === 'offender'),
				PATIENT
			);
			await parties.offender.do({ type: 'readyToReturn' });
			await mediator.until(
				(v) => v.participants.find((p) => p.role === 'offender')?.onBreak === 'ready',
				PATIENT
			);
			await mediator.do({
				type: 'moveParticipant',
				participantId: idOf('offender'),
				roomId: JOINT_ROOM_ID
			});
			expect(
				(await parties.offender.until((v) => v.place.kind === 'joint', PATIENT)).you.onBreak
			).toBeNull();

			// The mediator's connection drops: each side alone, until the mediator is back — here
			// through another process than before, as a reconnection behind a balancer may be.
			mediator.close();
			for (const role of roles) {
				const apart = await parties[role].until(
					(v) => v.separated && !v.mediatorPresent && v.place.kind === 'private',
					PATIENT
				);
				expect(JSON.stringify(apart.place)).not.toContain(NAMES[other[role]]);
			}
			mediator = await join<MediatorView>(p3.url, staff.cookieHeader, meetingId, 'staff');
			for (const role of roles)
				await parties[role].until(
					(v) =>
						!v.separated &&
						v.mediatorPresent &&
						v.place.kind === 'joint' &&
						v.place.people.some((p) => p.role === other[role] && p.present),
					PATIENT
				);

			// Drafting: the victim (process 2) and the mediator (process 1) type at once; each
			// sees the other's words, and the offender (process 3) sees both.
			await mediator.do({ type: 'goToStep', step: 'drafting' });
			for (const role of roles) await parties[role].until((v) => v.step === 'drafting', PATIENT);
			const agreementId = (await agreementOfMeeting(actors.mediator, meetingId))!;
			expect(agreementId).toBeTruthy();
			const docName = agreementDocName(agreementId);
			const drafts = {
				mediator: openDoc(p1.url, docName, actors.mediator),
				victim: openDoc(p2.url, docName, actors.victim),
				offender: openDoc(p3.url, docName, actors.offender)
			};
			await Promise.all(Object.values(drafts).map((draft) => draft.synced(PATIENT)));
			const typed: string[] = [];
			for (let n = 0; n < 60; n++) {
				const [who, draft] =
					n % 2 ? (['m', drafts.mediator] as const) : (['v', drafts.victim] as const);
				draft.type('harm', `${who}${n}; `);
				typed.push(`${who}${n};`);
				if (n % 4 === 3) await sleep(15);
			}
			await vi.waitFor(
				() => {
					for (const draft of Object.values(drafts))
						expect(markers(draft.text('harm'))).toEqual(new Set(typed));
				},
				{ timeout: PATIENT, interval: 50 }
			);
			// One text, the same for all three.
			expect(drafts.victim.text('harm')).toBe(drafts.mediator.text('harm'));
			expect(drafts.offender.text('harm')).toBe(drafts.mediator.text('harm'));

			// The offender writes the rest of it; everyone's page, and the server's copy as a
			// page reads it from any process, show the same agreement.
			fillAgreement(drafts.offender.doc, idOf('offender'));
			await vi.waitFor(
				() => {
					expect(drafts.victim.content).toEqual(drafts.offender.content);
					expect(drafts.mediator.content).toEqual(drafts.offender.content);
				},
				{ timeout: PATIENT, interval: 50 }
			);
			for (const member of [p1, p2, p3])
				await vi.waitFor(
					async () =>
						expect(
							(await readAgreement(staffActor(sameBrowserOn(staff, member.url)), agreementId))
								.content
						).toEqual(drafts.offender.content),
					{ timeout: PATIENT, interval: 200 }
				);

			// Each side accepts every clause on its own process; the mediator freezes it on a
			// process that does not hold the case: the drafts refuse edits at once.
			await acceptEverything([actors.victim, actors.offender], agreementId);
			const owner = await ownerOf(deployment, meetingId);
			const elsewhere = owner === p3 ? p2 : p3;
			const frozen = await agreementAction<{ hash: string }>(
				staffActor(sameBrowserOn(staff, elsewhere.url)),
				agreementId,
				'freeze',
				{}
			);
			expect(frozen.status, JSON.stringify(frozen.body)).toBe(200);
			const { hash } = frozen.body;
			expect(hash).toMatch(/^[0-9a-f]{64}$/);
			for (const draft of Object.values(drafts))
				await vi.waitFor(() => expect(draft.agreement.status).toBe('frozen'), {
					timeout: PATIENT
				});
			drafts.victim.type('harm', ' CHANGED AFTER FREEZE');
			await vi.waitFor(() => expect(drafts.victim.refusals).toContain(EDIT_REFUSALS.frozen), {
				timeout: PATIENT
			});
			drafts.mediator.type('harm', ' after-freeze-mediator');
			await vi.waitFor(() => expect(drafts.mediator.refusals).toContain(EDIT_REFUSALS.frozen), {
				timeout: PATIENT
			});
			expect(drafts.offender.text('harm')).not.toMatch(/CHANGED AFTER FREEZE|after-freeze/);

			// Everyone signs on their own process; the mediator's signature, last, executes it.
			for (const [actor, name] of [
				[actors.victim, NAMES.victim],
				[actors.offender, NAMES.offender],
				[actors.guardian, NAMES.guardian]
			] as const) {
				const signed = await sign(actor, agreementId, hash, name);
				expect(signed.body, name).toEqual({ executed: false });
			}
			expect((await sign(actors.mediator, agreementId, hash, NAMES.mediator)).body).toEqual({
				executed: true
			});
			for (const draft of Object.values(drafts))
				await vi.waitFor(() => expect(draft.agreement.status).toBe('executed'), {
					timeout: PATIENT
				});
			const pdf = await downloadPdf(actors.victim, agreementId);
			expect(pdf).toMatchObject({ status: 200, type: 'application/pdf' });
			expect((await downloadPdf(actors.mediator, agreementId)).bytes).toEqual(pdf.bytes);
			const text = await pdfText(pdf.bytes);
			for (const expected of [SAMPLE.harm, SAMPLE.service, NAMES.victim, NAMES.offender])
				expect(text).toContain(expected);

			await mediator.do({ type: 'endSession' });
			for (const role of roles)
				expect((await parties[role].until((v) => v.status === 'ended', PATIENT)).status).toBe(
					'ended'
				);
			for (const role of roles) expect(togetherWithoutMediator(parties[role].views)).toEqual([]);
		},
		240_000
	);
});

describe('page actions made on one process while another holds the meeting', () => {
	it.runIf(clustered)(
		'a link revoked and a withdrawal recorded take effect in the live session at once',
		async () => {
			const deployment = await startDeployment(3);
			const { links, members } = deployment;
			const staff = await demoMediator(members[0]!.url);
			const victimBrowser = await openDemoLink(members[0]!.url, links.victim);
			const meetingId = victimBrowser.meetingId;
			const caseId = await caseOf(deployment, meetingId);
			let mediator = await join<MediatorView>(
				members[0]!.url,
				staff.cookieHeader,
				meetingId,
				'staff'
			);
			await mediator.do({ type: 'startSession' });

			// A holds the case; the page actions go to B; the people let go are on C.
			const a = await ownerOf(deployment, meetingId);
			const [b, c] = members.filter((member) => member !== a) as [Member, Member];
			if (a !== members[0]) {
				mediator.close();
				mediator = await join<MediatorView>(a.url, staff.cookieHeader, meetingId, 'staff');
			}
			const guardianBrowser = await openDemoLink(c.url, links.guardian);
			const offenderBrowser = await openDemoLink(b.url, links.offender);
			const parties = {
				victim: await join<PartyView>(c.url, victimBrowser.http.cookieHeader, meetingId, 'party'),
				guardian: await join<PartyView>(
					c.url,
					guardianBrowser.http.cookieHeader,
					meetingId,
					'party'
				),
				offender: await join<PartyView>(
					b.url,
					offenderBrowser.http.cookieHeader,
					meetingId,
					'party'
				)
			};
			await mediator.until((v) => v.participants.filter((p) => p.present).length === 4, PATIENT);
			const idOf = (role: 'victim' | 'offender' | 'guardian') =>
				mediator.view.participants.find((p) => p.role === role)!.id;
			for (const role of ['victim', 'offender', 'guardian'] as const) {
				await mediator.do({ type: 'admit', participantId: idOf(role) });
				await parties[role].until((v) => v.place.kind === 'joint', PATIENT);
				await parties[role].do({ type: 'confirmVoluntary' });
			}
			// The guardian also has the offender side's notes open, on C.
			const notes = openDoc(c.url, notesDocName(caseId, idOf('offender')), {
				http: guardianBrowser.http,
				meetingId
			});
			await notes.synced(PATIENT);
			await parties.offender.until(
				(v) => v.place.kind === 'joint' && v.place.people.filter((p) => p.present).length === 4,
				PATIENT
			);

			// The coordinator's page, served by B, turns the guardian's link off.
			const staffOnB = sameBrowserOn(staff, b.url);
			const [invitation] = await deployment.query<{ id: string }>(
				'select id from invitations where meeting_id = $1 and party_id = $2 and revoked_at is null',
				[meetingId, idOf('guardian')]
			);
			const revoked = await staffOnB.action(`/staff/${PROGRAM}/cases/${caseId}?/revokeInvitation`, {
				invitationId: invitation!.id
			});
			expect(revoked.type).toBe('success');
			// Let go at once (not at the next periodic check of links, a minute later): out of the
			// session and of the document, on C.
			await vi.waitFor(() => expect(parties.guardian.socket.connected).toBe(false), {
				timeout: PATIENT
			});
			await vi.waitFor(
				() => expect(notes.closes.map((close) => close.code)).toEqual([COLLAB_CLOSE.accessEnded]),
				{ timeout: PATIENT }
			);
			await mediator.until(
				(v) => v.participants.find((p) => p.role === 'guardian')?.present === false,
				PATIENT
			);
			// And no way back, whichever process the browser reaches.
			for (const member of [c, a, b])
				expect(await refusalOf(member.url, guardianBrowser.http.cookieHeader, meetingId)).toBe(
					'unauthenticated'
				);
			expect((await guardianBrowser.http.page(links.guardian)).html).toContain(
				'data-reason="revoked"'
			);

			// The mediator's page, served by B, records that the victim withdrew.
			const withdrawn = await staffOnB.action(
				`/staff/${PROGRAM}/cases/${caseId}/preparation?/withdraw`,
				{ partyId: idOf('victim'), reason: 'She no longer wishes to take part.' }
			);
			successData(withdrawn);
			await mediator.until(
				(v) => v.participants.find((p) => p.role === 'victim')?.status === 'withdrawn',
				PATIENT
			);
			await vi.waitFor(() => expect(parties.victim.socket.connected).toBe(false), {
				timeout: PATIENT
			});
			const without = await parties.offender.until(
				(v) => v.place.kind === 'joint' && !v.place.people.some((p) => p.role === 'victim'),
				PATIENT
			);
			expect(JSON.stringify(without.place)).not.toContain(NAMES.victim);
			expect((await victimBrowser.http.page(links.victim)).html).toContain(
				'data-reason="withdrawn"'
			);
			expect(await refusalOf(c.url, victimBrowser.http.cookieHeader, meetingId)).toBe(
				'unauthenticated'
			);

			// The meeting goes on, for those still in it only.
			const seq = await mediator.do({ type: 'goToStep', step: 'dialogue' });
			await parties.offender.until((v) => v.seq >= seq && v.step === 'dialogue', PATIENT);
			expect(parties.victim.view.seq).toBeLessThan(seq);
			expect(parties.guardian.view.seq).toBeLessThan(seq);
			for (const party of Object.values(parties))
				expect(togetherWithoutMediator(party.views)).toEqual([]);
		},
		240_000
	);
});

/**
 * What happens to the processes under a meeting: returns the processes that serve after it,
 * and when a process went. `current`: those serving before it, the meeting's holder among them.
 */
type Interruption = {
	what: string;
	run(
		current: Member[],
		holder: Member,
		balancer: Balancer
	): Promise<{ after: Member[]; at: number }>;
};

/** kill -9 of the process holding the meeting. */
const killHolder: Interruption = {
	what: 'kill -9 of the process holding the meeting',
	async run(current, holder) {
		const at = Date.now();
		expect(await holder.mend.stop('SIGKILL')).toBeNull();
		return { after: current.filter((member) => member !== holder), at };
	}
};

/** An upgrade's step: a new process started and given to the balancer, then `which` stopped. */
const replace = (deployment: Deployment, which: 'holder' | 'other'): Interruption => ({
	what: `the ${which === 'holder' ? 'process holding the meeting' : 'other process'} stopped (SIGTERM) for a new one`,
	async run(current, holder, balancer) {
		const fresh = await deployment.startAnother();
		const old = which === 'holder' ? holder : current.find((member) => member !== holder)!;
		const after = [...current.filter((member) => member !== old), fresh];
		balancer.targets = after.map((member) => member.port);
		// It writes what it has, lets its people go, and exits within its 15 s.
		const at = Date.now();
		expect(await old.mend.stop('SIGTERM'), old.mend.output()).toBe(0);
		return { after, at };
	}
});

/**
 * The demo's joint meeting under way at `url` (a balancer in front of the deployment), every
 * connection reconnecting by itself: the mediator and both sides in the joint room, each side
 * having said they take part freely, at the drafting step — `turns` speaking when asked.
 */
async function meetingAtDrafting(url: string, links: Deployment['links'], turns: boolean) {
	const staff = await demoMediator(url);
	const browsers = {
		victim: await openDemoLink(url, links.victim),
		offender: await openDemoLink(url, links.offender)
	};
	const meetingId = browsers.victim.meetingId;
	const mediator = await join<MediatorView>(url, staff.cookieHeader, meetingId, 'staff', true);
	const parties = {
		victim: await join<PartyView>(url, browsers.victim.http.cookieHeader, meetingId, 'party', true),
		offender: await join<PartyView>(
			url,
			browsers.offender.http.cookieHeader,
			meetingId,
			'party',
			true
		)
	};
	const clients = [mediator, parties.victim, parties.offender];
	const idOf = (role: string) => mediator.view.participants.find((p) => p.role === role)!.id;
	await mediator.until((v) => v.participants.filter((p) => p.present).length === 3, PATIENT);
	await mediator.do({ type: 'startSession' });
	for (const role of ['victim', 'offender'] as const) {
		await mediator.do({ type: 'admit', participantId: idOf(role) });
		await parties[role].until((v) => v.place.kind === 'joint', PATIENT);
		await parties[role].do({ type: 'confirmVoluntary' });
	}
	if (turns) await mediator.do({ type: 'setSpeakingMode', mode: 'turns', turnSeconds: 60 });
	await mediator.do({ type: 'goToStep', step: 'drafting' });
	return { staff, browsers, meetingId, mediator, parties, clients };
}

/**
 * A meeting under way through a round-robin balancer in front of `deployment`: both sides in
 * the joint room at the drafting step, the victim and the mediator typing, the mediator
 * lengthening the turn as fast as each change is acknowledged. Then each interruption in
 * turn; after each, everyone is back on a process that serves, nothing acknowledged or shown
 * is lost, and no party's view ever puts the two sides together without the mediator.
 */
async function interruptedMeeting(deployment: Deployment, interruptions: Interruption[]) {
	const balancer = await Balancer.start(deployment.members.map((member) => member.port));
	cleanups.push(() => balancer.close());
	const url = balancer.url;
	const { staff, browsers, meetingId, mediator, parties, clients } = await meetingAtDrafting(
		url,
		deployment.links,
		true
	);
	const docName = agreementDocName((await agreementOfMeeting(staffActor(staff), meetingId))!);

	// The victim and the mediator type, each a marker every 20 ms, in pages that start
	// again from the server's copy when it refuses an edit (what the killed process had
	// not stored yet, it never took).
	const typists = {
		v: new CollabPage(url, docName, credentialsOf({ http: browsers.victim.http, meetingId })),
		m: new CollabPage(url, docName, credentialsOf(staffActor(staff)))
	};
	cleanups.push(() => Object.values(typists).forEach((page) => page.destroy()));
	await Promise.all(Object.values(typists).map((client) => client.synced(PATIENT)));
	let count = 0;
	const typing = Object.entries(typists).map(([who, client]) =>
		setInterval(() => client.type('harm', `${who}${count++};`), 20)
	);
	cleanups.push(() => typing.forEach((interval) => clearInterval(interval)));
	// What each typist's page shows of the other's typing.
	const seenBy = (who: 'v' | 'm') =>
		[...markers(typists[who].text('harm'))].filter((m) => !m.startsWith(who));

	// The mediator lengthens the turn, one command after the other, as fast as each is
	// acknowledged; every acknowledged length is kept.
	const acknowledged: number[] = [];
	let changing = true;
	const changes = (async () => {
		let seconds = 61;
		while (changing) {
			const answer = await mediator
				.send({ type: 'setTurnLength', turnSeconds: seconds })
				.catch(() => null);
			if (answer?.ok) acknowledged.push(seconds++);
			else await sleep(50);
		}
	})();
	cleanups.push(() => {
		changing = false;
		return changes;
	});
	const lastAcknowledged = () => acknowledged.at(-1) ?? 60;
	await vi.waitFor(
		() => {
			expect(seenBy('m').length).toBeGreaterThan(40);
			expect(seenBy('v').length).toBeGreaterThan(40);
		},
		{ timeout: PATIENT }
	);
	await vi.waitFor(() => expect(acknowledged.length).toBeGreaterThan(10), {
		timeout: PATIENT
	});

	// The balancer spread the connections over all three processes.
	expect([...balancer.given.keys()].sort()).toEqual(
		deployment.members.map((member) => member.port).sort()
	);
	let current = deployment.members;
	for (const interruption of interruptions) {
		const watched = clients.map(watch);
		const holder = await ownerOf(deployment, meetingId, current);
		const interrupted = await interruption.run(current, holder, balancer);
		current = interrupted.after;
		const interruptedAt = interrupted.at;
		const ackedBefore = lastAcknowledged();
		const countBefore = count;
		const shown = new Set([...seenBy('m'), ...seenBy('v')]);
		// Whatever the old process sent before it went has arrived by then; a view after it
		// comes from the process that holds the meeting now.
		const settled = Date.now() + 300;

		// Everyone back: each connection holds a view sent since, and each typist sees what
		// the other typed after the interruption.
		const backAt = await Promise.all([
			...clients.map(
				async (client, index) => (await backAfter(client, watched[index]!, settled)) - interruptedAt
			),
			...(['v', 'm'] as const).map(async (who) => {
				await vi.waitFor(
					() =>
						expect(seenBy(who).some((marker) => numberOf(marker) > countBefore + 10)).toBe(true),
					{ timeout: 90_000, interval: 20 }
				);
				return Date.now() - interruptedAt;
			})
		]);
		console.log(
			`${interruption.what}: everyone back ${Math.max(...backAt)} ms after it (mediator, victim, offender, victim's draft, mediator's draft: ${backAt.join(', ')} ms)`
		);

		// Back where they were: the joint room, the drafting step, the last acknowledged length.
		for (const party of Object.values(parties))
			await party.until((v) => v.place.kind === 'joint' && v.step === 'drafting', PATIENT);
		const resumedView = await mediator.until(
			(v) => v.step === 'drafting' && v.speaking?.mode === 'turns',
			PATIENT
		);
		expect(
			resumedView.speaking?.mode === 'turns' && resumedView.speaking.turnSeconds
		).toBeGreaterThanOrEqual(ackedBefore);
		// The database names a process that serves now as the case's owner.
		await ownerOf(deployment, meetingId, current);
		// Going on: more changes acknowledged by the process that holds it now.
		const resumed = acknowledged.length;
		await vi.waitFor(() => expect(acknowledged.length).toBeGreaterThan(resumed + 5), {
			timeout: PATIENT
		});
		// Every edit one typist's page had shown of the other's is in the draft.
		const fresh = openDoc(url, docName, staffActor(staff));
		await fresh.synced(PATIENT);
		const recovered = markers(fresh.text('harm'));
		expect([...shown].filter((marker) => !recovered.has(marker))).toEqual([]);
		fresh.destroy();
	}
	changing = false;
	for (const interval of typing) clearInterval(interval);
	await changes;

	// Every acknowledged change is in the session's log, and in what the mediator sees.
	const logged = new Set(
		(
			await deployment.query<{ seconds: number }>(
				`select (command->>'turnSeconds')::int as seconds from session_events
				 where meeting_id = $1 and command->>'type' = 'setTurnLength'`,
				[meetingId]
			)
		).map((row) => row.seconds)
	);
	expect(acknowledged.filter((seconds) => !logged.has(seconds))).toEqual([]);
	await mediator.until(
		(v) => v.speaking?.mode === 'turns' && v.speaking.turnSeconds === lastAcknowledged(),
		PATIENT
	);
	// Both pages end with the same text as a page opened now.
	await vi.waitFor(() => expect(typists.v.text('harm')).toBe(typists.m.text('harm')), {
		timeout: PATIENT,
		interval: 50
	});
	const fresh = openDoc(url, docName, staffActor(staff));
	await fresh.synced(PATIENT);
	await vi.waitFor(() => expect(fresh.text('harm')).toBe(typists.m.text('harm')), {
		timeout: PATIENT
	});

	// No view ever put a side with the other while no mediator was connected.
	for (const party of Object.values(parties))
		expect(togetherWithoutMediator(party.views)).toEqual([]);
}

describe('the process holding a meeting killed (-9) in the middle of it', () => {
	it.runIf(clustered)(
		'everyone is back through the balancer on another process, nothing acknowledged is lost, the sides are never together alone',
		async () => {
			const deployment = await startDeployment(3);
			await interruptedMeeting(deployment, [killHolder]);
		},
		240_000
	);
});

describe('a rolling restart of a cluster started at once on an empty database', () => {
	it.runIf(clustered)(
		'both processes come up on one migration; each replaced in turn under a live meeting, nothing is lost',
		async () => {
			const deployment = await startClusterDeployment(cleanups, 2, { together: true });
			const [{ n }] = await deployment.query<{ n: number }>(
				'select count(*)::int as n from drizzle.__drizzle_migrations'
			);
			const files = (await readdir('drizzle')).filter((file) => file.endsWith('.sql'));
			expect(n).toBe(files.length);
			await interruptedMeeting(deployment, [
				replace(deployment, 'holder'),
				replace(deployment, 'other')
			]);
		},
		300_000
	);
});

describe('one person’s tabs on two processes', () => {
	it.runIf(clustered)(
		'share one budget of commands: counted where the meeting is held, whichever process each tab reached',
		async () => {
			const deployment = await startDeployment(2);
			const [a, b] = deployment.members as [Member, Member];
			const staff = await demoMediator(a.url);
			const victim = await openDemoLink(a.url, deployment.links.victim);
			const meetingId = victim.meetingId;
			const tabs = [
				await join<MediatorView>(a.url, staff.cookieHeader, meetingId, 'staff'),
				await join<MediatorView>(b.url, staff.cookieHeader, meetingId, 'staff')
			];
			await tabs[0]!.do({ type: 'startSession' });
			await tabs[0]!.do({ type: 'setSpeakingMode', mode: 'turns', turnSeconds: 60 });
			// Let the window of the commands above pass: the burst below is measured alone.
			await sleep(2_100);

			// A burst from both tabs at once, each tab on its own process.
			const answers = await Promise.all(
				Array.from({ length: COMMANDS_PER_2_S + 6 }, (_, i) =>
					tabs[i % 2]!.send({ type: 'setTurnLength', turnSeconds: 61 + i })
				)
			);
			const given = answers.filter((answer) => answer.ok).length;
			const refused = answers.filter(
				(answer) => !answer.ok && answer.error.code === ERROR_CODES.rateLimited
			).length;
			// Counted apart, each process would have given 13 of its 13.
			expect(given).toBe(COMMANDS_PER_2_S);
			expect(refused).toBe(6);
		},
		240_000
	);
});

describe('a process without Redis started beside clustered processes', () => {
	it.runIf(clustered)(
		'stands by and serves nothing while they run, their meeting goes on untouched, and it serves once they are all gone',
		async () => {
			const deployment = await startDeployment(2);
			const { links } = deployment;
			// The balancer has the lone process's port too, as an IT team adds a new machine to
			// the pool: while it does not listen, the balancer skips it.
			const lonePort = await freePort();
			const balancer = await Balancer.start([
				...deployment.members.map((member) => member.port),
				lonePort
			]);
			cleanups.push(() => balancer.close());
			const url = balancer.url;

			// A meeting under way on the two clustered processes, at its drafting step.
			const { staff, browsers, meetingId, mediator, parties, clients } = await meetingAtDrafting(
				url,
				links,
				false
			);
			const docName = agreementDocName((await agreementOfMeeting(staffActor(staff), meetingId))!);
			const drafts = {
				victim: openDoc(url, docName, { http: browsers.victim.http, meetingId }),
				mediator: openDoc(url, docName, staffActor(staff))
			};
			await Promise.all(Object.values(drafts).map((draft) => draft.synced(PATIENT)));
			drafts.victim.type('harm', 'v1; ');
			await vi.waitFor(() => expect(drafts.mediator.text('harm')).toContain('v1;'), {
				timeout: PATIENT
			});
			const watched = clients.map(watch);

			// Someone starts a process with the database's address but without Redis — an old
			// configuration, a copy of the settings missing a line.
			const lone = spawn({
				DATABASE_URL: deployment.databaseUrl,
				AUTH_SECRET: TEST_AUTH_SECRET,
				SEED_DEMO: 'false',
				LOG_LEVEL: 'warn',
				PORT: String(lonePort)
			});
			await lone.waitFor(STANDS_BY, STARTING);

			// The meeting goes on, nobody's connection touched: commands, views, the draft.
			const seq = await mediator.do({ type: 'setSpeakingMode', mode: 'moderated' });
			for (const party of Object.values(parties))
				await party.until((v) => v.seq >= seq && v.speaking?.mode === 'moderated', PATIENT);
			drafts.victim.type('harm', 'v2; ');
			drafts.mediator.type('harm', 'm3; ');
			await vi.waitFor(
				() => {
					expect(drafts.mediator.text('harm')).toContain('v2;');
					expect(drafts.victim.text('harm')).toContain('m3;');
				},
				{ timeout: PATIENT }
			);
			expect(watched.flatMap((seen) => seen.drops)).toEqual([]);
			expect([...drafts.victim.closes, ...drafts.mediator.closes]).toEqual([]);
			// It does not serve: it never said it runs, and nothing listens on its port.
			expect(lone.child.exitCode).toBeNull();
			expect(lone.output()).not.toMatch(RUNNING);
			expect(await refuses(lonePort)).toBe(true);

			// The clustered process that does not hold the case is stopped (an upgrade): whoever
			// was on it is back on the other, the meeting as it was; the lone process still
			// stands by, one clustered process being left.
			const owner = await ownerOf(deployment, meetingId);
			const other = deployment.members.find((member) => member !== owner)!;
			const firstStop = Date.now();
			expect(
				await other.mend.stop('SIGTERM'),
				`SIGTERM: stopped within its limit, exit code 0\n${other.mend.output()}`
			).toBe(0);
			await Promise.all(
				clients.map((client, index) => backAfter(client, watched[index]!, firstStop))
			);
			const open = await mediator.do({ type: 'setSpeakingMode', mode: 'open' });
			for (const party of Object.values(parties))
				await party.until(
					(v) => v.seq >= open && v.place.kind === 'joint' && v.step === 'drafting',
					PATIENT
				);
			drafts.victim.type('harm', 'v4; ');
			await vi.waitFor(() => expect(drafts.mediator.text('harm')).toContain('v4;'), {
				timeout: PATIENT
			});
			expect(lone.output()).not.toMatch(RUNNING);
			expect(await refuses(lonePort)).toBe(true);

			// The last clustered process is stopped: now the lone one serves, on its port, and
			// everyone is back on it through the balancer, the meeting as it was.
			const lastStop = Date.now();
			expect(
				await owner.mend.stop('SIGTERM'),
				`SIGTERM: stopped within its limit, exit code 0\n${owner.mend.output()}`
			).toBe(0);
			const loneUrl = (await lone.waitFor(RUNNING, STARTING))[1]!;
			expect(new URL(loneUrl).port).toBe(String(lonePort));
			await Promise.all(
				clients.map((client, index) => backAfter(client, watched[index]!, lastStop))
			);
			for (const party of Object.values(parties)) {
				const view = await party.until(
					(v) => v.mediatorPresent && v.place.kind === 'joint' && v.step === 'drafting',
					PATIENT
				);
				expect(view).toMatchObject({ status: 'live', speaking: { mode: 'open' } });
			}
			drafts.victim.type('harm', 'v5; ');
			await vi.waitFor(() => expect(drafts.mediator.text('harm')).toContain('v5;'), {
				timeout: PATIENT
			});
			const fresh = openDoc(url, docName, staffActor(staff));
			await fresh.synced(PATIENT);
			expect(markers(fresh.text('harm'))).toEqual(new Set(['v1;', 'v2;', 'm3;', 'v4;', 'v5;']));
			for (const party of Object.values(parties))
				expect(togetherWithoutMediator(party.views)).toEqual([]);
		},
		240_000
	);
});
