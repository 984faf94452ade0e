import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import {
	PageSizes,
	PDFDocument,
	rgb,
	StandardFonts,
	type PDFFont,
	type PDFPage,
	type RGB
} from 'pdf-lib';

// ---------------------------------------------------------------------------------------------
// Page geometry and type. US Letter: programs are mostly in the US.

export const PAGE_SIZE = PageSizes.Letter;
export const MARGIN = { top: 64, bottom: 72, side: 64 };
export const CONTENT_WIDTH = PAGE_SIZE[0] - 2 * MARGIN.side;
export const FOOTER_BASELINE = 36;
export const LABEL_WIDTH = 120;
export const SIGNATURE_BOX = { width: 200, height: 60 };

const INK = rgb(0.1, 0.1, 0.12);
export const MUTED = rgb(0.4, 0.4, 0.44);
const RULE = rgb(0.78, 0.78, 0.8);
export const GOOD = rgb(0.08, 0.45, 0.2);
export const BAD = rgb(0.75, 0.08, 0.08);

export interface Fonts {
	regular: PDFFont;
	bold: PDFFont;
	/** Courier: only ever given hex digests and format ids, which are ASCII. */
	mono: PDFFont;
}

export interface TextStyle {
	font: keyof Fonts;
	size: number;
	leading: number;
	color: RGB;
}

export const BODY: TextStyle = { font: 'regular', size: 10.5, leading: 15, color: INK };
export const LABEL: TextStyle = { font: 'regular', size: 9.5, leading: 15, color: MUTED };
/** At 9 pt a 64-digit hash fits on one line beside a label, even indented. */
const MONO: TextStyle = { font: 'mono', size: 9, leading: 13, color: INK };
export const STRONG: TextStyle = { ...BODY, font: 'bold' };
export const TITLE: TextStyle = { font: 'bold', size: 22, leading: 30, color: INK };
export const SUBTITLE: TextStyle = { font: 'regular', size: 13, leading: 19, color: INK };
const SECTION: TextStyle = { font: 'bold', size: 13, leading: 18, color: INK };
/** The certificate is a record to consult, not to read through: set tighter, to fit one page. */
export const RECORD: TextStyle = { ...BODY, size: 9.5, leading: 13 };
export const FOOTER: TextStyle = { font: 'regular', size: 8.5, leading: 11, color: MUTED };

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

export async function embedFonts(doc: PDFDocument): Promise<Fonts> {
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
export function wrapText(text: string, font: PDFFont, size: number, maxWidth: number): string[] {
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

export function fitToWidth(text: string, font: PDFFont, size: number, maxWidth: number): string {
	if (font.widthOfTextAtSize(text, size) <= maxWidth) return text;
	const chars = Array.from(text);
	while (chars.length && font.widthOfTextAtSize(`${chars.join('')}…`, size) > maxWidth) {
		chars.pop();
	}
	return `${chars.join('').trimEnd()}…`;
}

// ---------------------------------------------------------------------------------------------
// Layout: a cursor that flows down the page and starts a new one when the next piece won't fit.

interface FieldOptions {
	mono?: boolean;
	indent?: number;
	style?: TextStyle;
}

export class PageFlow {
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
