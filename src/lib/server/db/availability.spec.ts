import { describe, expect, it } from 'vitest';
import type { Logger } from '../log.ts';
import { DatabaseAvailability } from './availability.ts';

const lost = () => Object.assign(new Error('terminating connection'), { code: '57P01' });

/** A logger that keeps its lines. */
function lines(): Logger & { said: string[] } {
	const said: string[] = [];
	const keep = (message: string) => void said.push(message);
	return { said, debug: () => {}, info: keep, warn: keep, error: keep };
}

describe('watching whether the database answers', () => {
	it('says once that the connection was lost, and once that it is back, after reconnecting', async () => {
		const log = lines();
		let attempts = 0;
		const availability = new DatabaseAvailability({
			log,
			// The database is gone for the first two attempts.
			reconnect: async () => {
				if (++attempts <= 2)
					throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
			},
			ping: async () => {}
		});
		expect(availability.available).toBe(true);
		availability.report(lost());
		availability.report(lost());
		// Until a reconnection attempt fails, one lost connection does not make it unavailable.
		expect(availability.available).toBe(true);
		expect(await availability.reconnects()).toBe(false);
		expect(availability.available).toBe(false);
		await availability.whenAvailable();
		expect(availability.available).toBe(true);
		expect(attempts).toBe(3);
		expect(log.said).toEqual([
			'database connection lost (57P01: terminating connection): reconnecting',
			'database unavailable (ECONNREFUSED: connect ECONNREFUSED): commands and pages are refused until it answers',
			expect.stringMatching(/^database reconnected after \d+\.\d s$/)
		]);
		availability.close();
	});

	it('stays available when one connection is cut and the next one works', async () => {
		const log = lines();
		const availability = new DatabaseAvailability({
			log,
			reconnect: async () => {},
			ping: async () => {}
		});
		availability.report(lost());
		expect(await availability.reconnects()).toBe(true);
		expect(availability.available).toBe(true);
		await availability.whenAvailable();
		expect(log.said).toHaveLength(2);
	});

	it('ignores failures that are not about the connection', () => {
		const log = lines();
		const availability = new DatabaseAvailability({
			log,
			reconnect: async () => {},
			ping: async () => {}
		});
		availability.report(Object.assign(new Error('duplicate key'), { code: '23505' }));
		expect(log.said).toEqual([]);
	});

	it('answers a health check within its time, even when the database never does', async () => {
		const availability = new DatabaseAvailability({
			log: lines(),
			reconnect: async () => {},
			ping: () => new Promise(() => {})
		});
		expect(await availability.check(50)).toBe(false);
		const answering = new DatabaseAvailability({
			log: lines(),
			reconnect: async () => {},
			ping: async () => {}
		});
		expect(await answering.check()).toBe(true);
	});
});
