import { describe, expect, it } from 'vitest';
import { ConnectionQuota } from './connection-quota.ts';

describe('ConnectionQuota', () => {
	it('refuses a connection beyond any of its ceilings, and counts nothing for it', () => {
		const quota = new ConnectionQuota();
		const keys = (person: string) => [
			{ key: `person:${person}`, max: 2 },
			{ key: 'doc', max: 3 }
		];
		expect(quota.take(keys('a'))).not.toBeNull();
		expect(quota.take(keys('a'))).not.toBeNull();
		expect(quota.take(keys('a'))).toBeNull();
		expect(quota.count('doc')).toBe(2);
		expect(quota.take(keys('b'))).not.toBeNull();
		expect(quota.take(keys('c'))).toBeNull();
		expect(quota.count('person:c')).toBe(0);
	});

	it('gives a place back once, however often its release is called', () => {
		const quota = new ConnectionQuota();
		const keys = [{ key: 'k', max: 2 }];
		const first = quota.take(keys)!;
		quota.take(keys);
		first();
		first();
		expect(quota.count('k')).toBe(1);
		expect(quota.take(keys)).not.toBeNull();
		expect(quota.take(keys)).toBeNull();
	});
});
