/**
 * Loads by key, several keys in one call of `loadAll`: at most `parallelism` calls at a time,
 * and the keys asked for while they run go together into the next. Alone, a key is loaded at
 * once; in a burst (hundreds of people coming back to a process at the same moment), the
 * statements per key fall to almost nothing. A key missing from what `loadAll` returns fails
 * with `missing(key)`; a call that fails fails all of its keys. Nothing is remembered: a key
 * asked for again is loaded again (callers keep what they loaded).
 */
export class BatchedLoader<K, V> {
	readonly #loadAll: (keys: K[]) => Promise<Map<K, V>>;
	readonly #missing: (key: K) => Error;
	readonly #parallelism: number;
	#queued = new Map<K, PromiseWithResolvers<V>>();
	#running = 0;

	constructor(
		loadAll: (keys: K[]) => Promise<Map<K, V>>,
		options: { missing: (key: K) => Error; parallelism?: number }
	) {
		this.#loadAll = loadAll;
		this.#missing = options.missing;
		this.#parallelism = options.parallelism ?? 2;
	}

	load(key: K): Promise<V> {
		let waiting = this.#queued.get(key);
		if (!waiting) {
			waiting = Promise.withResolvers<V>();
			this.#queued.set(key, waiting);
			this.#next();
		}
		return waiting.promise;
	}

	#next(): void {
		if (this.#running >= this.#parallelism || this.#queued.size === 0) return;
		const batch = this.#queued;
		this.#queued = new Map();
		this.#running += 1;
		this.#loadAll([...batch.keys()])
			.then(
				(loaded) => {
					for (const [key, waiting] of batch) {
						const value = loaded.get(key);
						if (value === undefined) waiting.reject(this.#missing(key));
						else waiting.resolve(value);
					}
				},
				(error: unknown) => {
					for (const waiting of batch.values()) waiting.reject(error);
				}
			)
			.finally(() => {
				this.#running -= 1;
				this.#next();
			});
	}
}
