import { describe, expect, it } from 'vitest';
import { RefusedClients } from './refused-clients.ts';

describe('RefusedClients', () => {
	it('remembers at most its number of clients per person, forgetting the oldest first', () => {
		const refused = new RefusedClients(3);
		for (const client of [1, 2, 3, 4]) refused.add('victim', client);
		expect(refused.count('victim')).toBe(3);
		expect([1, 2, 3, 4].map((client) => refused.has('victim', client))).toEqual([
			false,
			true,
			true,
			true
		]);
		// Refused again: the newest once more, so not the next to be forgotten.
		refused.add('victim', 2);
		refused.add('victim', 5);
		expect(refused.has('victim', 2)).toBe(true);
		expect(refused.has('victim', 3)).toBe(false);
	});

	it("keeps each person's apart: one naming many clients pushes out nobody else's", () => {
		const refused = new RefusedClients(64);
		refused.add('support', 7);
		for (let client = 0; client < 100_000; client++) refused.add('offender', client);
		expect(refused.count('offender')).toBe(64);
		expect(refused.has('support', 7)).toBe(true);
		expect(refused.has('offender', 7)).toBe(false);
	});
});
