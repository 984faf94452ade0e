import { describe, expect, it } from 'vitest';
import { BatchedLoader } from './batched-loader.ts';

/** A loader whose calls are answered by hand: which keys each call asked for, in order. */
function manual() {
	const calls: { keys: string[]; answer: PromiseWithResolvers<Map<string, string>> }[] = [];
	const loader = new BatchedLoader<string, string>(
		async (keys) => {
			const answer = Promise.withResolvers<Map<string, string>>();
			calls.push({ keys, answer });
			return answer.promise;
		},
		{ missing: (key) => new Error(`no ${key}`), parallelism: 1 }
	);
	const answer = (index: number) =>
		calls[index]?.answer.resolve(new Map(calls[index].keys.map((key) => [key, key.toUpperCase()])));
	return { loader, calls, answer };
}

describe('BatchedLoader', () => {
	it('loads a key alone at once, and what is asked for meanwhile together in the next call', async () => {
		const { loader, calls, answer } = manual();
		const first = loader.load('a');
		const burst = ['b', 'c', 'b', 'd'].map((key) => loader.load(key));
		expect(calls.map((call) => call.keys)).toEqual([['a']]);
		answer(0);
		expect(await first).toBe('A');
		await new Promise(setImmediate);
		expect(calls.map((call) => call.keys)).toEqual([['a'], ['b', 'c', 'd']]);
		answer(1);
		expect(await Promise.all(burst)).toEqual(['B', 'C', 'B', 'D']);
	});

	it('fails a key the call did not return, and every key of a call that failed, and goes on', async () => {
		const loader = new BatchedLoader<string, string>(
			async (keys) => {
				if (keys.includes('broken')) throw new Error('database gone');
				return new Map(keys.filter((key) => key !== 'gone').map((key) => [key, key]));
			},
			{ missing: (key) => new Error(`no ${key}`), parallelism: 1 }
		);
		await expect(loader.load('broken')).rejects.toThrow('database gone');
		const [found, gone] = [loader.load('here'), loader.load('gone')];
		await expect(gone).rejects.toThrow('no gone');
		expect(await found).toBe('here');
	});
});
