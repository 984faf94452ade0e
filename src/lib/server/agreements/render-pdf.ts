import { formatMoney as moneyIn } from '#lib/money.ts';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import {
	PageSizes,
	PDFDocument,
	rgb,
	StandardFonts,
	type PDFFont,
	type PDFImage,
	type PDFPage,
	type RGB
} from 'pdf-lib';
import type { Obligation, Schedule } from '#lib/agreement/model.ts';
import type { AgreementPdfInput } from './pdf-input.ts';

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
// Page geometry and type. US Letter: programs are mostly in the US.

const PAGE_SIZE = PageSizes.Letter;
const MARGIN = { top: 64, bottom: 72, side: 64 };
const CONTENT_WIDTH = PAGE_SIZE[0] - 2 * MARGIN.side;
const FOOTER_BASELINE = 36;
const LABEL_WIDTH = 120;
const SIGNATURE_BOX = { width: 200, height: 60 };

const INK = rgb(0.1, 0.1, 0.12);
const MUTED = rgb(0.4, 0.4, 0.44);
const RULE = rgb(0.78, 0.78, 0.8);
const GOOD = rgb(0.08, 0.45, 0.2);
const BAD = rgb(0.75, 0.08, 0.08);

interface Fonts {
	regular: PDFFont;
	bold: PDFFont;
	/** Courier: only ever given hex digests and format ids, which are ASCII. */
	mono: PDFFont;
}

interface TextStyle {
	font: keyof Fonts;
	size: number;
	leading: number;
	color: RGB;
}

const BODY: TextStyle = { font: 'regular', size: 10.5, leading: 15, color: INK };
const LABEL: TextStyle = { font: 'regular', size: 9.5, leading: 15, color: MUTED };
/** At 9 pt a 64-digit hash fits on one line beside a label, even indented. */
const MONO: TextStyle = { font: 'mono', size: 9, leading: 13, color: INK };
const STRONG: TextStyle = { ...BODY, font: 'bold' };
const TITLE: TextStyle = { font: 'bold', size: 22, leading: 30, color: INK };
const SUBTITLE: TextStyle = { font: 'regular', size: 13, leading: 19, color: INK };
const SECTION: TextStyle = { font: 'bold', size: 13, leading: 18, color: INK };
/** The certificate is a record to consult, not to read through: set tighter, to fit one page. */
const RECORD: TextStyle = { ...BODY, size: 9.5, leading: 13 };
const FOOTER: TextStyle = { font: 'regular', size: 8.5, leading: 11, color: MUTED };

// ---------------------------------------------------------------------------------------------
// Fonts. Names such as "Nguyễn" or "Łukasz" are outside WinAnsi, which the standard PDF fonts
// cannot encode (pdf-lib throws), so text is set in DejaVu Sans, subset to the glyphs used.

const requireHere = createRequire(import.meta.url);
type Fontkit = Parameters<PDFDocument['registerFontkit']>[0];

/**
 * Resolved through Node's module resolution from this file's own location, so it finds the
 * package in node_modules whether this runs from src/ (tests, dev) or from the built server
 * bundle under build/ (both sit inside the project).
 */
const fontPath = (file: string) => requireHere.resolve(`dejavu-fonts-ttf/ttf/${file}`);

let fontFiles: Promise<{ regular: Uint8Array; bold: Uint8Array }> | undefined;

function loadFontFiles() {
	fontFiles ??= Promise.all([
		readFile(fontPath('DejaVuSans.ttf')),
		readFile(fontPath('DejaVuSans-Bold.ttf'))
	]).then(([regular, bold]) => ({ regular, bold }));
	// A failed read is not cached: the next render tries again.
	fontFiles.catch(() => (fontFiles = undefined));
	return fontFiles;
}

async function embedFonts(doc: PDFDocument): Promise<Fonts> {
	// The UMD build of fontkit has no named ESM exports under Node; require gives the object.
	doc.registerFontkit(requireHere('@pdf-lib/fontkit') as Fontkit);
	const files = await loadFontFiles();
	// Ligatures off: text copied or searched in a viewer reads "fi", not "ﬁ".
	const options = { subset: true, features: { liga: false } };
	return {
		regular: await doc.embedFont(files.regular, options),
		bold: await doc.embedFont(files.bold, options),
		mono: await doc.embedFont(StandardFonts.Courier)
	};
}

// ---------------------------------------------------------------------------------------------
// Text

/** Same normalisation as the canonical form, plus no control characters but line ends. */
function cleanText(text: string): string {
	return text
		.replace(/\r\n?/g, '\n')
		.replace(/\t/g, ' ')
		.replace(/(?!\n)\p{Cc}/gu, '')
		.normalize('NFC');
}

/** Greedy word wrap; a word wider than the line is broken between characters. */
function wrapText(text: string, font: PDFFont, size: number, maxWidth: number): string[] {
	const fits = (s: string) => font.widthOfTextAtSize(s, size) <= maxWidth;
	const lines: string[] = [];
	for (const paragraph of cleanText(text).split('\n')) {
		let line = '';
		for (const word of paragraph.split(' ').filter(Boolean)) {
			const candidate = line ? `${line} ${word}` : word;
			if (fits(candidate)) {
				line = candidate;
				continue;
			}
			if (line) lines.push(line);
			line = '';
			for (const char of Array.from(word)) {
				if (line && !fits(line + char)) {
					lines.push(line);
					line = '';
				}
				line += char;
			}
		}
		lines.push(line);
	}
	return lines;
}

/** A digest broken into equal pieces (halves if that is enough) rather than at a ragged edge. */
function breakDigest(value: string, font: PDFFont, size: number, maxWidth: number): string[] {
	const ascii = value.replace(/[^\x20-\x7e]/g, '?');
	for (let pieces = 1; pieces < ascii.length; pieces++) {
		const length = Math.ceil(ascii.length / pieces);
		if (font.widthOfTextAtSize(ascii.slice(0, length), size) <= maxWidth) {
			return Array.from({ length: pieces }, (_, i) =>
				ascii.slice(i * length, (i + 1) * length)
			).filter(Boolean);
		}
	}
	return Array.from(ascii);
}

function fitToWidth(text: string, font: PDFFont, size: number, maxWidth: number): string {
	if (font.widthOfTextAtSize(text, size) <= maxWidth) return text;
	const chars = Array.from(text);
	while (chars.length && font.widthOfTextAtSize(`${chars.join('')}…`, size) > maxWidth) {
		chars.pop();
	}
	return `${chars.join('').trimEnd()}…`;
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
// Layout: a cursor that flows down the page and starts a new one when the next piece won't fit.

interface FieldOptions {
	mono?: boolean;
	indent?: number;
	style?: TextStyle;
}

class PageFlow {
	readonly #doc: PDFDocument;
	readonly fonts: Fonts;
	page!: PDFPage;
	/** The top of the next line, in PDF points from the bottom of the page. */
	y = 0;
	/**
	 * What a page that content runs onto is headed with, so that a lone "How it is verified"
	 * at the top of a page still says whose: the part ("Audit certificate"), then the heading
	 * in force ("Obligations — 5. Payment").
	 */
	#part: string | null = null;
	continuing: string | null = null;

	constructor(doc: PDFDocument, fonts: Fonts) {
		this.#doc = doc;
		this.fonts = fonts;
	}

	/** Starts a part of the document on a fresh page. */
	newPart(title: string | null) {
		this.#addPage();
		this.#part = title;
		this.continuing = null;
	}

	#addPage() {
		this.page = this.#doc.addPage(PAGE_SIZE);
		this.y = PAGE_SIZE[1] - MARGIN.top;
	}

	/** Starts a new page unless `height` still fits; returns whether it did. */
	keep(height: number): boolean {
		if (this.y - height >= MARGIN.bottom) return false;
		this.#addPage();
		const heading = [this.#part, this.continuing].filter(Boolean).join(' — ');
		if (heading) {
			this.paragraph(`${heading} (continued)`, LABEL);
			this.gap(6);
		}
		return true;
	}

	gap(height: number) {
		this.y -= height;
	}

	/** One line whose top is at the cursor; no page break. */
	line(text: string, style: TextStyle, x = MARGIN.side) {
		const font = this.fonts[style.font];
		// The baseline sits so that ascenders and descenders share the leading evenly.
		const baseline = this.y - (style.leading + style.size * 0.7) / 2;
		this.page.drawText(text, { x, y: baseline, size: style.size, font, color: style.color });
		this.y -= style.leading;
	}

	paragraph(text: string, style: TextStyle, x = MARGIN.side, width = CONTENT_WIDTH) {
		for (const line of wrapText(text, this.fonts[style.font], style.size, width)) {
			this.keep(style.leading);
			this.line(line, style, x);
		}
	}

	/** `keepAfter`: a heading never ends a page, it keeps room for what follows it. */
	section(title: string, keepAfter = 3 * BODY.leading) {
		this.gap(14);
		this.continuing = null;
		this.keep(SECTION.leading + 6 + keepAfter);
		this.line(title, SECTION);
		this.continuing = title;
		this.rule();
		this.gap(6);
	}

	rule(x = MARGIN.side, width = CONTENT_WIDTH) {
		const y = this.y - 2;
		this.page.drawLine({
			start: { x, y },
			end: { x: x + width, y },
			thickness: 0.6,
			color: RULE
		});
		this.y -= 4;
	}

	/**
	 * A label in the left column, the value wrapped in the right one; the label is repeated
	 * if the value runs onto another page. A `mono` value is a digest: Courier, broken evenly.
	 */
	field(label: string, value: string, options: FieldOptions = {}) {
		const indent = options.indent ?? 0;
		const x = MARGIN.side + indent + LABEL_WIDTH;
		const width = CONTENT_WIDTH - indent - LABEL_WIDTH;
		const text = options.style ?? BODY;
		const style = options.mono ? { ...MONO, leading: text.leading } : text;
		const labelStyle = { ...LABEL, size: Math.min(LABEL.size, text.size), leading: text.leading };
		const lines = options.mono
			? breakDigest(value, this.fonts.mono, style.size, width)
			: wrapText(value, this.fonts[style.font], style.size, width);
		lines.forEach((line, i) => {
			const onNewPage = this.keep(style.leading);
			if (label && (i === 0 || onNewPage)) {
				this.line(label, labelStyle, MARGIN.side + indent);
				this.y += style.leading; // the value shares the label's line
			}
			this.line(line, style, x);
		});
	}

	/** Rows of cells with the header repeated on each page the table runs onto. */
	table(
		columns: { header: string; width: number; align?: 'right' }[],
		rows: string[][],
		x: number
	) {
		const drawRow = (cells: string[], style: TextStyle) => {
			const top = this.y;
			let left = x;
			cells.forEach((cell, i) => {
				const { width, align } = columns[i];
				const font = this.fonts[style.font];
				const text = fitToWidth(cell, font, style.size, width - 8);
				const offset = align === 'right' ? width - 8 - font.widthOfTextAtSize(text, style.size) : 0;
				this.y = top;
				this.line(text, style, left + offset);
				left += width;
			});
		};
		const header = () => {
			drawRow(
				columns.map((c) => c.header),
				LABEL
			);
			this.rule(x, columns.reduce((sum, c) => sum + c.width, 0) - 8);
		};
		this.keep(LABEL.leading + 4 + 2 * BODY.leading);
		header();
		for (const row of rows) {
			if (this.keep(BODY.leading)) header();
			drawRow(row, BODY);
		}
	}
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
		const drawing = signature.drawing ? await doc.embedPng(signature.drawing) : null;
		drawSignatureBlock(flow, input, signature, drawing);
	}
}

const SIGNATURE_GUTTER = 24;

function drawSignatureBlock(
	flow: PageFlow,
	input: AgreementPdfInput,
	signature: AgreementPdfInput['signatures'][number],
	drawing: PDFImage | null
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
	if (drawing) {
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
	flow.line(drawing ? 'Drawn signature' : 'No drawn signature', LABEL, boxX);
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
