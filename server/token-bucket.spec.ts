import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.ts';

describe('TokenBucket', () => {
	it('allows a burst, then only what has refilled since', () => {
		const bucket = new TokenBucket(3, 2, 0);
		expect([1, 2, 3, 4].map(() => bucket.take(1, 0))).toEqual([true, true, true, false]);
		expect(bucket.take(1, 250)).toBe(false);
		expect(bucket.take(1, 500)).toBe(true);
		expect(bucket.take(1, 500)).toBe(false);
	});

	it('never holds more than its burst, however long it rested', () => {
		const bucket = new TokenBucket(2, 1, 0);
		expect(bucket.take(2, 3_600_000)).toBe(true);
		expect(bucket.take(1, 3_600_000)).toBe(false);
	});

	it('takes amounts (bytes) and refuses one larger than what is left, taking nothing', () => {
		const bucket = new TokenBucket(1000, 100, 0);
		expect(bucket.take(600, 0)).toBe(true);
		expect(bucket.take(600, 0)).toBe(false);
		expect(bucket.take(400, 0)).toBe(true);
	});

	it('does not refill when the clock goes backwards', () => {
		const bucket = new TokenBucket(1, 1, 10_000);
		expect(bucket.take(1, 10_000)).toBe(true);
		expect(bucket.take(1, 0)).toBe(false);
	});
});
