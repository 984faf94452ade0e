import { describe, expect, it } from 'vitest';
import { nextQuality, QUALITY_STEPS } from './quality.ts';

describe('the video ladder', () => {
	it('steps down at once when the link is starved, to the last step and no further', () => {
		expect(nextQuality(0, true, 0)).toBe(1);
		expect(nextQuality(QUALITY_STEPS.length - 1, true, 0)).toBe(QUALITY_STEPS.length - 1);
	});

	it('steps back up only after several good checks in a row', () => {
		expect(nextQuality(2, false, 0)).toBe(2);
		expect(nextQuality(2, false, 1)).toBe(2);
		expect(nextQuality(2, false, 2)).toBe(1);
		expect(nextQuality(0, false, 10)).toBe(0);
	});

	it('sends smaller, fewer and cheaper frames at each step down', () => {
		for (let i = 1; i < QUALITY_STEPS.length; i++) {
			expect(QUALITY_STEPS[i].maxBitrate!).toBeLessThan(QUALITY_STEPS[i - 1].maxBitrate!);
			expect(QUALITY_STEPS[i].scaleResolutionDownBy!).toBeGreaterThan(
				QUALITY_STEPS[i - 1].scaleResolutionDownBy!
			);
		}
	});
});
