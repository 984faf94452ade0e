import { crc32, deflateSync } from 'node:zlib';

/**
 * PNG files built by hand for tests — well formed or deliberately not — so that tests need no
 * image library and say exactly what each file holds.
 */

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** One chunk: length, type, data, CRC (a wrong one when `badCrc`). */
export function pngChunk(type: string, data: Uint8Array, options: { badCrc?: boolean } = {}) {
	const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
	const length = Buffer.alloc(4);
	length.writeUInt32BE(data.length);
	const crc = Buffer.alloc(4);
	crc.writeUInt32BE((crc32(body) ^ (options.badCrc ? 1 : 0)) >>> 0);
	return Buffer.concat([length, body, crc]);
}

/** IHDR: `colourType` 6 is RGBA; bit depth 8; `interlace` 1 is Adam7. */
export function pngHeader(
	width: number,
	height: number,
	colourType = 6,
	bitDepth = 8,
	interlace = 0
) {
	const data = Buffer.alloc(13);
	data.writeUInt32BE(width, 0);
	data.writeUInt32BE(height, 4);
	data.set([bitDepth, colourType, 0, 0, interlace], 8);
	return pngChunk('IHDR', data);
}

/** A PNG of the chunks given, between the signature and IEND. */
export const pngOf = (...chunks: Buffer[]) =>
	new Uint8Array(Buffer.concat([PNG_SIGNATURE, ...chunks, pngChunk('IEND', new Uint8Array())]));

/** A small RGBA PNG with a dark stroke across it, as the signing pad would send. */
export function signaturePng(width = 80, height = 24): Uint8Array {
	const rows = [];
	for (let y = 0; y < height; y++) {
		const row = Buffer.alloc(1 + width * 4); // filter byte 0, then transparent pixels
		for (let x = 0; x < width; x++) {
			const onStroke = Math.abs(y - Math.round(height / 2 + (height / 3) * Math.sin(x / 6))) < 2;
			if (onStroke) row.set([20, 30, 90, 255], 1 + x * 4);
		}
		rows.push(row);
	}
	return pngOf(pngHeader(width, height), pngChunk('IDAT', deflateSync(Buffer.concat(rows))));
}

/** The bytes of a `data:image/png;base64,…` URL, as the signing form sends a drawing. */
export const dataUrlOf = (bytes: Uint8Array) =>
	`data:image/png;base64,${Buffer.from(bytes).toString('base64')}`;
