import { describe, expect, it } from 'vitest';
import { elapsedText } from './durations.ts';

const MINUTE = 60_000;

describe('elapsedText', () => {
	it('counts whole minutes, never below zero (a clock a little ahead of the server)', () => {
		expect(elapsedText(-5_000)).toBe('0 min');
		expect(elapsedText(59_999)).toBe('0 min');
		expect(elapsedText(12 * MINUTE + 30_000)).toBe('12 min');
		expect(elapsedText(59 * MINUTE)).toBe('59 min');
	});

	it('shows hours and two-digit minutes from an hour on', () => {
		expect(elapsedText(60 * MINUTE)).toBe('1 h 00 min');
		expect(elapsedText(65 * MINUTE)).toBe('1 h 05 min');
		expect(elapsedText(2 * 60 * MINUTE + 41 * MINUTE)).toBe('2 h 41 min');
	});
});
