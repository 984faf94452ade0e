import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { agreementDocName, EDIT_REFUSALS } from '#lib/protocol/collab.ts';
import { agreements, planItems } from '#lib/server/db/schema.ts';
import { dateIn } from '#lib/time.ts';
import {
	acceptClause,
	acceptEverything,
	agreementAction,
	agreementOfMeeting,
	credentialsOf,
	downloadPdf,
	draftedAgreement,
	freeze,
	partyActor,
	pdfText,
	readAgreement,
	SAMPLE,
	sign,
	staffActor,
	stateOf,
	verifyPdf,
	type Drafted
} from '../helpers/agreement.ts';
import { CollabClient } from '../helpers/collab.ts';
import { referralFields } from '../helpers/fixtures.ts';
import { HttpClient } from '../helpers/http.ts';
import { jointMeeting } from '../helpers/meeting.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * The agreement's workflow over HTTP, as the pages drive it: the parties draft it together
 * (through the collaborative document), each victim and offender accepts each clause, the
 * mediator freezes it, everyone who must signs, and the last signature executes it into a
 * PDF anyone can check and a follow-up plan.
 */

let server: TestServer;
const cleanups: (() => void)[] = [];

beforeAll(async () => {
	server = await startTestServer();
});
afterEach(() => {
	for (const cleanup of cleanups.splice(0)) cleanup();
});
afterAll(() => server?.close());

const drafted = (options?: { support?: boolean }) => draftedAgreement(server, cleanups, options);

/** Everyone accepts, the mediator freezes, everyone signs: the agreement is executed. */
async function execute(d: Drafted, agreementId = d.agreementId): Promise<string> {
	await acceptEverything([d.victim, d.offender], agreementId);
	const hash = await freeze(d, agreementId);
	for (const [actor, name] of [
		[d.victim, 'Vera Victim'],
		[d.offender, 'Otto Offender'],
		[d.guardian, 'Gail Guardian']
	] as const)
		expect((await sign(actor, agreementId, hash, name)).body).toEqual({ executed: false });
	expect((await sign(d.mediator, agreementId, hash, 'Dana Mediator')).body).toEqual({
		executed: true
	});
	return hash;
}

const verify = (fields: { file?: Uint8Array; sha256?: string }) => verifyPdf(server, fields);

describe('an agreement, from draft to signed PDF', () => {
	it('is accepted clause by clause, frozen, signed by everyone and executed into a PDF and a plan', async () => {
		const d = await drafted();
		const { agreementId } = d;
		// The victim and the offender accept each clause; their acceptances show to everyone.
		await acceptEverything([d.victim, d.offender], agreementId);
		const accepted = await stateOf(d.guardian, agreementId);
		expect(accepted.acceptors.sort()).toEqual(
			[d.meeting.parties.victim.id, d.meeting.parties.offender.id].sort()
		);
		expect(Object.keys(accepted.acceptances)).toHaveLength(5);
		for (const clause of Object.values(accepted.acceptances))
			expect(Object.keys(clause)).toHaveLength(2);
		expect(accepted.you).toMatchObject({ accepts: false, signsAs: 'guardian' });

		const hash = await freeze(d);
		const frozen = await stateOf(d.victim, agreementId);
		expect(frozen).toMatchObject({ status: 'frozen', hash, you: { mustSign: true } });
		expect(frozen.signers.map((s) => s.role).sort()).toEqual([
			'guardian',
			'mediator',
			'offender',
			'victim'
		]);
		// The draft refuses edits from now on.
		d.draft.type('harm', ' CHANGED AFTER FREEZE');
		await vi.waitFor(() => expect(d.draft.refusals).toEqual([EDIT_REFUSALS.frozen]));

		// A signature names the text that was read: another hash is refused.
		const stale = await sign(d.victim, agreementId, 'a'.repeat(64), 'Vera Victim');
		expect(stale.status).toBe(409);
		// Not yet executed: no PDF.
		expect((await downloadPdf(d.victim, agreementId)).status).toBe(404);
		for (const [actor, name] of [
			[d.victim, 'Vera Victim'],
			[d.offender, 'Otto Offender'],
			[d.guardian, 'Gail Guardian']
		] as const)
			expect((await sign(actor, agreementId, hash, name)).body).toEqual({ executed: false });
		expect((await sign(d.victim, agreementId, hash, 'Vera Victim')).status).toBe(409);
		const waiting = await stateOf(d.mediator, agreementId);
		expect(waiting.signers.filter((s) => !s.signed).map((s) => s.role)).toEqual(['mediator']);
		expect(waiting.you.mustSign).toBe(true);

		// The mediator witnesses last: that signature executes the agreement.
		expect((await sign(d.mediator, agreementId, hash, 'Dana Mediator')).body).toEqual({
			executed: true
		});
		const executed = await stateOf(d.offender, agreementId);
		expect(executed.status).toBe('executed');
		expect(executed.executedAt).not.toBeNull();
		expect(executed.signers.every((s) => s.signed)).toBe(true);
		await vi.waitFor(() => expect(d.draft.agreement.status).toBe('executed'));

		// The PDF: the same file for every party and for staff; nobody else gets it.
		const pdf = await downloadPdf(d.victim, agreementId);
		expect(pdf).toMatchObject({ status: 200, type: 'application/pdf' });
		for (const actor of [d.offender, d.guardian, d.mediator, d.coordinator])
			expect((await downloadPdf(actor, agreementId)).bytes).toEqual(pdf.bytes);
		const stranger = await jointMeeting(server);
		expect((await downloadPdf(partyActor(stranger, 'victim'), agreementId)).status).toBe(404);
		expect((await downloadPdf(staffActor(stranger.mediatorHttp), agreementId)).status).toBe(404);
		expect((await downloadPdf({ http: new HttpClient(server.url) }, agreementId)).status).toBe(404);

		// It says what was agreed and who signed — never how to reach the victim.
		const text = await pdfText(pdf.bytes);
		for (const expected of [SAMPLE.harm, SAMPLE.service, 'Vera Victim', 'Otto Offender'])
			expect(text).toContain(expected);
		const victimContact = referralFields();
		for (const contact of [
			victimContact['parties.0.email'],
			victimContact['parties.0.phone'],
			victimContact['parties.0.address'],
			victimContact['parties.1.phone']
		])
			expect(text).not.toContain(contact);

		// The follow-up plan: three instalments, the service hours, the apology letter.
		const plan = await server.deps.db
			.select()
			.from(planItems)
			.where(eq(planItems.agreementId, agreementId));
		expect(plan.map((item) => item.kind).sort()).toEqual([
			'apology_letter',
			'payment',
			'payment',
			'payment',
			'service'
		]);
		for (const item of plan) expect(item.responsiblePartyId).toBe(d.meeting.parties.offender.id);
		expect(
			plan.filter((i) => i.kind === 'payment').reduce((sum, i) => sum + (i.amountMinor ?? 0), 0)
		).toBe(300_00);
		expect(plan.find((i) => i.kind === 'service')?.hours).toBe(20);

		// Anyone can check the file: genuine as issued, not genuine with one byte changed.
		expect(await verify({ file: pdf.bytes })).toMatchObject({
			genuine: true,
			status: 'executed',
			version: 1
		});
		const sha256 = createHash('sha256').update(pdf.bytes).digest('hex');
		expect(await verify({ sha256 })).toMatchObject({ genuine: true });
		const tampered = pdf.bytes.slice();
		tampered[Math.floor(tampered.length / 2)] ^= 0x01;
		expect(await verify({ file: tampered })).toMatchObject({ genuine: false });
	});

	it('asks for acceptance again when a clause changes, and freezes only once all is accepted', async () => {
		const d = await drafted();
		const { agreementId } = d;
		await acceptEverything([d.victim], agreementId);
		// The offender has accepted nothing yet: no freezing.
		const early = await agreementAction(d.mediator, agreementId, 'freeze', {});
		expect(early.status).toBe(409);
		expect(early.body.error?.message).toBeTruthy();
		expect((await stateOf(d.mediator, agreementId)).status).toBe('drafting');
		await acceptEverything([d.offender], agreementId);

		// The harm is changed after both accepted it: their acceptances no longer match it.
		const before = await readAgreement(d.victim, agreementId);
		const accepted = before.state.acceptances.harm![d.meeting.parties.victim.id];
		d.draft.type('harm', ' And the radio.');
		await vi.waitFor(async () =>
			expect((await readAgreement(d.victim, agreementId)).content.harm).toContain('radio')
		);
		const after = await readAgreement(d.victim, agreementId);
		// The acceptance stays recorded as given, and no longer names the text as it reads.
		expect(after.state.acceptances.harm![d.meeting.parties.victim.id]).toBe(accepted);
		expect((await agreementAction(d.mediator, agreementId, 'freeze', {})).status).toBe(409);

		// Accepting the words as they were is refused; as they now read, accepted.
		const old = await agreementAction(d.victim, agreementId, 'accept', {
			clause: 'harm',
			fingerprint: accepted,
			accept: true
		});
		expect(old.status).toBe(409);
		expect((await acceptClause(d.victim, agreementId, 'harm')).status).toBe(200);
		expect((await agreementAction(d.mediator, agreementId, 'freeze', {})).status).toBe(409);
		expect((await acceptClause(d.offender, agreementId, 'harm')).status).toBe(200);
		// Withdrawing an acceptance blocks the freeze again; accepting again releases it.
		expect((await acceptClause(d.offender, agreementId, 'free_text', false)).status).toBe(200);
		expect((await agreementAction(d.mediator, agreementId, 'freeze', {})).status).toBe(409);
		expect((await acceptClause(d.offender, agreementId, 'free_text')).status).toBe(200);
		await freeze(d);
	});

	it('freezes once when asked twice at the same moment, and can be reopened after', async () => {
		const d = await drafted();
		const { agreementId } = d;
		await acceptEverything([d.victim, d.offender], agreementId);
		const both = await Promise.all(
			[1, 2].map(() => agreementAction<{ hash: string }>(d.mediator, agreementId, 'freeze', {}))
		);
		// One freezes; the other, held back until the first let go, finds it frozen.
		expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
		const state = await stateOf(d.victim, agreementId);
		expect(state.status).toBe('frozen');
		// Nothing was left holding the draft: it reopens, and the parties can type again.
		const reopened = await agreementAction(d.mediator, agreementId, 'reopen', {
			reason: 'One more change'
		});
		expect(reopened.status).toBe(200);
		d.draft.type('freeText', ' After reopening.');
		await vi.waitFor(async () =>
			expect((await readAgreement(d.mediator, agreementId)).content.freeText).toContain(
				'After reopening.'
			)
		);
	});

	it('voids the signatures given when the mediator reopens the text, and shows them voided', async () => {
		const d = await drafted();
		const { agreementId } = d;
		await acceptEverything([d.victim, d.offender], agreementId);
		const hash = await freeze(d);
		expect((await sign(d.victim, agreementId, hash, 'Vera Victim')).status).toBe(200);
		expect((await sign(d.offender, agreementId, hash, 'Otto Offender')).status).toBe(200);

		expect(
			(await agreementAction(d.offender, agreementId, 'reopen', { reason: 'I changed my mind' }))
				.status
		).toBe(403);
		const reopened = await agreementAction(d.mediator, agreementId, 'reopen', {
			reason: 'The dates must move.'
		});
		expect(reopened).toMatchObject({ status: 200, body: { voided: 2 } });
		const state = await stateOf(d.victim, agreementId);
		expect(state).toMatchObject({ status: 'drafting', hash: null });
		expect(state.signatures).toHaveLength(2);
		expect(state.signatures.every((s) => s.voided)).toBe(true);
		expect(state.signers.some((s) => s.signed)).toBe(false);
		await vi.waitFor(() =>
			expect(d.draft.agreement.signatures.map((s) => s.voided)).toEqual([true, true])
		);
		// The draft can be edited again, and a signature on the old hash is worth nothing.
		expect((await sign(d.guardian, agreementId, hash, 'Gail Guardian')).status).toBe(409);
		const again = await freeze(d);
		expect(again).toBe(hash);
		const refrozen = await stateOf(d.victim, agreementId);
		expect(refrozen.you.mustSign).toBe(true);
		expect(refrozen.signers.some((s) => s.signed)).toBe(false);
		expect(refrozen.signatures.filter((s) => !s.voided)).toEqual([]);
	});
});

describe("the draft's date checks", () => {
	it("judge dates against the server's clock, in the program's time zone", async () => {
		const d = await drafted();
		const daysMs = 3 * 24 * 60 * 60_000;
		const today = (await stateOf(d.mediator, d.agreementId)).today;
		expect(today).toBe(dateIn(server.clock.now(), 'America/Chicago'));
		server.clock.advance(daysMs);
		try {
			// What every draft checks its dates against moves with the server's clock.
			const later = (await stateOf(d.mediator, d.agreementId)).today;
			expect(later).toBe(dateIn(server.clock.now(), 'America/Chicago'));
			expect(later).not.toBe(today);
		} finally {
			server.clock.advance(-daysMs);
		}
	});
});

describe('an amendment', () => {
	it('starts as version 2 from the signed text, and replaces version 1 once signed', async () => {
		const d = await drafted();
		const v1 = d.agreementId;
		await execute(d);
		const { bytes: v1Pdf } = await downloadPdf(d.mediator, v1);

		// The parties meet again at the drafting step: a new version, linked to the first.
		await d.session.mediator.do({ type: 'goToStep', step: 'signing' });
		await d.session.mediator.do({ type: 'goToStep', step: 'drafting' });
		const v2 = await agreementOfMeeting(d.victim, d.meeting.meetingId);
		expect(v2).not.toBe(v1);
		const [row] = await server.deps.db.select().from(agreements).where(eq(agreements.id, v2!));
		expect(row).toMatchObject({ version: 2, amendsId: v1, status: 'drafting' });
		const amended = await readAgreement(d.victim, v2!);
		expect(amended.state).toMatchObject({ version: 2, status: 'drafting', acceptances: {} });
		expect(amended.content).toEqual((await readAgreement(d.victim, v1)).content);
		// Version 1 stays as signed: executed, its draft closed to edits.
		expect((await stateOf(d.victim, v1)).status).toBe('executed');

		// The amendment is edited together, then accepted, frozen and signed again.
		const draft = new CollabClient(server.url, agreementDocName(v2!), credentialsOf(d.victim));
		cleanups.push(() => draft.destroy());
		await draft.synced();
		draft.type('freeText', ' The second instalment moves by a month.');
		await vi.waitFor(async () =>
			expect((await readAgreement(d.mediator, v2!)).content.freeText).toContain('second instalment')
		);
		await execute(d, v2!);
		expect((await stateOf(d.mediator, v1)).status).toBe('superseded');
		const plans = await server.deps.db
			.select()
			.from(planItems)
			.where(and(eq(planItems.caseId, d.meeting.caseId)));
		const ofV1 = plans.filter((p) => p.agreementId === v1);
		const ofV2 = plans.filter((p) => p.agreementId === v2);
		// Both versions made their plan; the first one's items are kept, marked as replaced.
		expect(ofV1.length).toBeGreaterThan(0);
		expect(ofV2.length).toBe(ofV1.length);
		expect(ofV1.every((p) => p.supersededAt !== null)).toBe(true);
		expect(ofV2.every((p) => p.supersededAt === null)).toBe(true);
		// The first PDF is still genuine, and says it was replaced.
		expect(await verify({ file: v1Pdf })).toMatchObject({ genuine: true, status: 'superseded' });
		const v2Pdf = await downloadPdf(d.victim, v2!);
		expect(await verify({ file: v2Pdf.bytes })).toMatchObject({
			genuine: true,
			status: 'executed',
			version: 2
		});
	});
});
