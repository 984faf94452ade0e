import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { pngChunk, pngHeader, pngOf, PNG_SIGNATURE, signaturePng } from './drawing-fixtures.ts';
import { checkSignatureDrawing, DRAWING_LIMITS } from './signature-drawing.ts';

/**
 * Pixels of `width` × `height` (all zero: transparent or black), as the compressed data of a
 * PNG with this bit depth and channel count holds them. Interlaced: the seven Adam7 passes,
 * counted pixel by pixel (not by the formula the check uses).
 */
function rawPixels(width: number, height: number, bitsPerPixel: number, interlaced = false) {
	const rowBytes = (pixels: number) =>
		pixels === 0 ? 0 : 1 + Math.ceil((pixels * bitsPerPixel) / 8);
	if (!interlaced) return Buffer.alloc(height * rowBytes(width));
	const passes = [
		[0, 0, 8, 8],
		[4, 0, 8, 8],
		[0, 4, 4, 8],
		[2, 0, 4, 4],
		[0, 2, 2, 4],
		[1, 0, 2, 2],
		[0, 1, 1, 2]
	];
	let size = 0;
	for (const [x0, y0, dx, dy] of passes) {
		let columns = 0;
		for (let x = 0; x < width; x++) if (x % dx === x0) columns++;
		let rows = 0;
		for (let y = 0; y < height; y++) if (y % dy === y0) rows++;
		if (columns > 0) size += rows * rowBytes(columns);
	}
	return Buffer.alloc(size);
}

describe('checkSignatureDrawing', () => {
	it('accepts a drawing as the signing pad sends it', async () => {
		expect(await checkSignatureDrawing(signaturePng(600, 180))).toEqual({
			ok: true,
			width: 600,
			height: 180
		});
	});

	it('accepts every still PNG the PDF can show: colour types, bit depths, interlacing', async () => {
		const palette = pngChunk('PLTE', Buffer.from([0, 0, 0, 255, 255, 255]));
		const cases = [
			{ colourType: 0, bitDepth: 1, bits: 1 },
			{ colourType: 0, bitDepth: 16, bits: 16 },
			{ colourType: 2, bitDepth: 8, bits: 24 },
			{ colourType: 3, bitDepth: 4, bits: 4, extra: [palette] },
			{ colourType: 4, bitDepth: 8, bits: 16 },
			{ colourType: 6, bitDepth: 16, bits: 64 }
		];
		for (const { colourType, bitDepth, bits, extra = [] } of cases)
			for (const interlaced of [false, true])
				for (const [width, height] of [
					[1, 1],
					[7, 5],
					[33, 17]
				] as const) {
					const png = pngOf(
						pngHeader(width, height, colourType, bitDepth, interlaced ? 1 : 0),
						...extra,
						pngChunk('IDAT', deflateSync(rawPixels(width, height, bits, interlaced)))
					);
					expect(
						await checkSignatureDrawing(png),
						`${colourType}/${bitDepth} ${width}×${height}${interlaced ? ' interlaced' : ''}`
					).toEqual({ ok: true, width, height });
				}
	});

	it('refuses the PNG signature followed by junk', async () => {
		const junk = new Uint8Array([...PNG_SIGNATURE, ...Buffer.from('x'.repeat(200))]);
		expect(await checkSignatureDrawing(junk)).toEqual({ ok: false, problem: 'malformed' });
	});

	it('refuses a truncated drawing, whether its chunks or its pixels are cut short', async () => {
		const whole = signaturePng(80, 24);
		for (const length of [9, 40, Math.floor(whole.length / 2), whole.length - 1])
			expect(await checkSignatureDrawing(whole.subarray(0, length))).toEqual({
				ok: false,
				problem: 'malformed'
			});
		// Every chunk intact, but the pixels end after half of the rows.
		const half = pngOf(pngHeader(80, 24), pngChunk('IDAT', deflateSync(rawPixels(80, 12, 32))));
		expect(await checkSignatureDrawing(half)).toEqual({ ok: false, problem: 'malformed' });
	});

	it('refuses huge declared dimensions from the header, before decoding anything', async () => {
		// A few hundred bytes claiming 10 billion pixels: a decoder would allocate them first.
		for (const [width, height] of [
			[100_000, 100_000],
			[DRAWING_LIMITS.maxWidth + 1, 10],
			[10, DRAWING_LIMITS.maxHeight + 1]
		] as const) {
			const bomb = pngOf(pngHeader(width, height), pngChunk('IDAT', deflateSync(Buffer.alloc(64))));
			expect(await checkSignatureDrawing(bomb)).toEqual({ ok: false, problem: 'too_many_pixels' });
		}
		const largest = pngOf(
			pngHeader(DRAWING_LIMITS.maxWidth, DRAWING_LIMITS.maxHeight),
			pngChunk(
				'IDAT',
				deflateSync(rawPixels(DRAWING_LIMITS.maxWidth, DRAWING_LIMITS.maxHeight, 32))
			)
		);
		expect(await checkSignatureDrawing(largest)).toMatchObject({ ok: true });
	});

	it('refuses a tiny file whose pixels inflate to far more than its dimensions hold', async () => {
		const bomb = pngOf(pngHeader(10, 10), pngChunk('IDAT', deflateSync(Buffer.alloc(64 << 20))));
		expect(bomb.length).toBeLessThan(DRAWING_LIMITS.maxBytes);
		expect(await checkSignatureDrawing(bomb)).toEqual({ ok: false, problem: 'malformed' });
	});

	it('refuses other kinds of image: JPEG, SVG, GIF', async () => {
		const others = [
			Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]),
			Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0L10 10"/></svg>'),
			Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'),
			Buffer.alloc(0)
		];
		for (const other of others)
			expect(await checkSignatureDrawing(new Uint8Array(other))).toEqual({
				ok: false,
				problem: 'not_png'
			});
	});

	it('refuses a drawing over the size limit, whatever it holds', async () => {
		const padding = pngChunk('tEXt', Buffer.alloc(DRAWING_LIMITS.maxBytes, 0x61));
		const oversized = pngOf(
			pngHeader(8, 8),
			padding,
			pngChunk('IDAT', deflateSync(rawPixels(8, 8, 32)))
		);
		expect(await checkSignatureDrawing(oversized)).toEqual({ ok: false, problem: 'too_large' });
	});

	it('refuses animations, broken checksums, unknown critical chunks and bytes after the end', async () => {
		const pixels = pngChunk('IDAT', deflateSync(rawPixels(8, 8, 32)));
		const header = pngHeader(8, 8);
		const animated = pngOf(header, pngChunk('acTL', Buffer.alloc(8)), pixels);
		expect(await checkSignatureDrawing(animated)).toEqual({ ok: false, problem: 'animated' });
		const badCrc = pngOf(
			header,
			pngChunk('IDAT', deflateSync(rawPixels(8, 8, 32)), { badCrc: true })
		);
		const unknown = pngOf(header, pngChunk('ZZZZ', Buffer.alloc(4)), pixels);
		const trailing = new Uint8Array([...pngOf(header, pixels), 1, 2, 3]);
		const noHeader = pngOf(pixels);
		const noPalette = pngOf(
			pngHeader(8, 8, 3, 8),
			pngChunk('IDAT', deflateSync(rawPixels(8, 8, 8)))
		);
		for (const png of [badCrc, unknown, trailing, noHeader, noPalette])
			expect(await checkSignatureDrawing(png)).toEqual({ ok: false, problem: 'malformed' });
	});
});
