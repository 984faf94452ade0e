import { PDFDocument, type PDFImage } from 'pdf-lib';
import type { Obligation, Schedule } from '#lib/agreement/model.ts';
import { formatMoney as moneyIn } from '#lib/money.ts';
import type { AgreementPdfInput, SignatureDrawing } from './pdf-input.ts';
import {
	PAGE_SIZE,
	MARGIN,
	CONTENT_WIDTH,
	FOOTER_BASELINE,
	LABEL_WIDTH,
	SIGNATURE_BOX,
	MUTED,
	GOOD,
	BAD,
	BODY,
	LABEL,
	STRONG,
	TITLE,
	SUBTITLE,
	RECORD,
	FOOTER,
	embedFonts,
	wrapText,
	fitToWidth,
	PageFlow,
	type Fonts,
	type TextStyle
} from './pdf-layout.ts';

/**
 * The PDF of an executed restitution agreement: the agreement as the parties signed it, then an
 * audit certificate on the last page. The same input always renders the same bytes (dates come
 * from the input, pdf-lib's name suffixes come from a fixed-seed generator), so a re-rendered
 * copy can be compared with the one handed out.
 */
export async function renderAgreementPdf(input: AgreementPdfInput): Promise<Uint8Array> {
	// updateMetadata: false, or pdf-lib stamps "now" and its own producer into the info dict.
	const doc = await PDFDocument.create({ updateMetadata: false });
	setMetadata(doc, input);
	const fonts = await embedFonts(doc);
	const flow = new PageFlow(doc, fonts);

	drawTitle(flow, input);
	drawParties(flow, input);
	drawHarm(flow, input);
	drawApology(flow, input);
	drawObligations(flow, input);
	drawOtherTerms(flow, input);
	await drawSignatures(flow, doc, input);
	drawCertificate(flow, input);
	drawFooters(doc, fonts, input);

	return doc.save();
}

// ---------------------------------------------------------------------------------------------
// Words for values

const ROLE_WORDS = {
	victim: 'Victim',
	offender: 'Offender',
	guardian: 'Guardian',
	mediator: 'Mediator'
} as const;

const DELIVERY_WORDS = {
	in_meeting: 'Given in person during the meeting',
	letter: 'By letter',
	none: 'No apology is part of this agreement'
} as const;

const KIND_WORDS = {
	payment: 'Payment',
	service: 'Service hours',
	behaviour: 'Behavior',
	other: 'Other commitment'
} as const;

const FREQUENCY_WORDS = { weekly: 'weekly', fortnightly: 'every two weeks', monthly: 'monthly' };

const DATE_FORMAT = new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeZone: 'UTC' });

/** `YYYY-MM-DD` is a calendar date, not an instant: formatted in UTC so it never shifts a day. */
function formatCalendarDate(date: string): string {
	const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
	if (!match) return date;
	return DATE_FORMAT.format(new Date(Date.UTC(+match[1], +match[2] - 1, +match[3])));
}

/** E.g. "January 20, 2027 at 3:04 PM CST (America/Chicago)". */
function formatInstant(instant: Date, timeZone: string): string {
	const local = new Intl.DateTimeFormat('en-US', {
		dateStyle: 'long',
		timeStyle: 'short',
		timeZone
	}).format(instant);
	const zone = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'short' })
		.formatToParts(instant)
		.find((part) => part.type === 'timeZoneName')?.value;
	if (!zone || zone === timeZone) return `${local} ${timeZone}`;
	return `${local} ${zone} (${timeZone})`;
}

/** Amounts in minor units, as everywhere in Mend (`#lib/money.ts`): what was agreed on screen. */
const formatMoney = (amountMinor: number, currency: string): string =>
	moneyIn(amountMinor, currency, 'en-US');

const plural = (count: number, one: string, many: string) =>
	`${new Intl.NumberFormat('en-US').format(count)} ${count === 1 ? one : many}`;

function partyName(input: AgreementPdfInput, id: string): string {
	return input.parties.find((p) => p.id === id)?.name ?? id;
}

// ---------------------------------------------------------------------------------------------
// The agreement

function setMetadata(doc: PDFDocument, input: AgreementPdfInput) {
	doc.setTitle(
		`Restitution agreement — ${input.program.name} — case ${input.caseReference}, version ${input.version}`,
		{ showInWindowTitleBar: true }
	);
	doc.setSubject(`Signed restitution agreement, SHA-256 ${input.agreementHash}`);
	doc.setAuthor(input.program.name);
	doc.setProducer('Mend');
	doc.setCreator('Mend');
	doc.setLanguage('en-US');
	doc.setCreationDate(input.executedAt);
	doc.setModificationDate(input.executedAt);
}

function drawTitle(flow: PageFlow, input: AgreementPdfInput) {
	flow.newPart(null);
	flow.line('Restitution agreement', TITLE);
	flow.paragraph(input.program.name, SUBTITLE);
	flow.gap(8);
	flow.field('Case', input.caseReference);
	flow.field('Version', String(input.version));
	if (input.amends) {
		flow.field('Amends', 'the agreement with SHA-256');
		flow.field('', input.amends, { mono: true });
	}
}

function drawParties(flow: PageFlow, input: AgreementPdfInput) {
	flow.section('Parties');
	for (const party of input.parties) {
		flow.paragraph(`${party.name} — ${party.role}`, BODY);
	}
}

function drawHarm(flow: PageFlow, input: AgreementPdfInput) {
	flow.section('The harm acknowledged');
	flow.paragraph(input.content.harm, BODY);
}

function drawApology(flow: PageFlow, input: AgreementPdfInput) {
	const { delivery, note } = input.content.apology;
	flow.section('Apology');
	flow.field('Delivery', DELIVERY_WORDS[delivery]);
	if (note.trim()) flow.field('Note', note);
}

function drawObligations(flow: PageFlow, input: AgreementPdfInput) {
	flow.section('Obligations');
	const { obligations } = input.content;
	if (obligations.length === 0) flow.paragraph('This agreement sets no obligations.', BODY);
	obligations.forEach((obligation, i) => {
		if (i > 0) flow.gap(10);
		flow.continuing = 'Obligations';
		flow.keep(STRONG.leading + 3 * BODY.leading);
		const title = `${i + 1}. ${KIND_WORDS[obligation.kind]}`;
		flow.line(title, STRONG);
		flow.continuing = `Obligations — ${title}`;
		drawObligation(flow, input, obligation);
	});
}

const OBLIGATION_INDENT = 18;

function drawObligation(flow: PageFlow, input: AgreementPdfInput, obligation: Obligation) {
	const field = (label: string, value: string) =>
		flow.field(label, value, { indent: OBLIGATION_INDENT });
	field('Carried out by', partyName(input, obligation.responsible));
	if (obligation.description.trim()) field('What', obligation.description);
	switch (obligation.kind) {
		case 'payment': {
			const currency = obligation.currency || input.program.currency;
			field('Amount', formatMoney(obligation.amountMinor, currency));
			drawSchedule(flow, obligation.schedule, currency);
			break;
		}
		case 'service':
			field('Hours', plural(obligation.hours, 'hour', 'hours'));
			field('For', beneficiaryWords(input, obligation.beneficiary));
			field('By', formatCalendarDate(obligation.byDate));
			break;
		case 'behaviour':
		case 'other':
			if (obligation.byDate) field('By', formatCalendarDate(obligation.byDate));
			break;
	}
	if (obligation.verification.trim()) field('How it is verified', obligation.verification);
}

function beneficiaryWords(input: AgreementPdfInput, beneficiary: 'victim' | 'community') {
	if (beneficiary === 'community') return 'The community';
	const victims = input.parties.filter((p) => p.role === 'victim');
	return victims.length === 1 ? `The victim, ${victims[0].name}` : 'The victim';
}

function drawSchedule(flow: PageFlow, schedule: Schedule, currency: string) {
	const indent = { indent: OBLIGATION_INDENT };
	if (schedule.kind === 'lump_sum') {
		flow.field('Schedule', `In one payment, due ${formatCalendarDate(schedule.dueDate)}`, indent);
		return;
	}
	const count = plural(schedule.instalments.length, 'installment', 'installments');
	flow.field(
		'Schedule',
		`${count}, ${FREQUENCY_WORDS[schedule.frequency]}, from ${formatCalendarDate(schedule.startDate)}`,
		indent
	);
	flow.gap(2);
	flow.table(
		[
			{ header: '#', width: 30 },
			{ header: 'Due', width: 150 },
			{ header: 'Amount', width: 110, align: 'right' }
		],
		schedule.instalments.map((instalment, i) => [
			String(i + 1),
			formatCalendarDate(instalment.dueDate),
			formatMoney(instalment.amountMinor, currency)
		]),
		MARGIN.side + OBLIGATION_INDENT + LABEL_WIDTH
	);
}

function drawOtherTerms(flow: PageFlow, input: AgreementPdfInput) {
	if (!input.content.freeText.trim()) return;
	flow.section('Other terms');
	flow.paragraph(input.content.freeText, BODY);
}

// ---------------------------------------------------------------------------------------------
// Signatures: the words on the left, the drawn signature on the right, kept on one page.

async function drawSignatures(flow: PageFlow, doc: PDFDocument, input: AgreementPdfInput) {
	flow.section('Signatures', SIGNATURE_BOX.height + 2 * LABEL.leading);
	if (input.signatures.length === 0) flow.paragraph('No signatures.', BODY);
	for (const signature of input.signatures) {
		const drawing = await embedDrawing(doc, signature.drawing);
		drawSignatureBlock(flow, input, signature, drawing);
	}
}

/**
 * The drawing as an image in the PDF, or why there is none. One the decoder refuses is shown as
 * not reproduced, never an error: one signer's input must not stop the agreement's execution.
 */
async function embedDrawing(
	doc: PDFDocument,
	drawing: SignatureDrawing
): Promise<PDFImage | 'none' | 'unreadable'> {
	if (drawing.kind !== 'png') return drawing.kind;
	try {
		return await doc.embedPng(drawing.png);
	} catch {
		return 'unreadable';
	}
}

const DRAWING_WORDS = {
	drawn: 'Drawn signature',
	none: 'No drawn signature',
	unreadable: 'Drawing could not be reproduced'
} as const;

const SIGNATURE_GUTTER = 24;

function drawSignatureBlock(
	flow: PageFlow,
	input: AgreementPdfInput,
	signature: AgreementPdfInput['signatures'][number],
	drawing: PDFImage | 'none' | 'unreadable'
) {
	const textWidth = CONTENT_WIDTH - SIGNATURE_BOX.width - SIGNATURE_GUTTER;
	const wrap = (text: string, style: TextStyle) =>
		wrapText(text, flow.fonts[style.font], style.size, textWidth).map(
			(line) => [line, style] as const
		);
	const lines = [
		...wrap(ROLE_WORDS[signature.role], LABEL),
		...wrap(signature.name, STRONG),
		...wrap(`Typed name: ${signature.typedName}`, BODY),
		...wrap(`Signed ${formatInstant(signature.signedAt, input.program.timeZone)}`, BODY)
	];
	const textHeight = lines.reduce((sum, [, style]) => sum + style.leading, 0);
	const boxHeight = SIGNATURE_BOX.height + 4 + LABEL.leading;
	const height = Math.max(textHeight, boxHeight);

	flow.gap(8);
	flow.keep(height);
	const top = flow.y;
	for (const [line, style] of lines) flow.line(line, style);

	const boxX = MARGIN.side + CONTENT_WIDTH - SIGNATURE_BOX.width;
	const lineY = top - SIGNATURE_BOX.height;
	if (typeof drawing === 'object') {
		const size = drawing.scaleToFit(SIGNATURE_BOX.width, SIGNATURE_BOX.height);
		flow.page.drawImage(drawing, { x: boxX, y: lineY, width: size.width, height: size.height });
	}
	flow.page.drawLine({
		start: { x: boxX, y: lineY },
		end: { x: boxX + SIGNATURE_BOX.width, y: lineY },
		thickness: 0.6,
		color: MUTED
	});
	flow.y = lineY - 4;
	flow.line(DRAWING_WORDS[typeof drawing === 'object' ? 'drawn' : drawing], LABEL, boxX);
	flow.y = top - height;
	flow.gap(8);
}

// ---------------------------------------------------------------------------------------------
// The audit certificate: how the text was fixed and who signed which hash, on its own page(s).

const CERTIFICATE_TITLE = 'Audit certificate';

function drawCertificate(flow: PageFlow, input: AgreementPdfInput) {
	const { timeZone } = input.program;
	const record = { style: RECORD };
	const digest = { style: RECORD, mono: true };
	flow.newPart(CERTIFICATE_TITLE);
	flow.line(CERTIFICATE_TITLE, TITLE);
	flow.paragraph(
		`${input.program.name} · case ${input.caseReference} · version ${input.version}`,
		SUBTITLE
	);
	flow.gap(8);
	flow.field('Canonical format', input.canonicalFormat, digest);
	flow.field('Agreement SHA-256', input.agreementHash, digest);
	if (input.amends) flow.field('Amends SHA-256', input.amends, digest);
	if (input.sessionLogHash) flow.field('Session log hash', input.sessionLogHash, digest);
	else flow.field('Session log hash', 'none — drafted outside a live session', record);
	flow.field('Frozen', `${formatInstant(input.frozenAt, timeZone)} by ${input.frozenBy}`, record);
	flow.field('', input.frozenAt.toISOString(), digest);
	flow.field('Executed', formatInstant(input.executedAt, timeZone), record);
	flow.field('', input.executedAt.toISOString(), digest);

	flow.section('Signers', 6 * RECORD.leading);
	input.signatures.forEach((signature, i) => {
		if (i > 0) flow.gap(6);
		flow.keep(STRONG.leading + 5 * RECORD.leading);
		flow.paragraph(`${i + 1}. ${signature.name} — ${signature.role}`, {
			...STRONG,
			size: RECORD.size
		});
		drawSignerRecord(flow, input, signature);
	});

	flow.gap(14);
	flow.paragraph(
		"Contact details and network addresses are not shown in this document; the program's audit log keeps them.",
		RECORD
	);
	flow.gap(4);
	flow.paragraph(
		`To check that this file is genuine and unaltered, upload it at ${input.verifyUrl}. Any change to the file, even one byte, makes the check fail.`,
		RECORD
	);
}

function drawSignerRecord(
	flow: PageFlow,
	input: AgreementPdfInput,
	signature: AgreementPdfInput['signatures'][number]
) {
	const record = { style: RECORD, indent: OBLIGATION_INDENT };
	const digest = { ...record, mono: true };
	const { timeZone } = input.program;
	flow.field('Signed (UTC)', signature.signedAt.toISOString(), digest);
	flow.field('Signed (program)', formatInstant(signature.signedAt, timeZone), record);
	flow.field('Identified by', signature.identifiedBy, record);
	flow.field('Hash signed', signature.signedHash, digest);

	const matches = signature.signedHash.toLowerCase() === input.agreementHash.toLowerCase();
	const verdict = matches
		? { text: '✓ matches the agreement hash', style: { ...RECORD, color: GOOD } }
		: {
				text: '✗ DOES NOT MATCH the agreement hash',
				style: { ...RECORD, font: 'bold', color: BAD } as const
			};
	flow.keep(RECORD.leading);
	flow.line(verdict.text, verdict.style, MARGIN.side + OBLIGATION_INDENT + LABEL_WIDTH);
}

// ---------------------------------------------------------------------------------------------

/** Drawn last: "page i of N" needs N. */
function drawFooters(doc: PDFDocument, fonts: Fonts, input: AgreementPdfInput) {
	const pages = doc.getPages();
	const font = fonts[FOOTER.font];
	pages.forEach((page, i) => {
		const tail = ` · case ${input.caseReference} · version ${input.version} · page ${i + 1} of ${pages.length}`;
		const program = fitToWidth(
			input.program.name,
			font,
			FOOTER.size,
			CONTENT_WIDTH - font.widthOfTextAtSize(tail, FOOTER.size)
		);
		const text = fitToWidth(program + tail, font, FOOTER.size, CONTENT_WIDTH);
		const width = font.widthOfTextAtSize(text, FOOTER.size);
		page.drawText(text, {
			x: (PAGE_SIZE[0] - width) / 2,
			y: FOOTER_BASELINE,
			size: FOOTER.size,
			font,
			color: FOOTER.color
		});
	});
}
