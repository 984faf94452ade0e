import { crc32, inflateSync } from 'node:zlib';
import { PDFDocument } from 'pdf-lib';

/**
 * A drawn signature is one party's input that ends up in everyone's PDF: what is accepted must
 * be exactly what the PDF can show, and checking it must cost little whatever it claims. The
 * signing pad sends a PNG of its 600 × 180 canvas (`SignaturePad.svelte`); the limits leave
 * room for a pad drawn at a higher pixel density, and no more.
 */
export const DRAWING_LIMITS = {
	/** As sent: the request schema's ~200,000 base64 characters. */
	maxBytes: 150_000,
	maxWidth: 2_000,
	maxHeight: 1_000
} as const;

export type DrawingProblem =
	/** More bytes than a drawing needs. */
	| 'too_large'
	/** Not a PNG (a JPEG, an SVG, anything else). */
	| 'not_png'
	/** A PNG's signature followed by what a PNG is not: bad chunks, checksums, data. */
	| 'malformed'
	/** Declares more pixels than a drawing has: refused before anything is decoded. */
	| 'too_many_pixels'
	/** An animated PNG: a signature is one image. */
	| 'animated'
	/** Well formed, yet the PDF's own decoder cannot read it. */
	| 'undecodable';

export type DrawingCheck =
	{ ok: true; width: number; height: number } | { ok: false; problem: DrawingProblem };

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Bit depths allowed for each PNG colour type (PNG specification, table 11.1). */
const DEPTHS: Record<number, { depths: number[]; channels: number }> = {
	0: { depths: [1, 2, 4, 8, 16], channels: 1 },
	2: { depths: [8, 16], channels: 3 },
	3: { depths: [1, 2, 4, 8], channels: 1 },
	4: { depths: [8, 16], channels: 2 },
	6: { depths: [8, 16], channels: 4 }
};

/** Chunks that make an animated PNG. */
const ANIMATION = new Set(['acTL', 'fcTL', 'fdAT']);
/** The critical chunks a still PNG may have; any other critical chunk is refused. */
const CRITICAL = new Set(['IHDR', 'PLTE', 'IDAT', 'IEND']);

/**
 * Checks a drawn signature fully, cheapest first: its size in bytes; its structure (the PNG
 * signature, every chunk's length and CRC, a still image ending at IEND); the dimensions its
 * header declares, before anything is decoded; the compressed pixels inflated with a ceiling of
 * exactly what those dimensions need (a tiny file cannot inflate to more); and last a full decode
 * by pdf-lib, the decoder the agreement's PDF is rendered with.
 */
export async function checkSignatureDrawing(bytes: Uint8Array): Promise<DrawingCheck> {
	if (bytes.length > DRAWING_LIMITS.maxBytes) return refused('too_large');
	const structure = readStructure(bytes);
	if ('problem' in structure) return refused(structure.problem);
	const { header, compressed } = structure;
	if (header.width > DRAWING_LIMITS.maxWidth || header.height > DRAWING_LIMITS.maxHeight)
		return refused('too_many_pixels');

	const expected = inflatedSize(header);
	try {
		const pixels = inflateSync(compressed, { maxOutputLength: expected });
		if (pixels.length !== expected) return refused('malformed');
	} catch {
		return refused('malformed');
	}

	try {
		const image = await (await PDFDocument.create()).embedPng(bytes);
		if (image.width !== header.width || image.height !== header.height)
			return refused('undecodable');
	} catch {
		return refused('undecodable');
	}
	return { ok: true, width: header.width, height: header.height };
}

const refused = (problem: DrawingProblem): DrawingCheck => ({ ok: false, problem });

interface Header {
	width: number;
	height: number;
	bitDepth: number;
	colourType: number;
	interlaced: boolean;
}

/** The header and the compressed pixels of a still PNG, each chunk checked; nothing decoded. */
function readStructure(
	bytes: Uint8Array
): { header: Header; compressed: Buffer } | { problem: DrawingProblem } {
	if (bytes.length < SIGNATURE.length || SIGNATURE.some((byte, i) => bytes[i] !== byte))
		return { problem: 'not_png' };
	const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	let header: Header | null = null;
	let palette = false;
	const compressed: Buffer[] = [];
	let offset = SIGNATURE.length;
	while (offset + 12 <= view.length) {
		const length = view.readUInt32BE(offset);
		const end = offset + 12 + length;
		if (length > view.length || end > view.length) return { problem: 'malformed' };
		const type = view.toString('latin1', offset + 4, offset + 8);
		const data = view.subarray(offset + 8, offset + 8 + length);
		if (!/^[A-Za-z]{4}$/.test(type)) return { problem: 'malformed' };
		if (crc32(view.subarray(offset + 4, offset + 8 + length)) !== view.readUInt32BE(end - 4))
			return { problem: 'malformed' };
		offset = end;

		if (ANIMATION.has(type)) return { problem: 'animated' };
		if (header === null && type !== 'IHDR') return { problem: 'malformed' };
		if (type === 'IHDR') {
			if (header !== null) return { problem: 'malformed' };
			header = readHeader(data);
			if (!header) return { problem: 'malformed' };
		} else if (type === 'PLTE') palette = true;
		else if (type === 'IDAT') compressed.push(data);
		else if (type === 'IEND') {
			// Nothing may follow the end: no second image, no hidden payload.
			if (offset !== view.length || compressed.length === 0) return { problem: 'malformed' };
			if (header!.colourType === 3 && !palette) return { problem: 'malformed' };
			return { header: header!, compressed: Buffer.concat(compressed) };
		} else if (!CRITICAL.has(type) && type[0]! === type[0]!.toUpperCase())
			return { problem: 'malformed' };
	}
	// Truncated: it never reached IEND.
	return { problem: 'malformed' };
}

function readHeader(data: Buffer): Header | null {
	if (data.length !== 13) return null;
	const header = {
		width: data.readUInt32BE(0),
		height: data.readUInt32BE(4),
		bitDepth: data[8]!,
		colourType: data[9]!,
		interlaced: data[12] === 1
	};
	const kind = DEPTHS[header.colourType];
	const valid =
		header.width > 0 &&
		header.height > 0 &&
		kind !== undefined &&
		kind.depths.includes(header.bitDepth) &&
		data[10] === 0 && // deflate
		data[11] === 0 && // adaptive filtering
		(data[12] === 0 || data[12] === 1);
	return valid ? header : null;
}

/** Bytes the pixels inflate to: per row a filter byte and the row's bytes, per interlace pass. */
function inflatedSize(header: Header): number {
	const bitsPerPixel = header.bitDepth * DEPTHS[header.colourType]!.channels;
	const rows = (width: number, height: number) =>
		width <= 0 || height <= 0 ? 0 : height * (1 + Math.ceil((width * bitsPerPixel) / 8));
	if (!header.interlaced) return rows(header.width, header.height);
	// Adam7: each pass takes every `dx`-th pixel from `x0`, every `dy`-th row from `y0`.
	const passes = [
		[0, 0, 8, 8],
		[4, 0, 8, 8],
		[0, 4, 4, 8],
		[2, 0, 4, 4],
		[0, 2, 2, 4],
		[1, 0, 2, 2],
		[0, 1, 1, 2]
	] as const;
	return passes.reduce(
		(sum, [x0, y0, dx, dy]) =>
			sum + rows(Math.ceil((header.width - x0) / dx), Math.ceil((header.height - y0) / dy)),
		0
	);
}
