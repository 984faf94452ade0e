import { extractText, getDocumentProxy } from 'unpdf';
import { expect, vi } from 'vitest';
import * as Y from 'yjs';
import { clauseIds, type AgreementContent } from '#lib/agreement/model.ts';
import {
	addObligation,
	clauseFingerprint,
	obligationMap,
	parts,
	scheduleInstalments
} from '#lib/agreement/ydoc.ts';
import { agreementDocName, type AgreementState } from '#lib/protocol/collab.ts';
import type { MediatorView, PartyView } from '#lib/protocol/session-view.ts';
import { CollabClient, type CollabCredentials } from './collab.ts';
import { HttpClient, successData } from './http.ts';
import {
	joinAsMediator,
	joinAsParty,
	jointMeeting,
	type MeetingFixture,
	type PartyName
} from './meeting.ts';
import type { TestServer } from './server.ts';
import type { SessionClient } from './session-client.ts';

/**
 * Someone acting on an agreement over HTTP as their browser would: a party's page names its
 * meeting (`?meeting=`, its cookie is per meeting), a staff page does not.
 */
export interface Actor {
	http: HttpClient;
	meetingId?: string;
}

export const partyActor = (meeting: MeetingFixture, who: PartyName | 'support'): Actor => ({
	http: who === 'support' ? meeting.support!.http : meeting.parties[who].http,
	meetingId: meeting.meetingId
});
export const staffActor = (http: HttpClient): Actor => ({ http });

/** What a collab client of this actor sends with its WebSocket. */
export const credentialsOf = (actor: Actor): CollabCredentials => ({
	cookie: actor.http.cookieHeader,
	meetingId: actor.meetingId
});

const withMeeting = (actor: Actor, path: string) =>
	actor.meetingId ? `${path}?meeting=${actor.meetingId}` : path;

export interface JsonAnswer<T = Record<string, unknown>> {
	status: number;
	body: T & { error?: { code: string; message: string; fields: Record<string, string> } };
}

/** A same-origin JSON request, as the page's fetch sends it. */
export async function requestJson<T = Record<string, unknown>>(
	actor: Actor,
	path: string,
	init: { method?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {}
): Promise<JsonAnswer<T>> {
	const response = await actor.http.fetch(withMeeting(actor, path), {
		method: init.method ?? (init.body === undefined && init.raw === undefined ? 'GET' : 'POST'),
		headers: {
			origin: actor.http.origin,
			'content-type': 'application/json',
			accept: 'application/json',
			...init.headers
		},
		body: init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body))
	});
	const text = await response.text();
	let body: JsonAnswer<T>['body'];
	try {
		body = JSON.parse(text);
	} catch {
		body = { error: { code: 'not_json', message: text.slice(0, 300), fields: {} } } as never;
	}
	return { status: response.status, body };
}

/** POSTs to `/api/agreements/<id>/<action>`. */
export const agreementAction = <T = Record<string, unknown>>(
	actor: Actor,
	agreementId: string,
	action: 'accept' | 'read-only' | 'freeze' | 'reopen' | 'sign',
	body: unknown
) => requestJson<T>(actor, `/api/agreements/${agreementId}/${action}`, { body });

/** The agreement's state and draft as the server tells this actor. */
export async function readAgreement(
	actor: Actor,
	agreementId: string
): Promise<{ state: AgreementState; content: AgreementContent }> {
	const answer = await requestJson<{ state: AgreementState; content: AgreementContent }>(
		actor,
		`/api/agreements/${agreementId}`
	);
	expect(answer.status, JSON.stringify(answer.body)).toBe(200);
	return answer.body;
}

/** The agreement a meeting's people work on. */
export async function agreementOfMeeting(actor: Actor, meetingId: string): Promise<string | null> {
	const answer = await requestJson<{ agreementId: string | null }>(
		actor,
		`/api/meetings/${meetingId}/agreement`
	);
	expect(answer.status, JSON.stringify(answer.body)).toBe(200);
	return answer.body.agreementId;
}

/** Accepts (or withdraws) one clause as it now reads for this actor. */
export async function acceptClause(
	actor: Actor,
	agreementId: string,
	clause: string,
	accept = true
): Promise<JsonAnswer> {
	const { content } = await readAgreement(actor, agreementId);
	return agreementAction(actor, agreementId, 'accept', {
		clause,
		fingerprint: clauseFingerprint(content, clause as never),
		accept
	});
}

/** Each actor accepts every clause as it now reads; each acceptance must go through. */
export async function acceptEverything(actors: Actor[], agreementId: string): Promise<void> {
	for (const actor of actors) {
		const { content } = await readAgreement(actor, agreementId);
		for (const clause of clauseIds(content)) {
			const answer = await agreementAction(actor, agreementId, 'accept', {
				clause,
				fingerprint: clauseFingerprint(content, clause),
				accept: true
			});
			expect(answer.status, `${clause}: ${JSON.stringify(answer.body)}`).toBe(200);
		}
	}
}

/** A date `months` ahead, `YYYY-MM-15`: always after today in any time zone. */
export function monthsAhead(months: number): string {
	const now = new Date();
	const date = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + months, 15));
	return date.toISOString().slice(0, 10);
}

export const SAMPLE = {
	harm: 'Otto broke the car window and took the phone.',
	apologyNote: 'A letter, passed on by the program.',
	payment: 'Repair of the car window.',
	paymentVerification: 'Receipts kept by the program.',
	service: 'Work at the community garden.',
	serviceVerification: 'Signed time sheet from the garden.',
	freeText: 'Both agree to meet again if either asks.'
};

/**
 * Writes a complete agreement into a draft, as people would through the page: the harm, an
 * apology by letter, $300 in three monthly instalments and 20 hours of service by the offender.
 */
export function fillAgreement(doc: Y.Doc, offenderId: string): void {
	const p = parts(doc);
	p.harm.insert(p.harm.length, SAMPLE.harm);
	doc.transact(() => {
		p.apology.set('delivery', 'letter');
		const note = p.apology.get('note');
		if (note instanceof Y.Text) note.insert(0, SAMPLE.apologyNote);
	});
	const pay = addObligation(doc, 'payment', offenderId, 'USD');
	const payment = obligationMap(doc, pay)!;
	doc.transact(() => {
		payment.set('amountMinor', 300_00);
		(payment.get('description') as Y.Text).insert(0, SAMPLE.payment);
		(payment.get('verification') as Y.Text).insert(0, SAMPLE.paymentVerification);
	});
	scheduleInstalments(doc, pay, { count: 3, frequency: 'monthly', startDate: monthsAhead(2) });
	const serve = addObligation(doc, 'service', offenderId, 'USD');
	const service = obligationMap(doc, serve)!;
	doc.transact(() => {
		service.set('hours', 20);
		service.set('byDate', monthsAhead(6));
		(service.get('description') as Y.Text).insert(0, SAMPLE.service);
		(service.get('verification') as Y.Text).insert(0, SAMPLE.serviceVerification);
	});
	p.freeText.insert(0, SAMPLE.freeText);
}

export interface DraftingSession {
	mediator: SessionClient<MediatorView>;
	parties: Record<PartyName, SessionClient<PartyView>>;
	agreementId: string;
	close(): void;
}

/**
 * The live session at its drafting step, as the mediator runs it: started, everyone admitted
 * and confirming they take part voluntarily, then the step that makes the agreement.
 */
export async function draftingSession(
	server: TestServer,
	meeting: MeetingFixture
): Promise<DraftingSession> {
	const mediator = await joinAsMediator(server, meeting);
	const parties = {
		victim: await joinAsParty(server, meeting, 'victim'),
		offender: await joinAsParty(server, meeting, 'offender'),
		guardian: await joinAsParty(server, meeting, 'guardian')
	};
	await mediator.do({ type: 'startSession' });
	for (const who of ['victim', 'offender', 'guardian'] as const) {
		await mediator.do({ type: 'admit', participantId: meeting.parties[who].id });
		await parties[who].until((v) => v.place.kind === 'joint');
		await parties[who].do({ type: 'confirmVoluntary' });
	}
	await mediator.do({ type: 'goToStep', step: 'drafting' });
	await parties.victim.until((v) => v.step === 'drafting');
	const agreementId = await agreementOfMeeting(partyActor(meeting, 'victim'), meeting.meetingId);
	expect(agreementId).toBeTruthy();
	return {
		mediator,
		parties,
		agreementId: agreementId!,
		close: () => {
			mediator.close();
			for (const client of Object.values(parties)) client.close();
		}
	};
}

/**
 * A case of its own at the drafting step (`jointMeeting`, then `draftingSession`), with the
 * people acting on its agreement; its session is closed by the next run of `cleanups`.
 */
export async function draftingCase(
	server: TestServer,
	cleanups: (() => void)[],
	options: { support?: boolean } = {}
) {
	const meeting = await jointMeeting(server, options);
	const session = await draftingSession(server, meeting);
	cleanups.push(() => session.close());
	const actors = {
		victim: partyActor(meeting, 'victim'),
		offender: partyActor(meeting, 'offender'),
		guardian: partyActor(meeting, 'guardian'),
		mediator: staffActor(meeting.mediatorHttp)
	};
	return { meeting, session, actors };
}

export interface Drafted {
	meeting: MeetingFixture;
	agreementId: string;
	session: DraftingSession;
	victim: Actor;
	offender: Actor;
	guardian: Actor;
	mediator: Actor;
	coordinator: Actor;
	/** The offender's draft, open in their browser. */
	draft: CollabClient;
}

/** A case at its drafting step with a complete draft the offender typed (`draftingCase`). */
export async function draftedAgreement(
	server: TestServer,
	cleanups: (() => void)[],
	options: { support?: boolean } = {}
): Promise<Drafted> {
	const { meeting, session, actors } = await draftingCase(server, cleanups, options);
	const { victim, offender, guardian, mediator } = actors;
	const draft = new CollabClient(
		server.url,
		agreementDocName(session.agreementId),
		credentialsOf(offender)
	);
	cleanups.push(() => draft.destroy());
	await draft.synced();
	fillAgreement(draft.doc, meeting.parties.offender.id);
	await vi.waitFor(async () =>
		expect((await readAgreement(mediator, session.agreementId)).content).toEqual(draft.content)
	);
	return {
		meeting,
		agreementId: session.agreementId,
		session,
		victim,
		offender,
		guardian,
		mediator,
		coordinator: staffActor(meeting.coordinatorHttp),
		draft
	};
}

export const stateOf = async (actor: Actor, agreementId: string): Promise<AgreementState> =>
	(await readAgreement(actor, agreementId)).state;

export const sign = (actor: Actor, agreementId: string, hash: string, typedName: string) =>
	agreementAction<{ executed: boolean }>(actor, agreementId, 'sign', {
		hash,
		typedName,
		agree: true
	});

/** The executed agreement's PDF, as this actor downloads it. */
export async function downloadPdf(actor: Actor, agreementId: string) {
	const response = await actor.http.fetch(withMeeting(actor, `/api/agreements/${agreementId}/pdf`));
	return {
		status: response.status,
		type: response.headers.get('content-type'),
		bytes: new Uint8Array(await response.arrayBuffer())
	};
}

/** A PDF's text, every run of white space as one space. */
export async function pdfText(bytes: Uint8Array): Promise<string> {
	const pdf = await getDocumentProxy(bytes.slice());
	const { text } = await extractText(pdf, { mergePages: true });
	await pdf.cleanup();
	return text.replace(/\s+/g, ' ');
}

/** The public verification page's answer for a file (uploaded) or its SHA-256. */
export async function verifyPdf(
	server: TestServer,
	fields: { file?: Uint8Array; sha256?: string }
) {
	const form = new FormData();
	if (fields.file) form.set('file', new Blob([fields.file.slice()]), 'agreement.pdf');
	if (fields.sha256) form.set('sha256', fields.sha256);
	const result = await new HttpClient(server.url).submit('/verify', form);
	return successData<{ result: { genuine: boolean; status?: string; version?: number } }>(result)
		.result;
}

/** The mediator freezes the text; returns the hash everyone signs. */
export async function freeze(d: Drafted, agreementId = d.agreementId): Promise<string> {
	const frozen = await agreementAction<{ hash: string }>(d.mediator, agreementId, 'freeze', {});
	expect(frozen.status, JSON.stringify(frozen.body)).toBe(200);
	expect(frozen.body.hash).toMatch(/^[0-9a-f]{64}$/);
	return frozen.body.hash;
}
