import { describe, expect, it } from 'vitest';
import { colourOf, CURSOR_COLOURS } from './presence.ts';

/** WCAG 2 contrast ratio of two sRGB colours (#rrggbb). */
function contrast(a: string, b: string): number {
	const luminance = (hex: string) => {
		const [r, g, b] = [1, 3, 5].map((i) => {
			const c = parseInt(hex.slice(i, i + 2), 16) / 255;
			return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
		});
		return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
	};
	const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
	return (light! + 0.05) / (dark! + 0.05);
}

describe('cursor colours', () => {
	it('carry a name tag in white text readably: 4.5:1 or more, every one', () => {
		for (const colour of CURSOR_COLOURS)
			expect(contrast(colour, '#ffffff'), colour).toBeGreaterThanOrEqual(4.5);
	});

	it('give a person the same colour every time, from the palette', () => {
		expect(colourOf('party:abc')).toBe(colourOf('party:abc'));
		const seen = new Set(Array.from({ length: 200 }, (_, i) => colourOf(`person-${i}`)));
		expect([...seen].every((c) => (CURSOR_COLOURS as readonly string[]).includes(c))).toBe(true);
		expect(seen.size).toBe(CURSOR_COLOURS.length);
	});
});
