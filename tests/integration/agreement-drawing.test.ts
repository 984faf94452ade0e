import { eq } from 'drizzle-orm';
import { deflateSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as m from '#lib/paraglide/messages.js';
import {
	dataUrlOf,
	pngChunk,
	pngHeader,
	pngOf,
	PNG_SIGNATURE,
	signaturePng
} from '#lib/server/agreements/drawing-fixtures.ts';
import { agreementSignatures } from '#lib/server/db/schema.ts';
import {
	acceptEverything,
	agreementAction,
	downloadPdf,
	draftedAgreement,
	freeze,
	pdfText,
	sign,
	stateOf,
	verifyPdf,
	type Actor
} from '../helpers/agreement.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * A drawn signature is one signer's input that ends up in everyone's PDF. The review sent a
 * "drawing" of PNG magic bytes and junk: it was accepted, and the last signer then got a 500 on
 * every try — executing renders the PDF — so the agreement stayed frozen for good. A drawing is
 * now checked in full at signing, and execution never depends on one stored.
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

const signWithDrawing = (actor: Actor, agreementId: string, hash: string, drawing: Uint8Array) =>
	agreementAction<{ executed: boolean }>(actor, agreementId, 'sign', {
		hash,
		typedName: 'Vera Victim',
		agree: true,
		drawing: dataUrlOf(drawing)
	});

const storedSignatures = (agreementId: string) =>
	server.deps.db
		.select()
		.from(agreementSignatures)
		.where(eq(agreementSignatures.agreementId, agreementId));

describe('a drawn signature', () => {
	it('is refused at signing, with a field message and nothing stored, unless the PDF can show it', async () => {
		const d = await draftedAgreement(server, cleanups);
		await acceptEverything([d.victim, d.offender], d.agreementId);
		const hash = await freeze(d);
		const fakes = {
			'the PNG signature and junk': new Uint8Array([
				...PNG_SIGNATURE,
				...Buffer.from('junk'.repeat(40))
			]),
			'a header claiming 10 billion pixels': pngOf(
				pngHeader(100_000, 100_000),
				pngChunk('IDAT', deflateSync(Buffer.alloc(64)))
			),
			'a few kilobytes inflating to 16 MB': pngOf(
				pngHeader(10, 10),
				pngChunk('IDAT', deflateSync(Buffer.alloc(16 << 20)))
			),
			'a JPEG named a PNG': new Uint8Array([0xff, 0xd8, 0xff, 0xe0, ...Buffer.alloc(80)]),
			'a truncated drawing': signaturePng(600, 180).subarray(0, 300)
		};
		for (const [what, fake] of Object.entries(fakes)) {
			const answer = await signWithDrawing(d.victim, d.agreementId, hash, fake);
			expect(answer.status, `${what}: ${JSON.stringify(answer.body)}`).toBe(400);
			expect(answer.body.error).toMatchObject({
				code: 'invalid_input',
				fields: { drawing: m.error_drawing() }
			});
		}
		expect(await storedSignatures(d.agreementId)).toEqual([]);
		expect((await stateOf(d.victim, d.agreementId)).signatures).toEqual([]);

		// The pad's own drawing is accepted and kept exactly as sent.
		const drawn = signaturePng(600, 180);
		const signed = await signWithDrawing(d.victim, d.agreementId, hash, drawn);
		expect(signed).toMatchObject({ status: 200, body: { executed: false } });
		const [stored] = await storedSignatures(d.agreementId);
		expect(new Uint8Array(stored!.drawing!)).toEqual(drawn);
	});

	it("that cannot be reproduced (stored before this check) does not block the agreement's execution", async () => {
		const d = await draftedAgreement(server, cleanups);
		await acceptEverything([d.victim, d.offender], d.agreementId);
		const hash = await freeze(d);
		expect((await sign(d.victim, d.agreementId, hash, 'Vera Victim')).status).toBe(200);
		// What the review's request left in the database.
		const junk = Buffer.from([...PNG_SIGNATURE, ...Buffer.from('junk'.repeat(40))]);
		await server.deps.db
			.update(agreementSignatures)
			.set({ drawing: junk })
			.where(eq(agreementSignatures.agreementId, d.agreementId));

		for (const [actor, name] of [
			[d.offender, 'Otto Offender'],
			[d.guardian, 'Gail Guardian']
		] as const)
			expect((await sign(actor, d.agreementId, hash, name)).body).toEqual({ executed: false });
		const last = await sign(d.mediator, d.agreementId, hash, 'Dana Mediator');
		expect(last, JSON.stringify(last.body)).toMatchObject({
			status: 200,
			body: { executed: true }
		});
		expect((await stateOf(d.offender, d.agreementId)).status).toBe('executed');

		// The PDF says so in the victim's signature block; the names and evidence are intact.
		const pdf = await downloadPdf(d.victim, d.agreementId);
		expect(pdf.status).toBe(200);
		const text = await pdfText(pdf.bytes);
		expect(text).toMatch(
			/Vera Victim Typed name: Vera Victim Signed .*? Drawing could not be reproduced/
		);
		for (const name of ['Vera Victim', 'Otto Offender', 'Gail Guardian', 'Dana Mediator'])
			expect(text).toContain(`Typed name: ${name}`);
		expect(text.match(/✓ matches the agreement hash/g)).toHaveLength(4);
		expect(await verifyPdf(server, { file: pdf.bytes })).toMatchObject({
			genuine: true,
			status: 'executed'
		});
	});
});
