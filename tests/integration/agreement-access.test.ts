import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { parts } from '#lib/agreement/ydoc.ts';
import { agreementAcceptances } from '#lib/server/db/schema.ts';
import {
	acceptClause,
	acceptEverything,
	agreementAction,
	draftedAgreement,
	freeze,
	partyActor,
	readAgreement,
	requestJson,
	SAMPLE,
	sign,
	staffActor,
	stateOf,
	type Actor
} from '../helpers/agreement.ts';
import { jointMeeting } from '../helpers/meeting.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * Who may do what to an agreement, decided on the server whatever a page sends: staff manage
 * it, victims and offenders accept its clauses, those who must sign sign; anyone else, and
 * anything malformed, is refused and changes nothing. (The workflow itself, from draft to
 * signed PDF, is in agreement-workflow.test.ts.)
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

describe('who may act on an agreement', () => {
	it('lets staff manage and parties accept and sign, nobody else', async () => {
		const d = await drafted({ support: true });
		const { agreementId } = d;
		const support = partyActor(d.meeting, 'support');
		for (const actor of [d.victim, d.offender, d.guardian, support]) {
			expect((await agreementAction(actor, agreementId, 'freeze', {})).status).toBe(403);
			expect(
				(await agreementAction(actor, agreementId, 'read-only', { readOnly: true })).status
			).toBe(403);
		}
		// Only a victim or an offender accepts clauses.
		for (const actor of [d.guardian, support, d.mediator])
			expect((await acceptClause(actor, agreementId, 'harm')).status).toBe(403);
		await acceptEverything([d.victim, d.offender], agreementId);
		const hash = await freeze(d);
		// A support person does not sign.
		expect((await sign(support, agreementId, hash, 'Sam Support')).status).toBe(403);
		expect((await stateOf(support, agreementId)).you).toMatchObject({
			signsAs: null,
			mustSign: false,
			manages: false
		});
		// Another case's people see nothing: as if it did not exist.
		const stranger = await jointMeeting(server);
		for (const actor of [partyActor(stranger, 'victim'), staffActor(stranger.mediatorHttp)]) {
			expect((await requestJson(actor, `/api/agreements/${agreementId}`)).status).toBe(404);
			expect((await agreementAction(actor, agreementId, 'reopen', { reason: 'x' })).status).toBe(
				404
			);
			expect((await sign(actor, agreementId, hash, 'Some One')).status).toBe(404);
		}
		expect((await stateOf(d.mediator, agreementId)).signatures).toEqual([]);
	});

	it('answers bad requests with a clear 400 and changes nothing', async () => {
		const d = await drafted();
		const { agreementId } = d;
		const before = await readAgreement(d.mediator, agreementId);
		const post = (actor: Actor, action: string, init: Parameters<typeof requestJson>[2]) =>
			requestJson(actor, `/api/agreements/${agreementId}/${action}`, init);
		const bad = [
			post(d.victim, 'accept', { body: { clause: 'harm', fingerprint: 'nope', accept: true } }),
			post(d.victim, 'accept', { body: { clause: 'harm', accept: true } }),
			post(d.victim, 'accept', {
				body: { clause: 'obligation:nope', fingerprint: '0123456789abcdef', accept: true }
			}),
			post(d.victim, 'accept', { body: { clause: 'harm', fingerprint: '0123456789abcdef' } }),
			post(d.victim, 'accept', { raw: '{"clause":' }),
			post(d.victim, 'accept', {
				raw: JSON.stringify({ clause: 'harm', fingerprint: '0123456789abcdef', accept: true }),
				headers: { 'content-type': 'text/plain' }
			}),
			post(d.mediator, 'read-only', { body: { readOnly: 'yes' } }),
			post(d.mediator, 'reopen', { body: { reason: '   ' } }),
			post(d.victim, 'sign', { body: { hash: 'x', typedName: 'Vera Victim', agree: true } }),
			post(d.victim, 'sign', { body: { hash: 'a'.repeat(64), typedName: 'V', agree: true } }),
			post(d.victim, 'sign', {
				body: { hash: 'a'.repeat(64), typedName: 'Vera Victim', agree: false }
			}),
			post(d.victim, 'sign', {
				body: {
					hash: 'a'.repeat(64),
					typedName: 'Vera Victim',
					agree: true,
					drawing: 'data:image/png;base64,AAAA'
				}
			}),
			post(d.mediator, 'freeze', { raw: 'not json' })
		];
		for (const answer of await Promise.all(bad)) {
			expect(answer.status, JSON.stringify(answer.body)).toBe(400);
			expect(answer.body.error).toMatchObject({ code: 'invalid_input' });
			expect(answer.body.error!.message.length).toBeGreaterThan(0);
		}
		// A field-level message where a field was wrong.
		const unnamed = await post(d.victim, 'sign', {
			body: { hash: 'a'.repeat(64), typedName: 'V', agree: true }
		});
		expect(Object.keys(unnamed.body.error!.fields)).toContain('typedName');
		// Another site's page gets nowhere, even with the cookie.
		const forged = await post(d.victim, 'accept', {
			body: { clause: 'harm', fingerprint: '0123456789abcdef', accept: true },
			headers: { origin: 'https://evil.example' }
		});
		expect(forged.status).toBe(403);
		// An incomplete draft cannot be frozen: the message names what is missing.
		d.draft.doc.transact(() => parts(d.draft.doc).harm.delete(0, SAMPLE.harm.length));
		await vi.waitFor(async () =>
			expect((await readAgreement(d.mediator, agreementId)).content.harm).toBe('')
		);
		const incomplete = await agreementAction(d.mediator, agreementId, 'freeze', {});
		expect(incomplete.status).toBe(400);
		expect(Object.keys(incomplete.body.error!.fields)).toContain('harm');

		const after = await readAgreement(d.mediator, agreementId);
		expect(after.state).toEqual(before.state);
		expect(
			await server.deps.db
				.select()
				.from(agreementAcceptances)
				.where(eq(agreementAcceptances.agreementId, agreementId))
		).toEqual([]);
	});
});
