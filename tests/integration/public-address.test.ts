import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { followUps, notifications } from '#lib/server/db/schema.ts';
import {
	acceptEverything,
	downloadPdf,
	draftedAgreement,
	freeze,
	pdfText,
	sign,
	verifyPdf,
	type Actor
} from '../helpers/agreement.ts';
import { successData, type Forged } from '../helpers/http.ts';
import { jointMeeting } from '../helpers/meeting.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * Every address Mend writes for people to follow — the "upload it at …/verify" line of a signed
 * agreement, invitation links with their e-mail and calendar file, survey links — comes from its
 * configuration, never from a request. A request names its own Host, and behind a proxy Mend
 * trusts its own X-Forwarded-Host: whoever sends it chooses them. The review found the last
 * signer's Host printed as the verification address in everyone's signed PDF.
 */

const FORGED = 'evil.example';

const cleanups: (() => void)[] = [];
afterEach(() => {
	for (const cleanup of cleanups.splice(0)) cleanup();
});

/** Everyone signs as usual; the mediator, last, signs with `forged` headers: it executes. */
async function executeSignedLastBy(server: TestServer, forged: Forged) {
	const d = await draftedAgreement(server, cleanups);
	await acceptEverything([d.victim, d.offender], d.agreementId);
	const hash = await freeze(d);
	for (const [actor, name] of [
		[d.victim, 'Vera Victim'],
		[d.offender, 'Otto Offender'],
		[d.guardian, 'Gail Guardian']
	] as const)
		expect((await sign(actor, d.agreementId, hash, name)).body).toEqual({ executed: false });
	const forging: Actor = { http: d.mediator.http.forging(forged) };
	const last = await sign(forging, d.agreementId, hash, 'Dana Mediator');
	expect(last.body, 'the forged request is served like any other').toEqual({ executed: true });
	const pdf = await downloadPdf(d.victim, d.agreementId);
	expect(pdf.status).toBe(200);
	expect(await verifyPdf(server, { file: pdf.bytes })).toMatchObject({ genuine: true });
	return pdfText(pdf.bytes);
}

/** A coordinator sending `forged` headers makes a party's invitation link and survey link. */
async function linksMadeWith(server: TestServer, forged: Forged) {
	const meeting = await jointMeeting(server);
	const coordinator = meeting.coordinatorHttp.forging(forged);
	const victimId = meeting.parties.victim.id;
	const casePath = `/staff/${meeting.slug}/cases/${meeting.caseId}`;
	const { issued } = successData<{ issued: { url: string } }>(
		await coordinator.action(`${casePath}?/issueInvitation`, {
			meetingId: meeting.meetingId,
			partyId: victimId
		})
	);
	const [survey] = await server.deps.db
		.insert(followUps)
		.values({ caseId: meeting.caseId, partyId: victimId, kind: 'survey', dueOn: '2030-01-01' })
		.returning();
	const { surveyLink } = successData<{ surveyLink: { url: string } }>(
		await coordinator.action(`${casePath}/follow-up?/surveyLink`, { followUpId: survey!.id })
	);
	const sent = await server.deps.db
		.select()
		.from(notifications)
		.where(eq(notifications.partyId, victimId));
	const invitation = sent.find((n) => n.body.includes(issued.url));
	return { invitation: issued.url, survey: surveyLink.url, sent, invitationMessage: invitation };
}

describe('with PUBLIC_URL unset, a request that names another Host', () => {
	let server: TestServer;
	beforeAll(async () => {
		server = await startTestServer();
	});
	afterAll(() => server?.close());

	it("does not change the verification address printed in everyone's signed PDF", async () => {
		const text = await executeSignedLastBy(server, {
			headers: { host: FORGED },
			origin: `http://${FORGED}`
		});
		expect(text).toContain(`upload it at ${server.deps.publicUrl.href}/verify`);
		expect(text).not.toContain(FORGED);
	});

	it('does not change the invitation link, its e-mail and calendar file, or a survey link', async () => {
		const links = await linksMadeWith(server, {
			headers: { host: FORGED },
			origin: `http://${FORGED}`
		});
		const base = server.deps.publicUrl.href;
		expect(base).toMatch(/^http:\/\/localhost:\d+$/);
		expect(links.invitation).toMatch(new RegExp(`^${base}/join/[A-Za-z0-9_-]{43}$`));
		expect(links.survey).toMatch(new RegExp(`^${base}/survey/[A-Za-z0-9_-]{43}$`));
		expect(links.invitationMessage?.ics).toContain(links.invitation);
		for (const message of links.sent) {
			expect(message.body).not.toContain(FORGED);
			expect(message.ics ?? '').not.toContain(FORGED);
		}
		expect(links.sent.some((n) => n.body.includes(links.survey))).toBe(true);
	});
});

describe('behind a proxy Mend trusts, a request that names another X-Forwarded-Host', () => {
	let server: TestServer;
	const forged: Forged = {
		headers: { 'x-forwarded-host': FORGED, 'x-forwarded-proto': 'https' },
		origin: `https://${FORGED}`
	};
	beforeAll(async () => {
		server = await startTestServer({ TRUST_PROXY: 'true' });
	});
	afterAll(() => server?.close());

	it("does not change the verification address printed in everyone's signed PDF", async () => {
		const text = await executeSignedLastBy(server, forged);
		expect(text).toContain(`upload it at ${server.deps.publicUrl.href}/verify`);
		expect(text).not.toContain(FORGED);
	});

	it('does not change the invitation link or a survey link', async () => {
		const links = await linksMadeWith(server, forged);
		const base = server.deps.publicUrl.href;
		expect(links.invitation.startsWith(`${base}/join/`)).toBe(true);
		expect(links.survey.startsWith(`${base}/survey/`)).toBe(true);
		for (const message of links.sent) expect(message.body).not.toContain(FORGED);
	});
});
