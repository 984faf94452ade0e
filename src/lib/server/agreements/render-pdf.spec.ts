import { PDFDocument, PDFName, PDFRawStream } from 'pdf-lib';
import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import { sampleContent } from '#lib/agreement/fixtures.ts';
import type { Obligation } from '#lib/agreement/model.ts';
import { PNG_SIGNATURE, signaturePng } from './drawing-fixtures.ts';
import type { AgreementPdfInput } from './pdf-input.ts';
import { renderAgreementPdf } from './render-pdf.ts';

const HASH = '3f7a9c0e5b1d2468ace0f13579bdf02468ace13579bdf02468ace13579bdf024';

function agreementInput(overrides: Partial<AgreementPdfInput> = {}): AgreementPdfInput {
	return {
		program: {
			name: 'Riverside Restorative Justice Program',
			timeZone: 'America/Chicago',
			currency: 'USD'
		},
		caseReference: '2026-0001',
		version: 2,
		amends: 'a'.repeat(64),
		parties: [
			{ id: 'victim', name: 'Maria López', role: 'victim' },
			{ id: 'offender', name: 'Nguyễn Văn An', role: 'offender' },
			{ id: 'guardian', name: 'Łukasz Zoë Nowak', role: 'guardian' }
		],
		content: sampleContent(),
		canonicalFormat: 'mend-agreement/1',
		agreementHash: HASH,
		sessionLogHash: 'b'.repeat(64),
		frozenAt: new Date('2027-01-10T20:30:00Z'),
		frozenBy: 'Ana Núñez',
		executedAt: new Date('2027-01-10T21:05:00Z'),
		signatures: [
			{
				name: 'Maria López',
				role: 'victim',
				typedName: 'Maria López',
				drawing: { kind: 'png', png: signaturePng() },
				signedAt: new Date('2027-01-10T20:41:00Z'),
				identifiedBy: 'Personal invitation link and access code',
				signedHash: HASH
			},
			{
				name: 'Nguyễn Văn An',
				role: 'offender',
				typedName: 'Nguyễn Văn An',
				drawing: { kind: 'none' },
				signedAt: new Date('2027-01-10T20:44:00Z'),
				identifiedBy: 'Personal invitation link and access code',
				signedHash: HASH
			},
			{
				name: 'Ana Núñez',
				role: 'mediator',
				typedName: 'Ana Núñez',
				drawing: { kind: 'png', png: signaturePng(120, 30) },
				signedAt: new Date('2027-01-10T21:05:00Z'),
				identifiedBy: 'Staff account with two-factor sign-in',
				signedHash: HASH
			}
		],
		verifyUrl: 'https://mend.example.org/verify',
		...overrides
	};
}

function longAgreement(): AgreementPdfInput {
	const base = sampleContent();
	const filler =
		'The offender will attend every session arranged by the program and report on progress. ';
	const obligations: Obligation[] = Array.from({ length: 30 }, (_, i) => ({
		...base.obligations[i % 2],
		id: `o${i}`,
		description: filler.repeat(4) + `Obligation marker ${i + 1}.`
	}));
	return agreementInput({
		content: {
			...base,
			harm: filler.repeat(40) + 'End of the harm statement.',
			obligations,
			freeText: filler.repeat(20) + 'Last words of the other terms.'
		}
	});
}

/**
 * The text a reader (or a search in a viewer) gets out of each page, white space collapsed so
 * that where a line happens to wrap does not matter.
 */
async function pageTexts(bytes: Uint8Array): Promise<string[]> {
	// pdf.js takes ownership of the buffer it is given.
	const pdf = await getDocumentProxy(bytes.slice());
	const { text } = await extractText(pdf, { mergePages: false });
	await pdf.cleanup();
	return text.map((page) => page.replace(/\s+/g, ' ').trim());
}

const imageCount = (doc: PDFDocument) =>
	doc.context
		.enumerateIndirectObjects()
		.filter(
			([, object]) =>
				object instanceof PDFRawStream &&
				object.dict.get(PDFName.of('Subtype')) === PDFName.of('Image')
		).length;

describe('renderAgreementPdf', () => {
	it('renders a PDF that pdf-lib loads back, with the agreement first and the certificate last', async () => {
		const bytes = await renderAgreementPdf(agreementInput());
		expect(new TextDecoder().decode(bytes.slice(0, 5))).toBe('%PDF-');

		const doc = await PDFDocument.load(bytes);
		expect(doc.getPageCount()).toBeGreaterThanOrEqual(2);
		expect(doc.getPage(0).getSize()).toEqual({ width: 612, height: 792 });

		const texts = await pageTexts(bytes);
		expect(texts[0]).toContain('Restitution agreement');
		expect(texts[0]).not.toContain('Audit certificate');
		expect(texts.at(-1)).toContain('Audit certificate');
	});

	it('shows the agreement text, the parties and the obligations in words', async () => {
		const text = (await pageTexts(await renderAgreementPdf(agreementInput()))).join('\n');
		for (const expected of [
			'Riverside Restorative Justice Program',
			'2026-0001',
			'Amends the agreement with SHA-256 ' + 'a'.repeat(64),
			'Maria López — victim',
			'Nguyễn Văn An — offender',
			'Łukasz Zoë Nowak — guardian',
			'The harm acknowledged',
			'Jordan broke into the garden shed and took the bicycle and the tools.',
			'By letter',
			'A letter, passed on by the program.',
			'1. Payment',
			'$300.00',
			'3 installments, monthly, from January 15, 2027',
			'February 15, 2027',
			'$100.00',
			'Receipts kept by the program.',
			'2. Service hours',
			'20 hours',
			'The community',
			'April 30, 2027',
			'Other terms',
			'Both agree to meet again if either asks.'
		]) {
			expect(text).toContain(expected);
		}
		// `responsible` is a party id: the PDF shows whose obligation it is by name.
		expect(text).toContain('Carried out by Nguyễn Văn An');
	});

	it('shows each signature with its typed name and the time in the program’s time zone', async () => {
		const text = (await pageTexts(await renderAgreementPdf(agreementInput()))).join('\n');
		expect(text).toContain('Typed name: Maria López');
		expect(text).toContain('Typed name: Nguyễn Văn An');
		expect(text).toContain('Signed January 10, 2027 at 2:41 PM CST (America/Chicago)');
		expect(text).toContain('No drawn signature');
	});

	it('embeds the drawn signatures as images', async () => {
		const withDrawings = await PDFDocument.load(await renderAgreementPdf(agreementInput()));
		const withoutDrawings = await PDFDocument.load(
			await renderAgreementPdf(
				agreementInput({
					signatures: agreementInput().signatures.map((s) => ({
						...s,
						drawing: { kind: 'none' as const }
					}))
				})
			)
		);
		expect(imageCount(withoutDrawings)).toBe(0);
		expect(imageCount(withDrawings)).toBeGreaterThanOrEqual(2);
	});

	it('is still made when a drawing cannot be reproduced, and says so in its place', async () => {
		const junk = new Uint8Array([...PNG_SIGNATURE, ...Buffer.from('not a picture at all')]);
		const signatures = agreementInput().signatures.map((s, i) => ({
			...s,
			drawing:
				i === 0
					? { kind: 'png' as const, png: junk }
					: i === 1
						? { kind: 'unreadable' as const }
						: s.drawing
		}));
		const bytes = await renderAgreementPdf(agreementInput({ signatures }));
		const text = (await pageTexts(bytes)).join('\n');
		expect(text.match(/Drawing could not be reproduced/g)).toHaveLength(2);
		// The typed names and the evidence are all there.
		for (const name of ['Maria López', 'Nguyễn Văn An', 'Ana Núñez'])
			expect(text).toContain(`Typed name: ${name}`);
		expect(text.match(/✓ matches the agreement hash/g)).toHaveLength(3);
		expect(imageCount(await PDFDocument.load(bytes))).toBeGreaterThanOrEqual(1);
	});

	it('certifies the hashes, the times and how each signer was identified', async () => {
		const certificate = (await pageTexts(await renderAgreementPdf(agreementInput()))).at(-1)!;
		const compact = certificate.replace(/\s+/g, '');
		expect(compact).toContain(HASH);
		expect(compact).toContain('b'.repeat(64));
		expect(certificate).toContain('mend-agreement/1');
		expect(certificate).toContain('by Ana Núñez');
		expect(certificate).toContain('2027-01-10T21:05:00.000Z');
		expect(certificate).toContain('Personal invitation link and access code');
		for (const name of ['Maria López', 'Nguyễn Văn An', 'Ana Núñez']) {
			expect(certificate).toContain(name);
		}
		expect(certificate.match(/✓ matches the agreement hash/g)).toHaveLength(3);
		expect(certificate).not.toContain('DOES NOT MATCH');
		expect(certificate).toContain(
			"Contact details and network addresses are not shown in this document; the program's audit log keeps them."
		);
		expect(certificate).toContain('upload it at https://mend.example.org/verify.');
	});

	it('marks a signer whose hash differs from the agreement hash as not matching', async () => {
		const input = agreementInput();
		input.signatures[1].signedHash = 'c'.repeat(64);
		const certificate = (await pageTexts(await renderAgreementPdf(input))).at(-1)!;
		expect(certificate.match(/DOES NOT MATCH/g)).toHaveLength(1);
		expect(certificate.match(/✓ matches the agreement hash/g)).toHaveLength(2);
	});

	it('says when the agreement was drafted outside a live session', async () => {
		const certificate = (
			await pageTexts(await renderAgreementPdf(agreementInput({ sessionLogHash: null })))
		).at(-1)!;
		expect(certificate).toContain('none — drafted outside a live session');
	});

	it('shows amounts exactly as the screens do: hundredths of the currency, as Mend stores them', async () => {
		const content = sampleContent();
		const payment = content.obligations[0];
		if (payment.kind !== 'payment') throw new Error('the sample starts with a payment');
		payment.currency = 'JPY';
		// ¥30,000 typed on screen is stored as 3,000,000 (#lib/money.ts, for every currency).
		payment.amountMinor = 3_000_000;
		payment.schedule = { kind: 'lump_sum', dueDate: '2027-02-01' };
		const input = agreementInput({
			program: { name: 'Kyoto Program', timeZone: 'Asia/Tokyo', currency: 'JPY' },
			content
		});
		const text = (await pageTexts(await renderAgreementPdf(input))).join('\n');
		expect(text).toContain('¥30,000');
		expect(text).toContain('In one payment, due February 1, 2027');
	});

	it('flows a long agreement over more pages without losing text, with a footer on each', async () => {
		const short = await PDFDocument.load(await renderAgreementPdf(agreementInput()));
		const bytes = await renderAgreementPdf(longAgreement());
		const texts = await pageTexts(bytes);
		expect(texts.length).toBeGreaterThan(short.getPageCount() + 3);

		const all = texts.join('\n');
		expect(all).toContain('End of the harm statement.');
		// A page that text runs onto says what it continues.
		expect(texts[1]).toMatch(/^The harm acknowledged \(continued\)/);
		expect(all).toContain('Obligation marker 30.');
		expect(all).toContain('30. Service hours');
		expect(all).toContain('Last words of the other terms.');
		expect(texts.at(-1)).toContain('Audit certificate');
		texts.forEach((text, i) => {
			expect(text).toContain(
				`Riverside Restorative Justice Program · case 2026-0001 · version 2 · page ${i + 1} of ${texts.length}`
			);
		});
	});

	it('renders the same bytes for the same input, dated at execution', async () => {
		const first = await renderAgreementPdf(agreementInput());
		const second = await renderAgreementPdf(agreementInput());
		expect(Buffer.from(first).equals(Buffer.from(second))).toBe(true);

		const doc = await PDFDocument.load(first, { updateMetadata: false });
		expect(doc.getProducer()).toBe('Mend');
		expect(doc.getCreator()).toBe('Mend');
		expect(doc.getTitle()).toContain('Restitution agreement');
		expect(doc.getCreationDate()).toEqual(new Date('2027-01-10T21:05:00Z'));
		expect(doc.getModificationDate()).toEqual(new Date('2027-01-10T21:05:00Z'));
	});

	it('keeps the file small by embedding only the glyphs it uses', async () => {
		const bytes = await renderAgreementPdf(agreementInput());
		expect(bytes.byteLength).toBeLessThan(150_000);
	});
});
