import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import { colourOf, CURSOR_COLOURS, Presence } from './presence.ts';

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

/** An awareness update as y-protocols encodes it: one state for one client id. */
function awarenessUpdate(clientId: number, clock: number, state: unknown): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, 1);
	encoding.writeVarUint(encoder, clientId);
	encoding.writeVarUint(encoder, clock);
	encoding.writeVarString(encoder, JSON.stringify(state));
	return encoding.toUint8Array(encoder);
}

describe('presence', () => {
	const user = { id: 'p', name: 'P', role: 'victim', color: CURSOR_COLOURS[0] } as const;

	it('remembers a bounded number of departed client ids, however many connections come and go', () => {
		const presence = new Presence();
		const staying = {};
		presence.apply(staying, user, awarenessUpdate(1, 1, { cursor: null }));
		for (let i = 0; i < 2_000; i++) {
			const visitor = {};
			presence.apply(visitor, user, awarenessUpdate(1_000 + i, 1, { cursor: null }));
			presence.remove(visitor);
		}
		expect(presence.size).toBeLessThanOrEqual(257);
		// Whoever is present stays, and an echo of a recent departure is still recognised as old.
		expect(presence.all()).not.toBeNull();
		expect(presence.apply({}, user, awarenessUpdate(2_999, 1, { cursor: null }))).toBeNull();
	});
});
