/**
 * The video ladder for weak links: each step sends smaller, fewer, cheaper frames. Chromium
 * already adapts the bitrate; these steps make the picture degrade into something still
 * useful (a recognisable face) instead of a frozen one.
 */
export const QUALITY_STEPS: RTCRtpEncodingParameters[] = [
	{ maxBitrate: 600_000, scaleResolutionDownBy: 1, maxFramerate: 24 },
	{ maxBitrate: 300_000, scaleResolutionDownBy: 2, maxFramerate: 15 },
	{ maxBitrate: 120_000, scaleResolutionDownBy: 4, maxFramerate: 10 }
];

/** Checks of a good link before stepping back up (no see-saw on a flaky line). */
const GOOD_CHECKS_TO_RECOVER = 3;

export function nextQuality(current: number, starved: boolean, goodChecks: number): number {
	if (starved) return Math.min(current + 1, QUALITY_STEPS.length - 1);
	if (goodChecks + 1 >= GOOD_CHECKS_TO_RECOVER) return Math.max(current - 1, 0);
	return current;
}
